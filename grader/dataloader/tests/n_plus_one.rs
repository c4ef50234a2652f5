//! Hidden tests for the README's scenario: resolvers that each ask for one
//! user's posts (or one user, then their posts) must cost one query per
//! level, not one per user. Queries take time on tokio's paused clock.

use expect::expect_eq;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dataloader::DataLoader;
use tokio::task::JoinSet;

#[derive(Debug, Clone, PartialEq)]
struct DbError(String);

#[derive(Debug, Clone, PartialEq)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Post {
    id: u64,
    author_id: u64,
    title: String,
}

/// Awaits `future`, failing the test if it never completes (on the paused
/// clock this costs no real time).
async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("a load was never answered")
}

/// A fake database with users 1 to 50; user `u` wrote `u % 4` posts. Every
/// query takes 5 ms and is logged.
struct Db {
    users: Vec<User>,
    posts: Vec<Post>,
    /// The ids each query asked for, e.g. ("posts", [1, 2, 3]).
    queries: Mutex<Vec<(&'static str, Vec<u64>)>>,
}

impl Db {
    fn new() -> Self {
        let users = (1..=50)
            .map(|id| User {
                id,
                name: format!("user-{id}"),
            })
            .collect();
        let mut posts = Vec::new();
        for author_id in 1..=50u64 {
            for n in 0..author_id % 4 {
                posts.push(Post {
                    id: author_id * 10 + n,
                    author_id,
                    title: format!("post {n} by user {author_id}"),
                });
            }
        }
        Self {
            users,
            posts,
            queries: Mutex::default(),
        }
    }

    /// `SELECT * FROM users WHERE id IN (...)`
    async fn users_by_ids(&self, ids: &[u64]) -> Result<Vec<User>, DbError> {
        self.queries.lock().unwrap().push(("users", ids.to_vec()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok(self
            .users
            .iter()
            .filter(|user| ids.contains(&user.id))
            .cloned()
            .collect())
    }

    /// `SELECT * FROM posts WHERE author_id IN (...)`
    async fn posts_by_authors(&self, author_ids: &[u64]) -> Result<Vec<Post>, DbError> {
        self.queries
            .lock()
            .unwrap()
            .push(("posts", author_ids.to_vec()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok(self
            .posts
            .iter()
            .filter(|post| author_ids.contains(&post.author_id))
            .cloned()
            .collect())
    }

    fn expected_posts(&self, author_id: u64) -> Vec<Post> {
        self.posts
            .iter()
            .filter(|post| post.author_id == author_id)
            .cloned()
            .collect()
    }

    /// How many queries hit `table`, and the ids they asked for, sorted.
    fn queried(&self, table: &str) -> (usize, Vec<u64>) {
        let queries = self.queries.lock().unwrap();
        let mut ids: Vec<u64> = queries
            .iter()
            .filter(|(t, _)| *t == table)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort_unstable();
        let count = queries.iter().filter(|(t, _)| *t == table).count();
        (count, ids)
    }
}

fn posts_loader(db: &Arc<Db>) -> DataLoader<u64, Vec<Post>, DbError> {
    let db = Arc::clone(db);
    DataLoader::new(move |author_ids: Vec<u64>| {
        let db = Arc::clone(&db);
        async move {
            let posts = db.posts_by_authors(&author_ids).await?;
            let mut by_author: HashMap<u64, Vec<Post>> = HashMap::new();
            for post in posts {
                by_author.entry(post.author_id).or_default().push(post);
            }
            Ok(by_author.into_iter().collect())
        }
    })
}

fn users_loader(db: &Arc<Db>) -> DataLoader<u64, User, DbError> {
    let db = Arc::clone(db);
    DataLoader::new(move |ids: Vec<u64>| {
        let db = Arc::clone(&db);
        async move {
            let users = db.users_by_ids(&ids).await?;
            Ok(users.into_iter().map(|user| (user.id, user)).collect())
        }
    })
}

/// Resolving the posts of 50 users, one resolver task per user, makes exactly one query to the posts table and gives each user their own posts.
/// Rules: fifty-authors-one-query, spawned-loads-share-a-call, match-by-key.
#[tokio::test(start_paused = true)]
async fn posts_of_50_users_cost_one_query() {
    let db = Arc::new(Db::new());
    let posts = posts_loader(&db);

    // `{ users { posts { title } } }`: the `posts` resolver runs once per user.
    let mut resolvers = JoinSet::new();
    for user_id in 1..=50u64 {
        let posts = posts.clone();
        resolvers.spawn(async move {
            let found = posts.load(user_id).await?.unwrap_or_default();
            Ok::<_, DbError>((user_id, found))
        });
    }
    let resolved = within(resolvers.join_all()).await;

    expect_eq!(resolved.len(), 50);
    for result in resolved {
        let (user_id, found) = result.expect("no query fails here");
        expect_eq!(found, db.expected_posts(user_id), "posts of user {user_id}");
    }
    let (count, ids) = db.queried("posts");
    expect_eq!(
        count, 1,
        "50 resolvers must share one posts query, not make {count}"
    );
    expect_eq!(
        ids,
        (1..=50).collect::<Vec<_>>(),
        "each author id asked for once"
    );
}

/// Resolvers that load a user and then that user's posts make one users query and one posts query in total.
/// Rules: one-query-per-level, duplicates-sent-once.
#[tokio::test(start_paused = true)]
async fn nested_resolvers_cost_one_query_per_level() {
    let db = Arc::new(Db::new());
    let users = users_loader(&db);
    let posts = posts_loader(&db);

    // `{ comments { author { name posts { title } } } }` for 80 comments by 50 authors.
    let mut resolvers = JoinSet::new();
    for comment in 0..80u64 {
        let author_id = comment % 50 + 1;
        let users = users.clone();
        let posts = posts.clone();
        resolvers.spawn(async move {
            let author = users.load(author_id).await?.expect("every author exists");
            let found = posts.load(author.id).await?.unwrap_or_default();
            Ok::<_, DbError>((author, found))
        });
    }
    let resolved = within(resolvers.join_all()).await;

    expect_eq!(resolved.len(), 80);
    for result in resolved {
        let (author, found) = result.expect("no query fails here");
        expect_eq!(author.name, format!("user-{}", author.id));
        expect_eq!(found, db.expected_posts(author.id));
    }
    let expected_ids: Vec<u64> = (1..=50).collect();
    expect_eq!(
        db.queried("users"),
        (1, expected_ids.clone()),
        "one users query, no duplicate ids"
    );
    expect_eq!(
        db.queried("posts"),
        (1, expected_ids),
        "one posts query, no duplicate ids"
    );
}
