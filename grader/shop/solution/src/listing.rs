//! What every list shares: query strings read strictly (a repeated parameter is refused),
//! `page` and `limit`, and the `{data, pagination}` shape of a page.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{ApiError, Problems};

const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// The parameters of a query string that a route defines, each given at most once.
pub struct Params(HashMap<&'static str, String>);

impl Params {
    /// The query string arrives as name-value pairs, in order and with repeats, rather than
    /// as a struct: that is how a repeated parameter (`?page=1&page=2`: which of the two
    /// did the client mean?) can be seen and refused. Parameters outside `known` are none
    /// of the route's business and are ignored.
    pub fn parse(pairs: Vec<(String, String)>, known: &[&'static str]) -> Result<Params, ApiError> {
        let mut values = HashMap::new();
        let mut problems = Problems::default();
        for (name, value) in pairs {
            let Some(&known_name) = known.iter().find(|&&known_name| known_name == name) else {
                continue;
            };
            // Only the second occurrence is reported, so a name sent five times is one
            // entry in `details`, not four.
            if values.contains_key(known_name) && !problems.mentions(known_name) {
                problems.add(known_name, "must be given at most once");
            }
            values.entry(known_name).or_insert(value);
        }
        if problems.is_empty() {
            Ok(Params(values))
        } else {
            Err(problems.into_bad_request("a query parameter is repeated"))
        }
    }

    /// The value of `name`, if it was given.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }
}

/// Which page of a list, and how long pages are.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    page: u64,
    limit: u64,
}

impl PageRequest {
    /// Reads `page` (from 1, default 1) and `limit` (1 to 100, default 20). A bad value is
    /// recorded in `problems`, for the caller to answer 400 with every bad parameter.
    pub fn from_params(params: &mut Params, problems: &mut Problems) -> PageRequest {
        let page = params.take("page").and_then(|text| {
            let page = whole_number(&text).filter(|&page| page >= 1);
            problems.check("page", page.ok_or("must be a whole number from 1"))
        });
        // Out of range is an error, not something to clamp: a client asking for 500 and
        // silently getting 100 would believe it had everything.
        let limit = params.take("limit").and_then(|text| {
            let limit = whole_number(&text).filter(|limit| (1..=MAX_LIMIT).contains(limit));
            problems.check("limit", limit.ok_or("must be a whole number from 1 to 100"))
        });
        PageRequest {
            page: page.unwrap_or(1),
            limit: limit.unwrap_or(DEFAULT_LIMIT),
        }
    }

    /// `LIMIT` and `OFFSET` for SQLite, which takes them as signed 64-bit numbers: a page
    /// far past the end saturates instead of overflowing, and still finds nothing.
    pub fn limit_offset(&self) -> (i64, i64) {
        let offset = (self.page - 1).saturating_mul(self.limit);
        (
            i64::try_from(self.limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX),
        )
    }
}

/// Digits only: `u64::from_str` would also take `+5`, which is not how anyone writes a
/// page or a price.
pub fn whole_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One page of a list, as every list route answers it.
#[derive(Serialize)]
pub struct Page<T> {
    data: Vec<T>,
    pagination: Pagination,
}

#[derive(Serialize)]
struct Pagination {
    page: u64,
    limit: u64,
    /// Every item that matches the filters, on any page.
    total: u64,
    total_pages: u64,
}

impl<T> Page<T> {
    pub fn new(data: Vec<T>, total: i64, request: PageRequest) -> Page<T> {
        // COUNT(*) is never negative.
        let total = u64::try_from(total).unwrap_or(0);
        // An empty list still has one (empty) page, so `total_pages` is always a page a
        // client can ask for.
        let total_pages = total.div_ceil(request.limit).max(1);
        Page {
            data,
            pagination: Pagination {
                page: request.page,
                limit: request.limit,
                total,
                total_pages,
            },
        }
    }
}
