//! Pages of a list: `?limit&cursor` in, `{"items", "next_cursor"}` out.
//!
//! A cursor is the keyset `(created_at, id)` of the last row of a page (for a list in another
//! order, also where that row stands in it: a [`Position`]), with the tenant it was made for,
//! base64url-encoded JSON. Clients treat it as opaque. It is no secret, and needs
//! none: it only says where to resume a list that is always scoped to the requesting tenant,
//! and a cursor made for another tenant is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use taskflow_tenancy::{TenantId, TenantScope};
use uuid::Uuid;

use super::ApiError;

/// The default number of items of a page.
pub(crate) const DEFAULT_LIMIT: u64 = 50;
/// The most items a page may have.
pub(crate) const MAX_LIMIT: u64 = 200;

/// A page of items, and the cursor of the next one (null on the last page).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Page<T> {
    /// The page's items, oldest first.
    pub(crate) items: Vec<T>,
    /// Pass it as `cursor` for the next page; null on the last page.
    #[schema(required)]
    pub(crate) next_cursor: Option<String>,
}

/// Where a page starts: after `(created_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    #[serde(rename = "t")]
    tenant: TenantId,
    #[serde(rename = "c")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub(crate) id: Uuid,
    /// Where the row stands in a list sorted otherwise than oldest first.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub(crate) position: Option<Position>,
}

/// Where a row stands in a list sorted by something other than its creation: which sort (a
/// cursor resumes only the sort it was made for), which of the sort's segments (a sort on a
/// column with a few values or with nulls runs as one keyset per segment), and the row's value
/// in a segment that is ordered by a column of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    #[serde(rename = "s")]
    pub(crate) sort: u8,
    #[serde(rename = "g")]
    pub(crate) segment: u8,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub(crate) date: Option<NaiveDate>,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, scope: &TenantScope) -> Result<Cursor, ApiError> {
        let invalid = || ApiError::BadRequest("invalid cursor".to_owned());
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        // A cursor is made only from a row's time; one from a hand-made cursor outside the
        // years every backend stores would reach MariaDB as a value it cannot compare.
        let stored = |year: i32| (1000..=9999).contains(&year);
        let date_stored = cursor
            .position
            .and_then(|p| p.date)
            .is_none_or(|date| stored(date.year()));
        if cursor.tenant != scope.tenant_id() || !stored(cursor.created_at.year()) || !date_stored {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// `?limit&cursor`, checked: a limit out of 1..=200 or a cursor that is not one is a 400.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// How many items a page holds: 1 to 200, 50 when left out.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    pub(crate) limit: Option<String>,
    /// The `next_cursor` of the previous page; the first page when left out or empty.
    pub(crate) cursor: Option<String>,
}

/// A checked [`PageQuery`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest {
    pub(crate) limit: u64,
    pub(crate) after: Option<Cursor>,
}

impl PageQuery {
    pub(crate) fn check(&self, scope: &TenantScope) -> Result<PageRequest, ApiError> {
        let limit = match self.limit.as_deref() {
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
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(text) => Some(Cursor::decode(text, scope)?),
        };
        Ok(PageRequest { limit, after })
    }
}

impl PageRequest {
    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub(crate) fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// The page of `rows` (fetched with [`PageRequest::fetch`]), with the cursor after its last
    /// row when more rows follow.
    pub(crate) fn page<T>(
        &self,
        scope: &TenantScope,
        rows: Vec<T>,
        key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
    ) -> Page<T> {
        self.page_at(scope, rows, |row| {
            let (created_at, id) = key(row);
            (created_at, id, None)
        })
    }

    /// [`PageRequest::page`] for a list sorted otherwise: `key` also says where a row stands.
    pub(crate) fn page_at<T>(
        &self,
        scope: &TenantScope,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> (DateTime<Utc>, Uuid, Option<Position>),
    ) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = match rows.last() {
            Some(last) if more => {
                let (created_at, id, position) = key(last);
                Some(
                    Cursor {
                        tenant: scope.tenant_id(),
                        created_at,
                        id,
                        position,
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
