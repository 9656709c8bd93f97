//! `server`: runs Steward, migrates its database, creates an administrator, seeds a benchmark
//! database, or precompresses the built site's files.

use app::services::people::setup::{create_admin, first_admin_setup_link, NewAdmin};
use app::services::seed::{seed, SeedPlan};
use app::services::settings::upgrade_sealed_secrets;
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::Db;
use clap::Parser;
use leptos::prelude::*;
use server::cli::{AdminCommand, Cli, Command};
use server::routes::metrics::MetricsToken;
use server::shutdown::{serve_until_signal, SHUTDOWN_GRACE};
use server::RouterConfig;
use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Precompress { ref dir }) => precompress(dir),
        _ => run(cli).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The URL people use: the configured one, or `http://` + the listen address when that is a
/// specific address. Listening on all interfaces without a public URL would print links and
/// compare `Origin` against an address nobody can open, so that is refused with the fix.
fn public_url(configured: Option<&str>, addr: SocketAddr) -> Result<String, String> {
    if let Some(url) = configured {
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "STEWARD_PUBLIC_URL must start with http:// or https:// (got '{url}')"
            ));
        }
        return Ok(url.to_string());
    }
    if addr.ip().is_unspecified() {
        return Err(format!(
            "listening on {addr} (all interfaces) but STEWARD_PUBLIC_URL is not set: set it to the \
             URL people open, e.g. STEWARD_PUBLIC_URL=https://steward.example.com"
        ));
    }
    Ok(format!("http://{addr}"))
}

async fn run(cli: Cli) -> Result<(), String> {
    let conf = get_configuration(None).map_err(|e| format!("reading Leptos configuration: {e}"))?;
    let options = conf.leptos_options;
    let addr: SocketAddr = options.site_addr;
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let public_url = match public_url(cli.common.public_url.as_deref(), addr) {
        Ok(url) => url,
        // Only serving needs a reachable URL; migrating and creating admins do not.
        Err(_) if !serving => format!("http://{addr}"),
        Err(e) => return Err(e),
    };
    let db = Db::connect(&cli.common.database_url)
        .await
        .map_err(|e| format!("connecting to the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migrating the database: {e}"))?;
    let oidc_ca_pem = match &cli.common.oidc_ca_file {
        None => None,
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| format!("reading STEWARD_OIDC_CA_FILE {}: {e}", path.display()))?;
            app::services::trust::issuers::IssuerKeys::new(
                Some(&pem),
                &cli.common.oidc_allow_networks,
            )?;
            Some(pem)
        }
    };
    let config = AppConfig {
        public_url: public_url.clone(),
        session_idle_secs: cli.common.session_idle_hours * 3600,
        session_max_secs: cli.common.session_max_days * 86_400,
        secret_key: cli
            .common
            .secret_key
            .as_deref()
            .map(app::auth::sealing::SealingKey::from_secret),
        notices: Default::default(),
        credential_cache_entries: cli.common.credential_cache_size(),
        webhook_policy: cli.common.webhook_allow_networks.clone(),
        issuer_policy: cli.common.oidc_allow_networks.clone(),
        oidc_ca_pem,
    };
    let state = AppState::new(db, config);
    let resealed = upgrade_sealed_secrets(&state)
        .await
        .map_err(|e| format!("re-sealing webhook signing secrets: {}", e.message()))?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "webhook signing secrets re-sealed to their organizations"
        );
    }

    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            println!("Database is up to date.");
            Ok(())
        }
        Command::Admin(AdminCommand::Create {
            org,
            email,
            name,
            password_stdin: _,
        }) => {
            let password = password_from_stdin()?;
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("admin").to_string());
            let meta = RequestMeta {
                ip: "local".into(),
                user_agent: Some("server admin create".into()),
                peer_ip: "local".into(),
                operation: "server admin create".into(),
            };
            let input = NewAdmin {
                org_slug: org.clone(),
                org_name: org,
                email,
                name,
                password,
            };
            let user = create_admin(&state, input, None, &meta)
                .await
                .map_err(|e| e.message().to_string())?;
            println!("Created administrator {} ({}).", user.email, user.id);
            Ok(())
        }
        Command::Seed {
            accounts,
            tokens,
            admin_email,
            password_stdin: _,
        } => {
            let started = std::time::Instant::now();
            let plan = SeedPlan {
                accounts,
                tokens,
                admin_email,
                admin_password: password_from_stdin()?,
            };
            let seeded = seed(&state, plan)
                .await
                .map_err(|e| e.message().to_string())?;
            println!(
                "Seeded organization '{}' with {accounts} service accounts and {tokens} tokens in {:.1?}.",
                seeded.organization_slug,
                started.elapsed()
            );
            println!("BUSY_ACCOUNT {}", seeded.busy_account_id);
            println!("READER_TOKEN {}", seeded.reader_token);
            println!("WRITER_TOKEN {}", seeded.writer_token);
            Ok(())
        }
        Command::Precompress { .. } => unreachable!("handled before the database is opened"),
        Command::Serve => {
            let router_config = RouterConfig {
                trusted_proxies: cli.common.trusted_proxies.clone(),
                sign_in_per_minute: cli.common.sign_in_limit_per_minute,
                metrics_token: cli.common.metrics_token.as_deref().map(MetricsToken::new),
            };
            let flush = Duration::from_secs(cli.common.usage_flush_secs);
            let notices = Duration::from_secs(cli.common.notice_interval_secs);
            serve(state, options, router_config, addr, (flush, notices)).await
        }
    }
}

