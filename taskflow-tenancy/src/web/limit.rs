//! Per-tenant rate and concurrency limits (feature `tower`).
//!
//! [`TenantLimitLayer`] keys its limits by the [`TenantScope`] in the request's extensions, so it
//! must sit *inside* the tenant layer (added before it with axum's `Router::layer`, or after it
//! in a `ServiceBuilder`). One tenant flooding the service spends its own budget only: the
//! others keep theirs.
//!
//! - **Rate**: a GCRA limiter from [`governor`], one state per tenant: `requests_per_second`
//!   on average, with bursts of up to `burst` requests. Rate 0 turns it off.
//! - **Concurrency**: at most `max_concurrent` requests of one tenant in flight at once.
//!   0 turns it off.
//!
//! A request over either limit is **rejected, not queued**: it answers
//! `429 {"error": {"code": "rate_limited", "message": ...}}` at once, with `Retry-After` in
//! whole seconds (from the limiter's wait time, at least 1). Queuing would hold connections
//! open and hide the overload from the client, which is better told when to come back.
//!
//! Requests without a scope (platform routes such as `/healthz`) are passed through unlimited.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use taskflow_tenancy::web::layer::TenantLayer;
//! use taskflow_tenancy::web::limit::{TenantLimitLayer, TenantLimits};
//! use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
//! use taskflow_tenancy::{AdminCapability, TenantDb};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! store.migrate().await?;
//! let admin = AdminCapability::grant("docs", "two example tenants")?;
//! store.create(&admin, "Acme", "acme").await?;
//! store.create(&admin, "Globex", "globex").await?;
//!
//! let limits = TenantLimits::per_second(1).with_burst(2).with_max_concurrent(8);
//! let service = ServiceBuilder::new()
//!     .layer(TenantLayer::new(SubdomainResolver::new("localhost")?, TenantCache::new(store)))
//!     // After the tenant layer, so it runs inside it and sees the scope.
//!     .layer(TenantLimitLayer::new(limits))
//!     .service_fn(|_: Request<()>| async {
//!         Ok::<_, std::convert::Infallible>(Response::new(Bytes::from_static(b"ok")))
//!     });
//!
//! let on = |host: &str| Request::get("/").header("host", host).body(());
//! for _ in 0..2 {
//!     assert_eq!(service.clone().oneshot(on("acme.localhost")?).await?.status(), 200);
//! }
//! let refused = service.clone().oneshot(on("acme.localhost")?).await?;
//! assert_eq!(refused.status(), 429);
//! assert_eq!(refused.headers()["retry-after"], "1");
//! // Globex's budget is its own.
//! assert_eq!(service.oneshot(on("globex.localhost")?).await?.status(), 200);
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota};
use http::{HeaderValue, Request, Response, StatusCode, header};
use tower_layer::Layer;
use tower_service::Service;

use crate::scope::tenant::{TenantId, TenantScope};
use crate::web::resolve::json_error;

/// How much one tenant may ask of the service.
///
/// ```
/// use taskflow_tenancy::web::limit::TenantLimits;
///
/// let limits = TenantLimits::per_second(20);
/// assert_eq!((limits.requests_per_second(), limits.burst()), (20, 40));
/// assert!(TenantLimits::per_second(0).is_off());
/// assert_eq!(TenantLimits::off().with_max_concurrent(4).max_concurrent(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantLimits {
    requests_per_second: u32,
    burst: u32,
    max_concurrent: u32,
}

impl TenantLimits {
    /// `requests_per_second` per tenant, with a burst of twice that (at least 1), and no
    /// concurrency cap. 0 turns the rate limit off.
    pub const fn per_second(requests_per_second: u32) -> Self {
        TenantLimits {
            requests_per_second,
            burst: requests_per_second.saturating_mul(2),
            max_concurrent: 0,
        }
    }

    /// No limits at all.
    pub const fn off() -> Self {
        Self::per_second(0)
    }

    /// The same limits with another burst: how many requests a tenant that has been quiet may
    /// send at once. Values below 1 count as 1.
    #[must_use]
    pub const fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// The same limits with a cap on the requests of one tenant in flight at once (0: none).
    #[must_use]
    pub const fn with_max_concurrent(mut self, max_concurrent: u32) -> Self {
        self.max_concurrent = max_concurrent;
        self
    }

    /// The sustained rate; 0 when the rate limit is off.
    pub const fn requests_per_second(&self) -> u32 {
        self.requests_per_second
    }

