//! The last lines a server printed: each stream is read on its own thread into a bounded
//! buffer, so a chatty server never blocks on a full pipe and never fills the memory.

use std::io::Read;
use std::sync::{Arc, Mutex};

/// The most kept of each stream, from its end.
const KEEP: usize = 16 * 1024;

/// One stream's tail, filled by a reader thread.
#[derive(Clone, Default)]
pub struct Tail(Arc<Mutex<Vec<u8>>>);

impl Tail {
    /// Reads `stream` to its end on a thread of its own.
    pub fn follow(stream: impl Read + Send + 'static) -> Tail {
        let tail = Tail::default();
        let writer = tail.clone();
        std::thread::spawn(move || writer.read_all(stream));
        tail
    }

    fn read_all(&self, mut stream: impl Read) {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stream.read(&mut chunk) {
            if n == 0 {
                return;
            }
            if let Ok(mut kept) = self.0.lock() {
                kept.extend_from_slice(&chunk[..n]);
                if kept.len() > KEEP {
                    let cut = kept.len() - KEEP;
                    kept.drain(..cut);
                }
            }
        }
    }

    /// The last `lines` lines, as text.
    pub fn last_lines(&self, lines: usize) -> String {
        let kept = self.0.lock().map(|k| k.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&kept);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}
