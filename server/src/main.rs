//! `server`: runs Steward, migrates its database, or creates an administrator.

use app::services::authentication::{create_admin, first_admin_setup_link, NewAdmin};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::Db;
use clap::Parser;
use leptos::prelude::*;
use server::cli::{AdminCommand, Cli, Command};
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
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let conf = get_configuration(None).map_err(|e| format!("reading Leptos configuration: {e}"))?;
    let options = conf.leptos_options;
    let addr: SocketAddr = options.site_addr;
    let public_url = cli
        .common
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let db = Db::connect(&cli.common.database_url)
        .await
        .map_err(|e| format!("connecting to the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migrating the database: {e}"))?;
    let config = AppConfig {
        public_url: public_url.clone(),
        session_idle_secs: cli.common.session_idle_hours * 3600,
    };
    let state = AppState::new(db, config);

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
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("reading the password: {e}"))?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("admin").to_string());
            let meta = RequestMeta {
                ip: "local".into(),
                user_agent: Some("server admin create".into()),
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
        Command::Serve => {
            serve(
                state,
                options,
                addr,
                public_url,
                Duration::from_secs(cli.common.usage_flush_secs.max(1)),
            )
            .await
        }
    }
}

async fn serve(
    state: AppState,
    options: LeptosOptions,
    addr: SocketAddr,
    public_url: String,
    flush: Duration,
) -> Result<(), String> {
    if let Some(secret) = first_admin_setup_link(&state)
        .await
        .map_err(|e| e.message().to_string())?
    {
        println!(
            "No administrator exists yet. Create the first one here (valid for 24 hours, once):"
        );
        println!("    {public_url}/setup?token={secret}");
    }
    server::spawn_background_tasks(state.clone(), flush);
    let app = server::build_router(state.clone(), options);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    println!("Steward is running at {public_url}");
    tracing::info!(%addr, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| format!("server error: {e}"))?;
    state.usage.flush(&state.db).await;
    Ok(())
}