    /// The largest burst.
    pub const fn burst(&self) -> u32 {
        if self.burst == 0 { 1 } else { self.burst }
    }

    /// The concurrency cap; 0 when there is none.
    pub const fn max_concurrent(&self) -> u32 {
        self.max_concurrent
    }

    /// Whether neither limit applies.
    pub const fn is_off(&self) -> bool {
        self.requests_per_second == 0 && self.max_concurrent == 0
    }
}

impl Default for TenantLimits {
    /// 100 requests per second with bursts of 200, a rate no person using a UI comes near.
    fn default() -> Self {
        Self::per_second(100)
    }
}

/// How often the rate limiter forgets tenants whose state is back to fresh.
const HOUSEKEEPING_EVERY: u64 = 1024;

/// The shared state behind every clone of one [`TenantLimitLayer`].
struct TenantLimiter {
    limits: TenantLimits,
    rate: Option<DefaultKeyedRateLimiter<TenantId>>,
    checks: AtomicU64,
    /// In-flight requests per tenant. A tenant's entry exists only while it has requests in
    /// flight, so the map is bounded by the number of requests in flight, without an eviction
    /// policy that could drop a busy tenant's count and let it exceed its cap.
    in_flight: Mutex<HashMap<TenantId, u32>>,
}

/// Why a request was turned away, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    Rate { retry_after: u64 },
    Concurrency,
}

impl Rejection {
    fn retry_after(self) -> u64 {
        match self {
            Rejection::Rate { retry_after } => retry_after,
            Rejection::Concurrency => 1,
        }
    }

    fn message(self) -> String {
        match self {
            Rejection::Rate { retry_after } => {
                format!("too many requests for this tenant; retry in {retry_after} s")
            }
            Rejection::Concurrency => {
                "too many concurrent requests for this tenant; retry in 1 s".to_owned()
            }
        }
    }
}

impl TenantLimiter {
    fn new(limits: TenantLimits) -> Self {
        let rate = NonZeroU32::new(limits.requests_per_second).map(|rate| {
            let burst = NonZeroU32::new(limits.burst()).unwrap_or(NonZeroU32::MIN);
            DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        TenantLimiter {
            limits,
            rate,
            checks: AtomicU64::new(0),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one request of `tenant`, or says why not. The returned guard holds the
    /// tenant's concurrency slot until it is dropped.
    fn admit(self: &Arc<Self>, tenant: TenantId) -> Result<Option<InFlight>, Rejection> {
        // The concurrency slot is taken first: giving it back is free, whereas a rate token
        // spent on a request that is then refused for concurrency would be lost.
        let slot = self.enter(tenant)?;
        if let Some(rate) = &self.rate {
            if self
                .checks
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(HOUSEKEEPING_EVERY)
            {
                rate.retain_recent();
                rate.shrink_to_fit();
            }
            if let Err(not_until) = rate.check_key(&tenant) {
                let wait = not_until.wait_time_from(rate.clock().now());
                return Err(Rejection::Rate {
                    retry_after: whole_seconds_at_least_one(wait),
                });
            }
        }
        Ok(slot)
    }

    fn enter(self: &Arc<Self>, tenant: TenantId) -> Result<Option<InFlight>, Rejection> {
        let cap = self.limits.max_concurrent;
        if cap == 0 {
            return Ok(None);
        }
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = in_flight.entry(tenant).or_insert(0);
        if *count >= cap {
            return Err(Rejection::Concurrency);
        }
        *count += 1;
        Ok(Some(InFlight {
            limiter: Arc::clone(self),
            tenant,
        }))
    }

    fn leave(&self, tenant: TenantId) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&tenant) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&tenant);
            }
        }
    }

    #[cfg(test)]
    fn in_flight(&self, tenant: TenantId) -> u32 {
        let in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        in_flight.get(&tenant).copied().unwrap_or(0)
    }
}

fn whole_seconds_at_least_one(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// One tenant's concurrency slot, given back on drop.
struct InFlight {
    limiter: Arc<TenantLimiter>,
    tenant: TenantId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.limiter.leave(self.tenant);
    }
}

impl fmt::Debug for TenantLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantLimiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The tower layer that enforces [`TenantLimits`] per tenant.
///
/// Clones share their state: a tenant's budget is the same through every clone. Build one
/// layer per budget you want.
///
/// See the [module documentation](self) for an example.
#[derive(Debug, Clone)]
#[must_use]
pub struct TenantLimitLayer {
    limiter: Arc<TenantLimiter>,
}

