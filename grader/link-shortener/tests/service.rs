//! Hidden tests for `ShortenerService`, called directly (no HTTP), over fakes
//! of its two traits: a repository that records every call and can be told to
//! fail, and a generator that hands out a scripted list of aliases.

mod common;

use expect::expect_eq;
use common::{FakeRepo, SECRET, Script, service};
use link_shortener::domain::{LinkError, MAX_GENERATE_ATTEMPTS, RepoError};

/// `shorten` with a custom alias stores the link, through the repository it was given, under the lower-cased alias and returns it with 0 visits.
/// Rules: shorten-custom-alias, service-uses-repository, alias-lowercased.
#[tokio::test]
async fn shorten_with_custom_alias() {
    let repo = FakeRepo::new();
    let script = Script::new(&[]);
    let link = service(&repo, &script)
        .shorten("https://example.com/spring-sale", Some("Spring-Sale"))
        .await
        .expect("a valid URL and a free valid alias should be shortened");
    expect_eq!(
        link.alias.as_str(),
        "spring-sale",
        "the returned link should carry the lower-cased alias"
    );
    expect_eq!(
        link.target.as_str(),
        "https://example.com/spring-sale",
        "the returned link should carry the URL"
    );
    expect_eq!(link.visits, 0, "a new link has 0 visits");
    expect_eq!(
        repo.calls(),
        vec!["insert spring-sale"],
        "shorten should make exactly one repository call, insert_if_absent with the lower-cased alias"
    );
    let stored = repo
        .link("spring-sale")
        .expect("the link should be stored in the given repository");
    expect_eq!(stored, link, "the stored link should be the one returned");
}

/// `shorten` keeps the URL exactly as given, with a custom or a generated alias: the returned and the stored link carry it unchanged.
/// Rules: url-kept-as-given.
#[tokio::test]
async fn shorten_keeps_the_url_as_given() {
    let url = "https://Shop.Example.com/Campaigns/Spring?utm_source=Poster#Top";
    for custom in [Some("spring"), None] {
        let repo = FakeRepo::new();
        let script = Script::new(&["gen"]);
        let link = service(&repo, &script)
            .shorten(url, custom)
            .await
            .unwrap_or_else(|err| {
                panic!("shorten({url:?}, {custom:?}) should succeed, got {err:?}")
            });
        expect_eq!(
            link.target.as_str(),
            url,
            "shorten({url:?}, {custom:?}): the returned link should carry the URL exactly as given"
        );
        let stored = repo
            .link(link.alias.as_str())
            .expect("the link should be stored in the given repository");
        expect_eq!(
            stored.target.as_str(),
            url,
            "shorten({url:?}, {custom:?}): the stored link should carry the URL exactly as given"
        );
    }
}

/// Invalid input is refused before the repository or the generator is used at all.
/// Rules: validate-before-storage.
#[tokio::test]
async fn invalid_input_never_reaches_storage() {
    let cases = [
        ("not a url", Some("fine-alias"), LinkError::InvalidUrl),
        ("ftp://example.com", None, LinkError::InvalidUrl),
        ("https://example.com", Some("no"), LinkError::InvalidAlias),
        (
            "https://example.com",
            Some("bad alias!"),
            LinkError::InvalidAlias,
        ),
        ("https://example.com", Some(""), LinkError::InvalidAlias),
    ];
    for (url, alias, expected) in cases {
        let repo = FakeRepo::new();
        let script = Script::new(&["generated"]);
        let result = service(&repo, &script).shorten(url, alias).await;
        expect_eq!(
            result,
            Err(expected.clone()),
            "shorten({url:?}, {alias:?}) should fail with {expected:?}"
        );
        expect_eq!(
            repo.calls(),
            Vec::<String>::new(),
            "shorten({url:?}, {alias:?}) is invalid input, so the repository should not be called at all"
        );
        expect_eq!(
            script.used(),
            0,
            "shorten({url:?}, {alias:?}) is invalid input, so no alias should be generated"
        );
    }
}

