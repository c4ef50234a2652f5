//! Reading a child's pipe without trusting how much it prints: the beginning and the end of
//! the stream are kept, the middle is counted and dropped.
//!
//! The end matters as much as the beginning: libtest prints a failing test's assertion after
//! everything the test printed, and cargo prints its verdict last. Keeping both ends means a
//! test that prints 200 KB of debug lines and then fails an `assert_eq!` still shows the
//! assertion, while a test printing gigabytes neither blocks the grader nor fills its memory.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What was kept of one stream.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    /// Bytes the stream carried in all.
    pub total: usize,
    head_limit: usize,
    tail_limit: usize,
}

impl Captured {
    /// An empty capture that keeps at most `head` bytes from the start and `tail` from the end.
    pub fn new(head: usize, tail: usize) -> Captured {
        Captured {
            head_limit: head,
            tail_limit: tail,
            ..Captured::default()
        }
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        let room = self.head_limit.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(bytes.len().min(room));
        self.head.extend_from_slice(to_head);
        if rest.len() >= self.tail_limit {
            self.tail.clear();
            self.tail
                .extend(&rest[rest.len() - self.tail_limit..rest.len()]);
            return;
        }
        let overflow = (self.tail.len() + rest.len()).saturating_sub(self.tail_limit);
        self.tail.drain(..overflow);
        self.tail.extend(rest);
    }

    /// True when bytes were dropped from the middle.
    pub fn is_cut(&self) -> bool {
        self.total > self.head.len() + self.tail.len()
    }

    /// The kept text, with a marker where the middle was dropped. Invalid UTF-8 (or a
    /// character split by the cut) is shown as U+FFFD.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.is_cut() {
            let dropped = self.total - self.head.len() - self.tail.len();
            text.push_str(&format!(
                "\n[... {dropped} bytes not shown: the output was {} bytes; the first {} and the last {} are kept ...]\n",
                self.total,
                self.head.len(),
                self.tail.len()
            ));
        }
        let (a, b) = self.tail.as_slices();
        let mut tail = Vec::with_capacity(a.len() + b.len());
        tail.extend_from_slice(a);
        tail.extend_from_slice(b);
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

/// A pipe being read on its own thread: what was read so far, and whether the pipe closed.
pub struct Capture {
    shared: Arc<(Mutex<(Captured, bool)>, Condvar)>,
}

impl Capture {
    /// Starts reading `pipe` to its end (nothing to read when it is `None`).
    pub fn start<R: Read + Send + 'static>(pipe: Option<R>, head: usize, tail: usize) -> Capture {
        let shared = Arc::new((
            Mutex::new((Captured::new(head, tail), pipe.is_none())),
            Condvar::new(),
        ));
        if let Some(mut pipe) = pipe {
            let writer = shared.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                loop {
                    let n = match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => 0,
                        Ok(n) => n,
                    };
                    let Ok(mut guard) = writer.0.lock() else {
                        return;
                    };
                    if n == 0 {
                        guard.1 = true;
                        writer.1.notify_all();
                        return;
                    }
                    guard.0.push(&buf[..n]);
                }
            });
        }
        Capture { shared }
    }

    /// What was read, once the pipe closed or `wait` has passed, whichever is first. Waiting
    /// is bounded because a pipe stays open as long as any process holds it.
    pub fn finish(self, wait: Duration) -> Captured {
        let (lock, closed) = &*self.shared;
        let Ok(guard) = lock.lock() else {
            return Captured::default();
        };
        match closed.wait_timeout_while(guard, wait, |(_, done)| !*done) {
            Ok((guard, _)) => guard.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.0.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole_and_not_cut() {
        let mut c = Captured::new(8, 8);
        c.push(b"hello");
        assert!(!c.is_cut());
        assert_eq!(c.text(), "hello");
    }

    #[test]
    fn output_that_fits_head_and_tail_exactly_is_not_cut() {
        let mut c = Captured::new(4, 4);
        c.push(b"abcd");
        c.push(b"efgh");
        assert!(!c.is_cut());
        assert_eq!(c.text(), "abcdefgh");
    }

    #[test]
    fn long_output_keeps_both_ends() {
        let mut c = Captured::new(4, 6);
        for chunk in [&b"start"[..], b"-middle-middle-", b"the end"] {
            c.push(chunk);
        }
        assert!(c.is_cut());
        let text = c.text();
        assert!(text.starts_with("star"), "{text}");
        assert!(text.ends_with("he end"), "{text}");
        assert!(text.contains("17 bytes not shown"), "{text}");
    }

    #[test]
    fn a_single_huge_write_keeps_its_last_bytes() {
        let mut c = Captured::new(2, 3);
        c.push(b"0123456789");
        assert_eq!(c.total, 10);
        assert!(c.text().ends_with("789"));
    }
}