impl TenantLimitLayer {
    /// A layer enforcing `limits`, with fresh state.
    pub fn new(limits: TenantLimits) -> Self {
        TenantLimitLayer {
            limiter: Arc::new(TenantLimiter::new(limits)),
        }
    }

    /// The limits this layer enforces.
    ///
    /// ```
    /// use taskflow_tenancy::web::limit::{TenantLimitLayer, TenantLimits};
    ///
    /// let layer = TenantLimitLayer::new(TenantLimits::per_second(5));
    /// assert_eq!(layer.limits(), TenantLimits::per_second(5));
    /// ```
    pub fn limits(&self) -> TenantLimits {
        self.limiter.limits
    }
}

impl<S> Layer<S> for TenantLimitLayer {
    type Service = TenantLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantLimit {
            inner,
            limiter: Arc::clone(&self.limiter),
        }
    }
}

/// The service made by [`TenantLimitLayer`].
///
/// Its rejections are built with `ResBody: From<Bytes>`, which axum's `Body` and
/// `http_body_util::Full<Bytes>` both are.
#[derive(Debug, Clone)]
pub struct TenantLimit<S> {
    inner: S,
    limiter: Arc<TenantLimiter>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TenantLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Some(tenant) = request
            .extensions()
            .get::<TenantScope>()
            .map(TenantScope::tenant_id)
        else {
            return ResponseFuture::admitted(self.inner.call(request), None);
        };
        match self.limiter.admit(tenant) {
            Ok(slot) => ResponseFuture::admitted(self.inner.call(request), slot),
            Err(rejection) => {
                tracing::debug!(tenant_id = %tenant, ?rejection, "tenant over its limit");
                ResponseFuture::rejected(rate_limited(rejection))
            }
        }
    }
}

fn rate_limited<B: From<Bytes>>(rejection: Rejection) -> Response<B> {
    let mut response = json_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        &rejection.message(),
    )
    .map(B::from);
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(rejection.retry_after()),
    );
    response
}

pin_project_lite::pin_project! {
    /// The response future of [`TenantLimit`]: the inner service's, holding the tenant's
    /// concurrency slot until it completes, or a ready 429.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Admitted {
            #[pin]
            future: F,
            slot: Option<InFlight>,
        },
        Rejected {
            response: Option<Response<B>>,
        },
    }
}

impl<F, B> ResponseFuture<F, B> {
    fn admitted(future: F, slot: Option<InFlight>) -> Self {
        ResponseFuture {
            state: State::Admitted { future, slot },
        }
    }