/// A custom alias that the repository reports as taken is `AliasTaken`, and the existing link is left alone.
/// Rules: alias-taken.
#[tokio::test]
async fn taken_custom_alias() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 7);
    let script = Script::new(&["generated"]);
    let result = service(&repo, &script)
        .shorten("https://other.example.com", Some("DOCS"))
        .await;
    expect_eq!(
        result,
        Err(LinkError::AliasTaken),
        "a custom alias already in use should be AliasTaken"
    );
    let kept = repo.link("docs").unwrap();
    expect_eq!(
        kept.target.as_str(),
        "https://docs.example.com",
        "the existing link's URL must not change"
    );
    expect_eq!(kept.visits, 7, "the existing link's visits must not change");
}

/// The answer of `insert_if_absent` decides: when it reports the alias taken, the result is `AliasTaken` even if a lookup would not have found it.
/// Rules: alias-taken.
#[tokio::test]
async fn insert_answer_decides_taken() {
    // A repository whose insert always reports the alias taken, while `find`
    // knows nothing: only the insert's answer can tell the service.
    struct TakenOnInsert(FakeRepo);
    impl link_shortener::domain::LinkRepository for TakenOnInsert {
        async fn insert_if_absent(
            &self,
            _: &link_shortener::domain::Alias,
            _: &link_shortener::domain::TargetUrl,
        ) -> Result<bool, RepoError> {
            Ok(false)
        }
        async fn find(
            &self,
            alias: &link_shortener::domain::Alias,
        ) -> Result<Option<link_shortener::domain::Link>, RepoError> {
            self.0.find(alias).await
        }
        async fn record_visit(
            &self,
            alias: &link_shortener::domain::Alias,
        ) -> Result<(), RepoError> {
            self.0.record_visit(alias).await
        }
    }
    let service = link_shortener::domain::ShortenerService::new(
        TakenOnInsert(FakeRepo::new()),
        Script::new(&[]),
    );
    let result = service.shorten("https://example.com", Some("raced")).await;
    expect_eq!(
        result,
        Err(LinkError::AliasTaken),
        "when insert_if_absent returns Ok(false) the alias was taken (perhaps a moment ago by another request): expected AliasTaken"
    );
}

/// With a custom alias, the generator is never asked for one, even when the custom alias is taken.
/// Rules: custom-alias-no-generator.
#[tokio::test]
async fn custom_alias_does_not_generate() {
    let repo = FakeRepo::with_link("taken", "https://example.com", 0);
    let script = Script::new(&["generated"]);
    let svc = service(&repo, &script);
    svc.shorten("https://example.com/a", Some("free"))
        .await
        .unwrap();
    let _ = svc.shorten("https://example.com/b", Some("taken")).await;
    expect_eq!(
        script.used(),
        0,
        "a custom alias was given both times, so the generator should not be used"
    );
    expect_eq!(
        repo.calls(),
        vec!["insert free", "insert taken"],
        "one insert per call, nothing else"
    );
}

/// Without a custom alias, the link is stored under the generator's alias.
/// Rules: generated-alias.
#[tokio::test]
async fn generated_alias_is_used() {
    let repo = FakeRepo::new();
    let script = Script::new(&["k3x9", "unused"]);
    let link = service(&repo, &script)
        .shorten("https://example.com/long/path", None)
        .await
        .unwrap();
    expect_eq!(
        link.alias.as_str(),
        "k3x9",
        "the link should get the generator's first alias"
    );
    expect_eq!(link.visits, 0);
    expect_eq!(
        script.used(),
        1,
        "a free first alias needs one generated alias only"
    );
    expect_eq!(repo.calls(), vec!["insert k3x9"]);
}

/// A generated alias that is taken is not an error: the next generated alias is tried.
/// Rules: generated-retry.
#[tokio::test]
async fn generated_collision_is_retried() {
    let repo = FakeRepo::with_link("aaa", "https://one.example", 0);
    repo.add("bbb", "https://two.example", 0);
    let script = Script::new(&["aaa", "bbb", "ccc", "ddd"]);
    let link = service(&repo, &script)
        .shorten("https://three.example", None)
        .await;
    let link = link.expect("after two taken aliases the third, free one should be used");
    expect_eq!(
        link.alias.as_str(),
        "ccc",
        "the first free generated alias should be used"
    );
    expect_eq!(repo.calls(), vec!["insert aaa", "insert bbb", "insert ccc"]);
    expect_eq!(
        repo.link("aaa").unwrap().target.as_str(),
        "https://one.example",
        "a taken link must not be overwritten"
    );
}