async fn serve(
    state: AppState,
    options: LeptosOptions,
    router_config: RouterConfig,
    addr: SocketAddr,
    (flush, notices): (Duration, Duration),
) -> Result<(), String> {
    // Pages that load files that are not there never come to life: refuse, saying what to build.
    server::site_files::check(&options)?;
    let public_url = state.config.public_url.clone();
    if let Some(secret) = first_admin_setup_link(&state)
        .await
        .map_err(|e| e.message().to_string())?
    {
        println!(
            "No administrator exists yet. Create the first one here (valid for 24 hours, once):"
        );
        println!("    {public_url}/setup?token={secret}");
    }
    server::spawn_background_tasks(state.clone(), flush, notices);
    let app = server::build_router(state.clone(), options, router_config);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    println!("Steward is running at {public_url}");
    tracing::info!(%addr, "listening");
    serve_until_signal(listener, app, SHUTDOWN_GRACE).await;
    state.usage.flush(&state.db).await;
    tracing::info!("stopped");
    Ok(())
}

/// Compresses the site's files and says what it did; touches no database.
fn precompress(dir: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let report = server::precompress::precompress_dir(dir)
        .map_err(|e| format!("precompressing {}: {e}", dir.display()))?;
    let kb = |bytes: u64| bytes as f64 / 1000.0;
    println!(
        "Precompressed {} files in {:.1?} ({} already up to date, {} stale copies removed): \
         {:.0} KB raw, {:.0} KB brotli, {:.0} KB gzip.",
        report.compressed,
        started.elapsed(),
        report.up_to_date,
        report.removed,
        kb(report.raw_bytes),
        kb(report.brotli_bytes),
        kb(report.gzip_bytes)
    );
    Ok(())
}

/// A password piped in on standard input, without its line ending (it stays out of shell
/// history and process listings).
fn password_from_stdin() -> Result<String, String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("reading the password: {e}"))?;
    Ok(password.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn public_url_rules() {
        let any: std::net::SocketAddr = "0.0.0.0:3000".parse().unwrap();
        let local: std::net::SocketAddr = "127.0.0.1:3000".parse().unwrap();
        assert!(public_url(None, any)
            .unwrap_err()
            .contains("STEWARD_PUBLIC_URL"));
        assert_eq!(public_url(None, local).unwrap(), "http://127.0.0.1:3000");
        assert_eq!(
            public_url(Some("https://s.example/"), any).unwrap(),
            "https://s.example"
        );
        assert!(public_url(Some("s.example"), local).is_err());
    }
}
