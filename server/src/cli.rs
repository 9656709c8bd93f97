//! The command line: `serve` (default), `migrate`, `admin create`, `seed`, `precompress`. Every flag also reads an
//! environment variable, so containers can be configured either way.

use crate::middleware::client_ip::TrustedProxies;
use app::services::outbound::{parse_networks, OutboundPolicy};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Steward: service accounts and API tokens"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every subcommand shares.
#[derive(Debug, Args)]
pub struct Common {
    /// `sqlite://steward.db` (default, created if missing) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "STEWARD_DATABASE_URL",
        default_value = "sqlite://steward.db",
        global = true
    )]
    pub database_url: String,
    /// The URL people use to reach this server; defaults to `http://` + the listen address.
    #[arg(long, env = "STEWARD_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Hours a browser session survives without use (1–720).
    #[arg(
        long,
        env = "STEWARD_SESSION_IDLE_HOURS",
        default_value_t = 12,
        value_parser = clap::value_parser!(i64).range(1..=720),
        global = true
    )]
    pub session_idle_hours: i64,
    /// Days after sign-in at which a session ends however active it is (1–365).
    #[arg(
        long,
        env = "STEWARD_SESSION_MAX_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(i64).range(1..=365),
        global = true
    )]
    pub session_max_days: i64,
    /// Seconds between writes of batched last-used records (1–3600).
    #[arg(
        long,
        env = "STEWARD_USAGE_FLUSH_SECS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub usage_flush_secs: u64,
    /// Comma-separated addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` /
    /// `Forwarded` headers name the client, e.g. `10.0.0.0/8,::1`. Empty: trust none.
    #[arg(
        long,
        env = "STEWARD_TRUSTED_PROXIES",
        default_value = "",
        value_parser = parse_trusted_proxies,
        global = true
    )]
    pub trusted_proxies: TrustedProxies,
    /// Comma-separated CIDR ranges or addresses inside the network that webhooks may reach,
    /// e.g. `10.20.0.0/16`. Empty (the default): notices go only to public addresses, never to
    /// loopback, private, link-local or cloud-metadata ones.
    #[arg(
        long,
        env = "STEWARD_WEBHOOK_ALLOW_NETWORKS",
        default_value = "",
        value_parser = parse_webhook_networks,
        global = true
    )]
    pub webhook_allow_networks: OutboundPolicy,
    /// Comma-separated CIDR ranges or addresses inside the network that identity token issuers
    /// may be fetched from (token exchange), e.g. the address of a self-hosted GitLab or of a
    /// cluster's API server. Empty (the default): issuers' keys come only from public addresses.
    #[arg(
        long,
        env = "STEWARD_OIDC_ALLOW_NETWORKS",
        default_value = "",
        value_parser = parse_issuer_networks,
        global = true
    )]
    pub oidc_allow_networks: OutboundPolicy,
    /// A PEM file of one or more CA certificates trusted, beside the public roots, when
    /// fetching identity token issuers' keys (token exchange): for a self-hosted GitLab or a
    /// cluster's API server behind a private CA. Used for nothing else.
    #[arg(long, env = "STEWARD_OIDC_CA_FILE", global = true)]
    pub oidc_ca_file: Option<std::path::PathBuf>,
    /// Sign-in attempts one address may make per minute (1–10000).
    #[arg(
        long,
        env = "STEWARD_SIGN_IN_LIMIT_PER_MINUTE",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=10_000),
        global = true
    )]
    pub sign_in_limit_per_minute: u32,
    /// The server's own key: seals secrets it must read back (a webhook's signing secret).
    /// Any string of 32 characters or more; the same on every replica.
    #[arg(long, env = "STEWARD_SECRET_KEY", global = true, hide_env_values = true, value_parser = parse_secret_key)]
    pub secret_key: Option<String>,
    /// Seconds between looks for expiry notices to send (1–3600).
    #[arg(
        long,
        env = "STEWARD_NOTICE_INTERVAL_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub notice_interval_secs: u64,
    /// Whether recently used tokens are kept in memory (`on`, the default, or `off`). Kept
    /// tokens are dropped the moment anything they depend on changes, on every replica
    /// (PostgreSQL's NOTIFY, SQLite's change table), so the cache never answers stale.
    #[arg(
        long,
        env = "STEWARD_CREDENTIAL_CACHE",
        default_value = "on",
        value_parser = ["on", "off"],
        global = true
    )]
    pub credential_cache: String,
    /// How many tokens the cache keeps at most (1–10,000,000; an entry is the token's record and
    /// the answers built from it, about 4–5 KB).
    #[arg(
        long,
        env = "STEWARD_CREDENTIAL_CACHE_ENTRIES",
        default_value_t = app::services::tokens::credential_cache::DEFAULT_ENTRIES as u64,
        value_parser = clap::value_parser!(u64).range(1..=10_000_000),
        global = true
    )]
    pub credential_cache_entries: u64,
    /// The bearer token Prometheus sends to `GET /metrics` (16 characters or more). Without
    /// it `/metrics` answers 404.
    #[arg(long, env = "STEWARD_METRICS_TOKEN", global = true, hide_env_values = true, value_parser = parse_metrics_token)]
    pub metrics_token: Option<String>,
}