/// Generation gives up with `NoFreeAlias` after exactly `MAX_GENERATE_ATTEMPTS` (5) taken aliases.
/// Rules: generated-attempts.
#[tokio::test]
async fn generation_gives_up_after_max_attempts() {
    expect_eq!(MAX_GENERATE_ATTEMPTS, 5);
    let names: Vec<String> = (1..=10).map(|n| format!("taken-{n}")).collect();
    let repo = FakeRepo::new();
    for name in &names {
        repo.add(name, "https://example.com", 0);
    }
    let script = Script::new(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let result = service(&repo, &script)
        .shorten("https://example.com/x", None)
        .await;
    expect_eq!(
        result,
        Err(LinkError::NoFreeAlias),
        "when every generated alias is taken the result should be NoFreeAlias"
    );
    expect_eq!(
        script.used(),
        MAX_GENERATE_ATTEMPTS,
        "expected exactly {MAX_GENERATE_ATTEMPTS} generated aliases to be tried, but {} were",
        script.used()
    );
    expect_eq!(
        repo.calls().len(),
        MAX_GENERATE_ATTEMPTS,
        "one insert per generated alias"
    );

    // The fifth attempt still counts: a free fifth alias is used.
    let repo = FakeRepo::new();
    for name in &names[..4] {
        repo.add(name, "https://example.com", 0);
    }
    let script = Script::new(&["taken-1", "taken-2", "taken-3", "taken-4", "fifth"]);
    let link = service(&repo, &script)
        .shorten("https://example.com/y", None)
        .await;
    expect_eq!(
        link.map(|l| l.alias.as_str().to_string()),
        Ok("fifth".to_string()),
        "four taken aliases then a free fifth one should succeed with the fifth"
    );
}

/// A repository failure becomes `LinkError::Storage` carrying the repository's error, in all three use cases.
/// Rules: storage-error-variant.
#[tokio::test]
async fn repository_failure_is_storage_error() {
    let expected = LinkError::Storage(RepoError(SECRET.to_string()));
    let repo = FakeRepo::failing();
    let script = Script::new(&["gen"]);
    let svc = service(&repo, &script);
    let results = [
        (
            "shorten with a custom alias",
            svc.shorten("https://example.com", Some("custom"))
                .await
                .err(),
        ),
        (
            "shorten with a generated alias",
            svc.shorten("https://example.com", None).await.err(),
        ),
        ("resolve", svc.resolve("custom").await.err()),
        ("stats", svc.stats("custom").await.err()),
    ];
    for (call, error) in results {
        expect_eq!(
            error.as_ref(),
            Some(&expected),
            "{call}: a failing repository should give Err(Storage(<the repository's error>)), got {error:?}"
        );
    }
}

/// A repository failure while inserting a generated alias ends `shorten` at once: it is not retried with another alias.
/// Rules: storage-error-not-retried.
#[tokio::test]
async fn storage_error_is_not_retried() {
    let repo = FakeRepo::failing();
    let script = Script::new(&["one", "two", "three", "four", "five"]);
    let result = service(&repo, &script)
        .shorten("https://example.com", None)
        .await;
    assert!(
        matches!(result, Err(LinkError::Storage(_))),
        "expected a Storage error, got {result:?}"
    );
    expect_eq!(
        script.used(),
        1,
        "after a storage failure no further alias should be generated"
    );
    expect_eq!(
        repo.calls(),
        vec!["insert one"],
        "exactly one repository call before giving up"
    );
}

/// `resolve` returns the link's target and records one visit for it.
/// Rules: resolve-counts-visit.
#[tokio::test]
async fn resolve_returns_target_and_counts() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com/start", 2);
    let svc = service(&repo, &Script::new(&[]));
    let target = svc
        .resolve("docs")
        .await
        .expect("a stored alias should resolve");
    expect_eq!(target.as_str(), "https://docs.example.com/start");
    expect_eq!(
        repo.link("docs").unwrap().visits,
        3,
        "one resolve should add exactly one visit (2 before)"
    );
    assert!(
        repo.calls().contains(&"visit docs".to_string()),
        "resolve should call record_visit"
    );
    svc.resolve("docs").await.unwrap();
    expect_eq!(
        repo.link("docs").unwrap().visits,
        4,
        "each resolve adds one visit"
    );
}

