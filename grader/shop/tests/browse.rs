//! Stage 3: the catalog listed with search, filters, sorting and paging, and conditional
//! reads of a product with ETag and If-None-Match.

mod common;

use std::cmp::Ordering;

use common::{
    ADJECTIVES, CATEGORIES, NOUNS, PRODUCTS, Shop, by_ids, id_of, product, product_path, shop,
};
use server_check::{Value, inputs, json};

/// A catalog of 14 random products (some with equal prices and names, for the ties).
fn catalog(shop: &Shop) -> Vec<Value> {
    (0..14)
        .map(|i| {
            let name = match i {
                3 | 9 => "Cedar chair".to_string(),
                _ => format!("{} {} {i}", inputs::pick(&ADJECTIVES), inputs::pick(&NOUNS)),
            };
            product(
                shop,
                &json!({
                    "name": name,
                    "category": inputs::pick(&CATEGORIES),
                    "price_cents": inputs::pick(&[500, 1200, 3000, 4500]),
                    "stock": inputs::number(0, 50),
                }),
            )
        })
        .collect()
}

fn ids(products: &[&Value]) -> Vec<i64> {
    products.iter().map(|p| id_of(p)).collect()
}

/// Lists `query` and checks data (ids, in order) and the total.
#[track_caller]
fn lists(shop: &Shop, query: &str, expected: &[i64], total: usize) {
    shop.anonymous()
        .get(&format!("{PRODUCTS}{query}"))
        .send()
        .status(200)
        .body_has(&json!({"data": by_ids(expected), "pagination": {"total": total}}));
}

/// Search (ignoring case; text, not a pattern), category (exactly) and price range filter
/// before paging, and total counts every match.
/// Rules: browse-filters, list-pagination
#[test]
fn search_category_and_price_range_filter_the_catalog() {
    let shop = shop();
    let all = catalog(&shop);
    let everything: Vec<&Value> = all.iter().collect();
    shop.anonymous()
        .get(PRODUCTS)
        .send()
        .status(200)
        .body_has(&json!({
            "data": by_ids(&ids(&everything)),
            "pagination": {"page": 1, "limit": 20, "total": 14, "total_pages": 1}
        }));
    let noun = inputs::pick(&NOUNS);
    let named: Vec<&Value> = all
        .iter()
        .filter(|p| p["name"].as_str().unwrap_or("").contains(noun))
        .collect();
    lists(
        &shop,
        &format!("?q={}", noun.to_uppercase()),
        &ids(&named),
        named.len(),
    );
    let category = inputs::pick(&CATEGORIES);
    let of_kind: Vec<&Value> = all.iter().filter(|p| p["category"] == category).collect();
    lists(
        &shop,
        &format!("?category={category}"),
        &ids(&of_kind),
        of_kind.len(),
    );
    let ranged: Vec<&Value> = all
        .iter()
        .filter(|p| (1200..=3000).contains(&p["price_cents"].as_i64().unwrap_or(0)))
        .collect();
    lists(
        &shop,
        "?min_price=1200&max_price=3000",
        &ids(&ranged),
        ranged.len(),
    );
    // Paging applies after the filter.
    let first_two: Vec<&Value> = ranged.iter().take(2).copied().collect();
    lists(
        &shop,
        "?min_price=1200&max_price=3000&limit=2",
        &ids(&first_two),
        ranged.len(),
    );
    lists(&shop, "?limit=5&page=4", &[], 14);
    // category is matched exactly, and q is text, not a pattern: no name holds % or _.
    lists(
        &shop,
        &format!("?category={}", category.to_uppercase()),
        &[],
        0,
    );
    lists(&shop, &format!("?category={}%25", &category[..2]), &[], 0);
    lists(&shop, "?q=%25", &[], 0);
    lists(&shop, "?q=_", &[], 0);
}

/// sort=price is cheapest first, -price dearest first, name alphabetical; ties (equal
/// prices, equal names) are in id order.
/// Rules: browse-sort
#[test]
fn sorts_by_price_and_name_with_ties_in_id_order() {
    let shop = shop();
    let all = catalog(&shop);
    let price = |p: &Value| p["price_cents"].as_i64().unwrap_or(0);
    let name = |p: &Value| p["name"].as_str().unwrap_or("").to_string();
    let sorted = |cmp: &dyn Fn(&Value, &Value) -> Ordering| {
        let mut list: Vec<&Value> = all.iter().collect();
        list.sort_by(|a, b| cmp(a, b).then(id_of(a).cmp(&id_of(b))));
        ids(&list)
    };
    lists(
        &shop,
        "?sort=price",
        &sorted(&|a, b| price(a).cmp(&price(b))),
        14,
    );
    lists(
        &shop,
        "?sort=-price",
        &sorted(&|a, b| price(b).cmp(&price(a))),
        14,
    );
    lists(
        &shop,
        "?sort=name",
        &sorted(&|a, b| name(a).cmp(&name(b))),
        14,
    );
    let by_id = sorted(&|_, _| Ordering::Equal);
    lists(&shop, "?sort=id&limit=3&page=2", &by_id[3..6], 14);
}

/// A sort outside the list, a price or page that is not a whole number, a limit outside 1
/// to 100 and a parameter given twice are 400 BAD_REQUEST.
/// Rules: browse-bad-params-400
#[test]
fn bad_parameters_are_400() {
    let shop = shop();
    catalog(&shop);
    for query in [
        "?sort=stock",
        "?min_price=cheap",
        "?max_price=1.5",
        "?page=0",
        "?limit=101",
        "?limit=0",
        "?page=%2B2",
        "?q=cup&q=mug",
    ] {
        shop.anonymous()
            .get(&format!("{PRODUCTS}{query}"))
            .send()
            .error(400, "BAD_REQUEST");
    }
}

/// A product read sends an ETag; If-None-Match with it is 304 with no body; after a change
/// the ETag is another one and the old one gets a 200.
/// Rules: etag-304
#[test]
fn conditional_reads_answer_304_until_the_product_changes() {
    let shop = shop();
    let made = product(&shop, &common::product_body());
    let path = product_path(id_of(&made));
    let first = shop.anonymous().get(&path).send();
    first.status(200);
    let etag = first.header("etag").unwrap_or("").to_string();
    first.check(
        etag.len() >= 3
            && etag.ends_with('"')
            && (etag.starts_with('"') || etag.starts_with("W/\"")),
        "an ETag header holding a quoted string",
    );
    let same = shop
        .anonymous()
        .get(&path)
        .header("If-None-Match", &etag)
        .send();
    same.status(304)
        .check(same.text().is_empty(), "no body with 304");
    same.check(
        same.header("etag") == Some(etag.as_str()),
        &format!("the same ETag ({etag}) with 304"),
    );
    shop.admin
        .patch(&path)
        .json(&json!({"price_cents": inputs::number(60_000, 90_000)}))
        .send()
        .status(200);
    let changed = shop
        .anonymous()
        .get(&path)
        .header("If-None-Match", &etag)
        .send();
    changed.status(200);
    changed.check(
        changed.header("etag").is_some_and(|e| e != etag),
        "a new ETag once the product changed",
    );
    let other = shop
        .anonymous()
        .get(&path)
        .header("If-None-Match", "\"something-else\"")
        .send();
    other.status(200);
}