impl Common {
    /// The credential cache's size as configured: 0 when it is off.
    pub fn credential_cache_size(&self) -> usize {
        if self.credential_cache == "off" {
            0
        } else {
            self.credential_cache_entries as usize
        }
    }
}

fn parse_secret_key(s: &str) -> Result<String, String> {
    if s.chars().count() < 32 {
        return Err("STEWARD_SECRET_KEY must be at least 32 characters".into());
    }
    Ok(s.to_string())
}

fn parse_metrics_token(s: &str) -> Result<String, String> {
    if s.chars().count() < 16 {
        return Err("STEWARD_METRICS_TOKEN must be at least 16 characters".into());
    }
    Ok(s.to_string())
}

fn parse_webhook_networks(s: &str) -> Result<OutboundPolicy, String> {
    parse_networks(s).map(OutboundPolicy::webhooks)
}

fn parse_issuer_networks(s: &str) -> Result<OutboundPolicy, String> {
    parse_networks(s).map(OutboundPolicy::issuers)
}

fn parse_trusted_proxies(s: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(s)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage people from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill an empty database with one organization of many service accounts and tokens, for
    /// benchmarks. Refused when the database already has people in it.
    Seed {
        /// Service accounts to create (1–1,000,000).
        #[arg(long, default_value_t = 50_000)]
        accounts: usize,
        /// Tokens to create across them; the first account holds 50.
        #[arg(long, default_value_t = 200_000)]
        tokens: usize,
        /// The administrator who can sign in to look at it (organization `bench`).
        #[arg(long, default_value = "bench@example.test")]
        admin_email: String,
        /// Read the administrator's password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Write brotli and gzip copies of the built site's wasm, JS and CSS (once, at the
    /// strongest settings) for the server to send instead of compressing on every request.
    /// Needs no database. `scripts/run.sh` runs it after each release build.
    Precompress {
        /// The folder with the files: the site root's `pkg`.
        #[arg(long, env = "STEWARD_PKG_DIR", default_value = "target/site/pkg")]
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator, and the organization if it does not exist yet.
    Create {
        /// The organization's slug, e.g. `acme`.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// Display name; defaults to the part of the email before `@`.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (so it stays out of shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("server").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numeric_settings_are_range_checked_with_a_clear_message() {
        let e = parse(&["--session-idle-hours", "0"]).unwrap_err();
        assert!(
            e.contains("--session-idle-hours") && e.contains("1..=720"),
            "{e}"
        );
        let e = parse(&["--session-max-days", "999"]).unwrap_err();
        assert!(e.contains("1..=365"), "{e}");
        let e = parse(&["--usage-flush-secs", "0"]).unwrap_err();
        assert!(e.contains("--usage-flush-secs"), "{e}");
        let e = parse(&["--trusted-proxies", "10.0.0.0/8,nonsense"]).unwrap_err();
        assert!(e.contains("'nonsense'"), "{e}");
        let ok = parse(&["--trusted-proxies", "10.0.0.0/8, ::1", "migrate"]).unwrap();
        assert_eq!(ok.common.session_max_days, 7);
    }
}