/// When `record_visit` fails after `find` found the link, `resolve` returns `Storage`, not the target.
/// Rules: resolve-visit-error.
#[tokio::test]
async fn resolve_fails_when_the_visit_is_not_recorded() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 0);
    repo.fail_visits();
    let result = service(&repo, &Script::new(&[])).resolve("docs").await;
    expect_eq!(
        result,
        Err(LinkError::Storage(RepoError(SECRET.to_string()))),
        "find found `docs` but record_visit failed: resolve should return \
         Err(Storage(<the repository's error>)), not the target; got {result:?}"
    );
}

/// Resolving an unknown alias is `NotFound`, and no visit is recorded.
/// Rules: resolve-unknown.
#[tokio::test]
async fn resolve_unknown_alias() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 0);
    let svc = service(&repo, &Script::new(&[]));
    expect_eq!(svc.resolve("nothing-here").await, Err(LinkError::NotFound));
    expect_eq!(
        repo.calls(),
        vec!["find nothing-here"],
        "an unknown alias is looked up once and no visit is recorded"
    );
    expect_eq!(
        svc.stats("nothing-here").await,
        Err(LinkError::NotFound),
        "stats of an unknown alias is NotFound too"
    );
}

/// An alias is found whatever its letter case: `resolve("DOCS")` and `stats("Docs")` find the link `docs`.
/// Rules: resolve-any-case.
#[tokio::test]
async fn resolve_any_case() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 0);
    let svc = service(&repo, &Script::new(&[]));
    let target = svc.resolve("DOCS").await;
    expect_eq!(
        target.map(|t| t.as_str().to_string()),
        Ok("https://docs.example.com".to_string()),
        "resolve(\"DOCS\") should find the link stored as `docs`"
    );
    expect_eq!(
        repo.link("docs").unwrap().visits,
        1,
        "the visit should be counted on `docs`"
    );
    let stats = svc
        .stats("Docs")
        .await
        .expect("stats(\"Docs\") should find the link stored as `docs`");
    expect_eq!(stats.visits, 1);
}

/// Text that cannot be an alias (too short, a bad character) is `NotFound` for `resolve` and `stats`, without a repository call.
/// Rules: resolve-invalid-alias.
#[tokio::test]
async fn resolve_text_that_is_no_alias() {
    for text in ["ab", "has space", "favicon.ico", "ünï", ""] {
        let repo = FakeRepo::new();
        let svc = service(&repo, &Script::new(&[]));
        expect_eq!(
            svc.resolve(text).await,
            Err(LinkError::NotFound),
            "resolve({text:?}) should be NotFound"
        );
        expect_eq!(
            svc.stats(text).await,
            Err(LinkError::NotFound),
            "stats({text:?}) should be NotFound"
        );
        expect_eq!(
            repo.calls(),
            Vec::<String>::new(),
            "{text:?} can never be an alias, so the repository should not be asked about it"
        );
    }
}

/// `stats` returns the whole link with its visits so far and counts no visit itself.
/// Rules: stats-no-visit.
#[tokio::test]
async fn stats_reads_without_counting() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 5);
    let svc = service(&repo, &Script::new(&[]));
    for _ in 0..3 {
        let link = svc.stats("docs").await.expect("stats of a stored alias");
        expect_eq!(link.alias.as_str(), "docs");
        expect_eq!(link.target.as_str(), "https://docs.example.com");
        expect_eq!(
            link.visits, 5,
            "stats must not count a visit: expected 5 visits every time"
        );
    }
    assert!(
        !repo.calls().iter().any(|c| c.starts_with("visit")),
        "stats should not call record_visit; calls were {:?}",
        repo.calls()
    );
}
