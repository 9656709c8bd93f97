//! The numbers an operator graphs and alerts on, kept as they happen and written out in the
//! OpenMetrics text format Prometheus scrapes (`GET /metrics`, see `server::routes::metrics`).
//!
//! One registry per process, as every Prometheus client keeps by default: a process is what
//! Prometheus scrapes, and the counters are bumped deep in the store and services, where
//! threading a handle through every call would cost more than it says. Figures that live in
//! the database (tokens about to expire) are read when scraped, not kept here.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;

/// Which endpoint answered a verification.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabel {
    pub endpoint: &'static str,
}

/// Why a presented token (or what it asked for) was refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

/// What a credential-cache lookup found.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// What a change dropped from the credential cache: one token, an account's tokens, an
/// organization's, or everything (the listening connection was lost or is back).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabel {
    pub scope: &'static str,
}

/// How a webhook delivery ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

/// An organization, by its slug.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OrganizationLabel {
    pub organization: String,
}

/// Why a token is refused: not a token's shape, no such token, its state, or (`/auth/verify`)
/// the token is good but not for what was asked.
pub const REFUSAL_REASONS: [&str; 7] = [
    "malformed",
    "unknown",
    "revoked",
    "suspended",
    "expired",
    "replaced",
    "requirement_not_met",
];

/// Every metric Steward keeps, and the registry that writes them out.
pub struct Metrics {
    registry: Registry,
    pub verification_seconds: Family<EndpointLabel, Histogram>,
    pub refusals: Family<ReasonLabel, Counter>,
    pub cache_lookups: Family<ResultLabel, Counter>,
    pub invalidations: Family<ScopeLabel, Counter>,
    pub notification_lag_seconds: Histogram,
    pub webhook_deliveries: Family<OutcomeLabel, Counter>,
    pub tokens_expiring: Family<OrganizationLabel, Gauge>,
    /// The cache's outcomes, resolved once: they are counted on every verification.
    pub cache_hit: Counter,
    pub cache_miss: Counter,
    pub cache_stale: Counter,
}

/// Latency buckets from 50 µs to about 1.6 s: a cached verification takes tens of
/// microseconds, a database round trip a millisecond, a struggling one much more.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.000_05, 2.0, 16)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("steward");
        let verification_seconds = Family::<EndpointLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(latency_buckets())
        });
        registry.register(
            "verification_duration_seconds",
            "Time to answer a token verification, by endpoint (verify, whoami, introspect)",
            verification_seconds.clone(),
        );
        let refusals = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "refusals",
            "Presented tokens refused, by reason",
            refusals.clone(),
        );
        let cache_lookups = Family::<ResultLabel, Counter>::default();
        registry.register(
            "credential_cache_lookups",
            "Credential cache lookups, by result (hit, miss, stale: kept but changed since)",
            cache_lookups.clone(),
        );
        let invalidations = Family::<ScopeLabel, Counter>::default();
        registry.register(
            "credential_cache_invalidations",
            "Changes that dropped kept credentials, by scope (token, account, organization, everything)",
            invalidations.clone(),
        );
        let notification_lag_seconds = Histogram::new(latency_buckets());
        registry.register(
            "change_notification_lag_seconds",
            "Time from a change's commit by another process to its arrival here",
            notification_lag_seconds.clone(),
        );
        let webhook_deliveries = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome (delivered, rejected, failed)",
            webhook_deliveries.clone(),
        );
        let tokens_expiring = Family::<OrganizationLabel, Gauge>::default();
        registry.register(
            "tokens_expiring_within_7_days",
            "Live tokens that expire within seven days, by organization",
            tokens_expiring.clone(),
        );
        // Every known label present from the start, at zero, so a rate() has a series to
        // start from before the first event.
        for outcome in ["delivered", "rejected", "failed"] {
            drop(webhook_deliveries.get_or_create(&OutcomeLabel { outcome }));
        }
        for reason in REFUSAL_REASONS {
            drop(refusals.get_or_create(&ReasonLabel { reason }));
        }
        for scope in ["token", "account", "organization", "everything"] {
            drop(invalidations.get_or_create(&ScopeLabel { scope }));
        }
        let lookup = |result| cache_lookups.get_or_create(&ResultLabel { result }).clone();
        let (cache_hit, cache_miss, cache_stale) = (lookup("hit"), lookup("miss"), lookup("stale"));
        Metrics {
            registry,
            cache_hit,
            cache_miss,
            cache_stale,
            verification_seconds,
            refusals,
            cache_lookups,
            invalidations,
            notification_lag_seconds,
            webhook_deliveries,
            tokens_expiring,
        }
    }

    /// Times one verification answered by `endpoint`.
    pub fn observe_verification(&self, endpoint: &'static str, seconds: f64) {
        self.verification_seconds
            .get_or_create(&EndpointLabel { endpoint })
            .observe(seconds);
    }

    /// Counts a change that dropped kept credentials.
    pub fn invalidated(&self, scope: &'static str) {
        self.invalidations
            .get_or_create(&ScopeLabel { scope })
            .inc();
    }

    /// Counts a webhook delivery attempt's outcome.
    pub fn delivered(&self, outcome: &'static str) {
        self.webhook_deliveries
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// Counts a refused token or requirement.
    pub fn refused(&self, reason: &'static str) {
        self.refusals.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Replaces the expiring-token figures with `counts` (slug, count), so an organization
    /// that has none left, or is gone, stops being reported.
    pub fn set_tokens_expiring(&self, counts: &[(String, i64)]) {
        self.tokens_expiring.clear();
        for (organization, count) in counts {
            self.tokens_expiring
                .get_or_create(&OrganizationLabel {
                    organization: organization.clone(),
                })
                .set(*count);
        }
    }

    /// Every metric in the OpenMetrics text format, ending with `# EOF`.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// This process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_its_help_and_an_end() {
        METRICS.refused("revoked");
        METRICS
            .verification_seconds
            .get_or_create(&EndpointLabel { endpoint: "verify" })
            .observe(0.000_2);
        METRICS.set_tokens_expiring(&[("acme".into(), 3)]);
        let text = METRICS.render();
        assert!(text.contains("# TYPE steward_refusals counter"), "{text}");
        assert!(
            text.contains("steward_refusals_total{reason=\"revoked\"}"),
            "{text}"
        );
        assert!(
            text.contains(
                "steward_verification_duration_seconds_bucket{le=\"0.0002\",endpoint=\"verify\"}"
            ) || text.contains(
                "steward_verification_duration_seconds_bucket{endpoint=\"verify\",le=\"0.0002\"}"
            ),
            "{text}"
        );
        assert!(
            text.contains("steward_tokens_expiring_within_7_days{organization=\"acme\"} 3"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
        METRICS.set_tokens_expiring(&[]);
        assert!(!METRICS.render().contains("organization=\"acme\""));
    }
}
