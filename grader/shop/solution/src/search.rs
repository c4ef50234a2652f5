//! `GET /api/v1/products`: the catalog searched, filtered, sorted and paged.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use rusqlite::{Connection, params};

use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::listing::{Page, PageRequest, Params, whole_number};
use crate::products::{PRODUCT_COLUMNS, Product, fold_case, product_from_row};

const PARAMETERS: [&str; 7] = [
    "q",
    "category",
    "min_price",
    "max_price",
    "sort",
    "page",
    "limit",
];

/// The orders a client may ask for. Only these: the `ORDER BY` clause is picked from this
/// list, never built from the client's text, so the query string cannot inject SQL.
#[derive(Debug, Clone, Copy, Default)]
enum Sort {
    #[default]
    Id,
    Price,
    DearestFirst,
    Name,
}

impl Sort {
    fn parse(text: &str) -> Option<Sort> {
        match text {
            "id" => Some(Sort::Id),
            "price" => Some(Sort::Price),
            "-price" => Some(Sort::DearestFirst),
            "name" => Some(Sort::Name),
            _ => None,
        }
    }

    /// The id last makes the order total, so that pages neither skip nor repeat products
    /// that share a price or a name. Names compare by their bytes (SQLite's BINARY
    /// collation), which for UTF-8 is Unicode code point order, the order of Rust's `str`.
    fn order_by(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Price => "price_cents, id",
            Sort::DearestFirst => "price_cents DESC, id",
            Sort::Name => "name, id",
        }
    }
}

/// A checked search. The filters are `None` when not given.
struct Search {
    /// Lower-cased, to compare with `name_folded`.
    q: Option<String>,
    category: Option<String>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    sort: Sort,
    page: PageRequest,
}

impl Search {
    /// Checks every parameter given, so that one 400 names all the bad ones.
    fn parse(pairs: Vec<(String, String)>) -> Result<Search, ApiError> {
        let mut params = Params::parse(pairs, &PARAMETERS)?;
        let mut problems = Problems::default();
        let mut price = |name: &str| {
            let price = params.take(name)?;
            let price = whole_number(&price).and_then(|price| i64::try_from(price).ok());
            problems.check(name, price.ok_or("must be a whole number of cents"))
        };
        let (min_price, max_price) = (price("min_price"), price("max_price"));
        let sort = params.take("sort").and_then(|text| {
            let sort = Sort::parse(&text).ok_or("must be id, price, -price or name");
            problems.check("sort", sort)
        });
        let page = PageRequest::from_params(&mut params, &mut problems);
        if !problems.is_empty() {
            return Err(problems.into_bad_request("invalid query parameters"));
        }
        Ok(Search {
            q: params.take("q").map(|q| fold_case(&q)),
            category: params.take("category"),
            min_price,
            max_price,
            sort: sort.unwrap_or_default(),
            page,
        })
    }
}

/// The filters, the same in the page query and the count, with the parameters `?1` to `?4`.
/// `?n IS NULL OR ...`: one statement serves "any" and "only this". `instr` finds the text
/// as it is, where `LIKE` would read `%` and `_` in it as wildcards.
const FILTERS: &str = "(?1 IS NULL OR instr(name_folded, ?1) > 0)
     AND (?2 IS NULL OR category = ?2)
     AND (?3 IS NULL OR price_cents >= ?3)
     AND (?4 IS NULL OR price_cents <= ?4)";

/// `GET /api/v1/products` (anyone).
#[utoipa::path(
    get, path = "/api/v1/products", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "Only names containing this, ignoring case"),
        ("category" = Option<String>, Query, description = "Only this category"),
        ("min_price" = Option<i64>, Query, description = "Lowest price in cents, included"),
        ("max_price" = Option<i64>, Query, description = "Highest price in cents, included"),
        ("sort" = Option<String>, Query, description = "id (default), price, -price or name"),
        ("page" = Option<u64>, Query, description = "From 1 (default 1)"),
        ("limit" = Option<u64>, Query, description = "1 to 100 (default 20)"),
    ),
    responses(
        (status = 200, description = "`{data: [product], pagination}`"),
        (status = 400, description = "BAD_REQUEST: a bad or repeated parameter"),
    )
)]
pub async fn list_products(
    State(db): State<Db>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Page<Product>>, ApiError> {
    let Query(pairs) = query?;
    let search = Search::parse(pairs)?;
    // Count and page in one closure: `Db::call` runs one at a time, so no write can land
    // between them and make `total` disagree with `data`.
    let page = db
        .call(move |conn| {
            let data = page_of_products(conn, &search)?;
            let total = conn.query_row(
                &format!("SELECT COUNT(*) FROM products WHERE {FILTERS}"),
                params![
                    search.q,
                    search.category,
                    search.min_price,
                    search.max_price
                ],
                |row| row.get(0),
            )?;
            Ok(Page::new(data, total, search.page))
        })
        .await?;
    Ok(Json(page))
}

fn page_of_products(conn: &mut Connection, search: &Search) -> Result<Vec<Product>, ApiError> {
    let (limit, offset) = search.page.limit_offset();
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE {FILTERS}
         ORDER BY {} LIMIT ?5 OFFSET ?6",
        search.sort.order_by()
    );
    let mut statement = conn.prepare(&sql)?;
    let products = statement
        .query_map(
            params![
                search.q,
                search.category,
                search.min_price,
                search.max_price,
                limit,
                offset
            ],
            product_from_row,
        )?
        .collect::<Result<Vec<Product>, _>>()?;
    Ok(products)
}
