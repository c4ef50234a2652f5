//! The task API server: read `PORT` and `DATABASE_URL`, listen, keep users and tasks in
//! SQLite, and shut down gracefully on SIGTERM. See README.md, one stage at a time.
//!
//! Everything here is yours to write, in as many modules as you like.

fn main() {
    // Stage 1 starts here: read the configuration, then listen on PORT.
    eprintln!("task-api: not written yet (see README.md, stage 1)");
    std::process::exit(1);
}
