//! Pages of a list, as taskflow-app's `http/page.rs`: `?limit&cursor` in (limit 1 to 200,
//! default 50), `{"items", "next_cursor"}` out. A cursor is the keyset `(created_at, id)` of the
//! last row of a page with the tenant it was made for, as base64url JSON: the app's and the
//! baseline's cursors are the same, and one made for another tenant is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

/// The default number of items of a page.
const DEFAULT_LIMIT: u64 = 50;
/// The most items a page may have.
const MAX_LIMIT: u64 = 200;

/// A page of items, and the cursor of the next one (null on the last page).
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_cursor: Option<String>,
}

/// Where a page starts: after `(created_at, id)`, in tenant `tenant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "t")]
    tenant: Uuid,
    #[serde(rename = "c")]
    created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    id: Uuid,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, tenant: Uuid) -> Result<Cursor, ApiError> {
        let invalid = || ApiError::BadRequest("invalid cursor".to_owned());
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.tenant != tenant {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// A checked `?limit&cursor`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest {
    limit: u64,
    /// Rows after this `(created_at, id)`.
    pub(crate) after: Option<(DateTime<Utc>, Uuid)>,
}

impl PageRequest {
    /// Checks `limit` and `cursor` for `tenant`: a limit out of 1..=200 or a cursor that is
    /// not one of this tenant's is a 400.
    pub(crate) fn check(
        limit: Option<&str>,
        cursor: Option<&str>,
        tenant: Uuid,
    ) -> Result<PageRequest, ApiError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    )));
                }
            },
        };
        let after = match cursor {
            None | Some("") => None,
            Some(text) => {
                let cursor = Cursor::decode(text, tenant)?;
                Some((cursor.created_at, cursor.id))
            }
        };
        Ok(PageRequest { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub(crate) fn fetch(&self) -> i64 {
        (self.limit + 1) as i64
    }

    /// The page of `rows` (fetched with [`PageRequest::fetch`]), with the cursor after its last
    /// row when more rows follow.
    pub(crate) fn page<T>(
        &self,
        tenant: Uuid,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
    ) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = match rows.last() {
            Some(last) if more => {
                let (created_at, id) = key(last);
                Some(
                    Cursor {
                        tenant,
                        created_at,
                        id,
                    }
                    .encode(),
                )
            }
            _ => None,
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_only_good_in_its_tenant() {
        let (acme, globex) = (Uuid::now_v7(), Uuid::now_v7());
        let request = PageRequest::check(Some("1"), None, acme).unwrap();
        let at = crate::model::now();
        let page = request.page(acme, vec![(at, Uuid::nil()), (at, Uuid::max())], |r| *r);
        assert_eq!(page.items.len(), 1);
        let cursor = page.next_cursor.expect("a second page");
        let next = PageRequest::check(None, Some(&cursor), acme).unwrap();
        assert_eq!(next.after, Some((at, Uuid::nil())));
        assert_eq!(next.fetch(), 51);
        assert!(PageRequest::check(None, Some(&cursor), globex).is_err());
        assert!(PageRequest::check(Some("0"), None, acme).is_err());
        assert!(PageRequest::check(Some("201"), None, acme).is_err());
    }
}
