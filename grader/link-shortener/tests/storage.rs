//! Hidden tests for the data access layer: `InMemoryLinks`, called directly
//! through the `LinkRepository` trait, and used by the real service.

use expect::{expect_eq, expect_ne};
use link_shortener::domain::{Alias, LinkRepository, ShortenerService, TargetUrl};
use link_shortener::infra::SequentialAliases;
use link_shortener::storage::InMemoryLinks;

fn alias(text: &str) -> Alias {
    Alias::parse(text).unwrap()
}

fn url(text: &str) -> TargetUrl {
    TargetUrl::parse(text).unwrap()
}

/// `insert_if_absent` stores a new alias (`Ok(true)`), refuses a taken one (`Ok(false)`) and never changes the first link, neither its URL nor its visits.
/// Rules: memory-insert-if-absent.
#[tokio::test]
async fn insert_if_absent_keeps_the_first() {
    let repo = InMemoryLinks::new();
    expect_eq!(
        repo.insert_if_absent(&alias("home"), &url("https://one.example"))
            .await,
        Ok(true),
        "a new alias is stored"
    );
    repo.record_visit(&alias("home")).await.unwrap();
    expect_eq!(
        repo.insert_if_absent(&alias("home"), &url("https://two.example"))
            .await,
        Ok(false),
        "the same alias a second time should be refused with Ok(false)"
    );
    let link = repo
        .find(&alias("home"))
        .await
        .unwrap()
        .expect("the first link should be stored");
    expect_eq!(
        link.target.as_str(),
        "https://one.example",
        "a refused insert must not overwrite the stored URL"
    );
    expect_eq!(
        link.visits, 1,
        "a refused insert must not change the stored link's visits (1 before it)"
    );
    expect_eq!(
        repo.insert_if_absent(&alias("away"), &url("https://two.example"))
            .await,
        Ok(true),
        "a different alias is stored, even for a URL already stored under another alias"
    );
}

/// `find` returns the stored link with its alias, target and 0 visits, and `None` for an unknown alias.
/// Rules: memory-find.
#[tokio::test]
async fn find_returns_stored_link() {
    let repo = InMemoryLinks::new();
    expect_eq!(
        repo.find(&alias("nobody")).await,
        Ok(None),
        "an empty repository finds nothing"
    );
    repo.insert_if_absent(&alias("docs"), &url("https://docs.example.com"))
        .await
        .unwrap();
    let link = repo
        .find(&alias("docs"))
        .await
        .unwrap()
        .expect("a stored alias should be found");
    expect_eq!(link.alias, alias("docs"));
    expect_eq!(link.target, url("https://docs.example.com"));
    expect_eq!(link.visits, 0, "a new link has 0 visits");
    expect_eq!(
        repo.find(&alias("doc")).await,
        Ok(None),
        "only the exact alias is found"
    );
}

/// `record_visit` adds one visit to that link only; for an unknown alias it does nothing and creates no link.
/// Rules: memory-record-visit.
#[tokio::test]
async fn record_visit_adds_one() {
    let repo = InMemoryLinks::new();
    repo.insert_if_absent(&alias("one"), &url("https://one.example"))
        .await
        .unwrap();
    repo.insert_if_absent(&alias("two"), &url("https://two.example"))
        .await
        .unwrap();
    for _ in 0..3 {
        repo.record_visit(&alias("one")).await.unwrap();
    }
    expect_eq!(
        repo.find(&alias("one")).await.unwrap().unwrap().visits,
        3,
        "three visits recorded, three counted"
    );
    expect_eq!(
        repo.find(&alias("two")).await.unwrap().unwrap().visits,
        0,
        "another link's visits must not change"
    );
    expect_eq!(
        repo.record_visit(&alias("ghost")).await,
        Ok(()),
        "a visit to an unknown alias is not an error"
    );
    expect_eq!(
        repo.find(&alias("ghost")).await,
        Ok(None),
        "a visit to an unknown alias must not create a link"
    );
}

/// The real pieces fit together: the service over `InMemoryLinks` and `SequentialAliases` shortens, resolves and counts.
/// Rules: memory-insert-if-absent, memory-record-visit.
#[tokio::test]
async fn service_over_memory() {
    let service = ShortenerService::new(InMemoryLinks::new(), SequentialAliases::new());
    let first = service
        .shorten("https://example.com/a", None)
        .await
        .unwrap();
    let second = service
        .shorten("https://example.com/b", None)
        .await
        .unwrap();
    expect_ne!(
        first.alias, second.alias,
        "two generated links get two aliases"
    );
    let custom = service
        .shorten("https://example.com/c", Some("mine"))
        .await
        .unwrap();
    expect_eq!(custom.alias.as_str(), "mine");
    expect_eq!(
        service.resolve("mine").await.unwrap().as_str(),
        "https://example.com/c"
    );
    expect_eq!(
        service
            .resolve(first.alias.as_str())
            .await
            .unwrap()
            .as_str(),
        "https://example.com/a"
    );
    expect_eq!(
        service.resolve("mine").await.unwrap().as_str(),
        "https://example.com/c"
    );
    expect_eq!(
        service.stats("mine").await.unwrap().visits,
        2,
        "two resolves of `mine`, two visits"
    );
    expect_eq!(
        service.stats(second.alias.as_str()).await.unwrap().visits,
        0,
        "an unvisited link has 0 visits"
    );
    expect_eq!(
        service.shorten("https://example.com/d", Some("MINE")).await,
        Err(link_shortener::domain::LinkError::AliasTaken),
        "`MINE` is the alias `mine`, which is taken"
    );
}
