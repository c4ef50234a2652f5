//! Ports: a free one for each start, and, when a server never listens where it was told to,
//! the ports it does listen on (from `/proc`), so the failure can say "it listens on 3000".

use std::collections::HashSet;

/// A port nobody listens on right now (the kernel's pick; a race with another program
/// taking it before the server does is possible but rare on a test machine).
pub fn free() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("the grader cannot find a free port: {e}"))
}

/// The TCP ports process `pid` listens on, from its open sockets in `/proc` (empty where
/// `/proc` cannot be read).
pub fn listening(pid: u32) -> Vec<u16> {
    let inodes = socket_inodes(pid);
    let mut ports: Vec<u16> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| listeners(&text, &inodes))
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn socket_inodes(pid: u32) -> HashSet<String> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return HashSet::new();
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            link.strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .map(str::to_string)
        })
        .collect()
}

/// The local ports of the `LISTEN` rows (state `0A`) of a `/proc/net/tcp` table whose inode
/// is one of `inodes`.
fn listeners(table: &str, inodes: &HashSet<String>) -> Vec<u16> {
    table
        .lines()
        .skip(1)
        .filter_map(|row| {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let (local, state, inode) = (cols.get(1)?, cols.get(3)?, cols.get(9)?);
            if *state != "0A" || !inodes.contains(*inode) {
                return None;
            }
            let port = local.rsplit(':').next()?;
            u16::from_str_radix(port, 16).ok()
        })
        .collect()
}