    fn rejected(response: Response<B>) -> Self {
        ResponseFuture {
            state: State::Rejected {
                response: Some(response),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Admitted { future, slot } => {
                let output = std::task::ready!(future.poll(cx));
                slot.take();
                Poll::Ready(output)
            }
            StateProj::Rejected { response } => Poll::Ready(Ok(response
                .take()
                .expect("ResponseFuture polled after completion"))),
        }
    }
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::tenant::Tenant;

    fn scope() -> TenantScope {
        let id = TenantId::new_v7();
        TenantScope::verified(
            Tenant {
                id,
                name: "T".into(),
                subdomain: format!("t{}", id.as_uuid().simple()),
                is_active: true,
                created_at: chrono::Utc::now(),
            },
            crate::scope::tenant::DatabaseId::next(),
        )
    }

    #[test]
    fn a_burst_is_admitted_then_refused_with_a_wait_of_at_least_one_second() {
        let limiter = Arc::new(TenantLimiter::new(
            TenantLimits::per_second(1).with_burst(3),
        ));
        let (a, b) = (TenantId::new_v7(), TenantId::new_v7());
        for _ in 0..3 {
            assert!(limiter.admit(a).is_ok());
        }
        assert_eq!(
            limiter.admit(a).err(),
            Some(Rejection::Rate { retry_after: 1 })
        );
        // Another tenant's budget is untouched.
        for _ in 0..3 {
            assert!(limiter.admit(b).is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_the_wait_up() {
        let limiter = Arc::new(TenantLimiter::new(
            TenantLimits::per_second(1).with_burst(1),
        ));
        let tenant = TenantId::new_v7();
        assert!(limiter.admit(tenant).is_ok());
        assert_eq!(
            limiter.admit(tenant).err(),
            Some(Rejection::Rate { retry_after: 1 })
        );
        assert_eq!(whole_seconds_at_least_one(Duration::ZERO), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(2001)), 3);
        assert_eq!(whole_seconds_at_least_one(Duration::from_secs(2)), 2);
    }

    #[test]
    fn rate_zero_is_off() {
        let limiter = Arc::new(TenantLimiter::new(TenantLimits::per_second(0)));
        let tenant = TenantId::new_v7();
        for _ in 0..10_000 {
            assert!(matches!(limiter.admit(tenant), Ok(None)));
        }
    }

    #[test]
    fn concurrency_slots_are_counted_per_tenant_and_given_back_on_drop() {
        let limiter = Arc::new(TenantLimiter::new(
            TenantLimits::off().with_max_concurrent(2),
        ));
        let (a, b) = (TenantId::new_v7(), TenantId::new_v7());
        let first = limiter.admit(a).unwrap();
        let second = limiter.admit(a).unwrap();
        assert_eq!(limiter.admit(a).err(), Some(Rejection::Concurrency));
        assert!(limiter.admit(b).is_ok());
        assert_eq!(limiter.in_flight(a), 2);
        drop(first);
        assert_eq!(limiter.in_flight(a), 1);
        let third = limiter.admit(a).unwrap();
        drop((second, third));
        assert_eq!(limiter.in_flight(a), 0);
        let map = limiter.in_flight.lock().unwrap();
        assert!(map.is_empty(), "idle tenants leave no entry: {map:?}");
    }

    #[test]
    fn a_concurrency_refusal_spends_no_rate_token() {
        let limiter = Arc::new(TenantLimiter::new(
            TenantLimits::per_second(1)
                .with_burst(2)
                .with_max_concurrent(1),
        ));
        let tenant = TenantId::new_v7();
        let held = limiter.admit(tenant).unwrap();
        for _ in 0..5 {
            assert_eq!(limiter.admit(tenant).err(), Some(Rejection::Concurrency));
        }
        drop(held);
        // The second burst token is still there.
        assert!(limiter.admit(tenant).is_ok());
    }

    #[tokio::test]
    async fn the_service_answers_429_json_with_retry_after() {
        use tower_service::Service as _;
        let layer = TenantLimitLayer::new(TenantLimits::per_second(1).with_burst(1));
        let mut service = layer.layer(open_service());
        let scope = scope();
        let request = || {
            let mut request = Request::new(String::new());
            request.extensions_mut().insert(scope.clone());
            request
        };
        let ok = service.call(request()).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let limited = service.call(request()).await.unwrap();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "1");
        assert_eq!(limited.headers()[header::CONTENT_TYPE], "application/json");
        let body: serde_json::Value = serde_json::from_slice(limited.body()).unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
        assert!(body["error"]["message"].as_str().unwrap().contains("retry"));
        // No scope, no limit.
        for _ in 0..5 {
            let plain = service.call(Request::new(String::new())).await.unwrap();
            assert_eq!(plain.status(), StatusCode::OK);
        }
    }

    /// The slot is held while the inner future runs and given back when it completes.
    #[tokio::test]
    async fn the_service_holds_the_slot_until_the_response_is_ready() {
        use tower_service::Service as _;
        let layer = TenantLimitLayer::new(TenantLimits::off().with_max_concurrent(1));
        let (release, gate) = tokio::sync::watch::channel(false);
        let inner = GatedService { gate };
        let mut service = layer.layer(inner);
        let scope = scope();
        let mut request = Request::new(String::new());
        request.extensions_mut().insert(scope.clone());
        let pending = tokio::spawn(service.clone().call(request));
        tokio::task::yield_now().await;

        let mut second = Request::new(String::new());
        second.extensions_mut().insert(scope.clone());
        let refused = service.call(second).await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");

        release.send(true).unwrap();
        assert_eq!(pending.await.unwrap().unwrap().status(), StatusCode::OK);
        assert_eq!(layer.limiter.in_flight(scope.tenant_id()), 0);
    }

    fn open_service() -> GatedService {
        GatedService {
            gate: tokio::sync::watch::channel(true).1,
        }
    }

    /// Answers 200 once its gate is open.
    #[derive(Clone)]
    struct GatedService {
        gate: tokio::sync::watch::Receiver<bool>,
    }

    impl Service<Request<String>> for GatedService {
        type Response = Response<Bytes>;
        type Error = std::convert::Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Response<Bytes>, Self::Error>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<String>) -> Self::Future {
            let mut gate = self.gate.clone();
            Box::pin(async move {
                gate.wait_for(|open| *open).await.ok();
                Ok(Response::new(Bytes::from_static(b"ok")))
            })
        }
    }
}
