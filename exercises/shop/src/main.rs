//! The shop's backend: a catalog, customers, carts, orders that never oversell, idempotency
//! keys, payments through a provider, rate limits and an OpenAPI document. See README.md,
//! one stage at a time.
//!
//! Everything here is yours to write, in as many modules as you like.

fn main() {
    // Stage 1 starts here: read the configuration, then listen on PORT.
    eprintln!("shop: not written yet (see README.md, stage 1)");
    std::process::exit(1);
}
