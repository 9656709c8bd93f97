//! The command line: `serve` (default), `migrate`, `admin create`. Every flag also reads an
//! environment variable, so containers can be configured either way.

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
    /// Hours a browser session survives without use.
    #[arg(
        long,
        env = "STEWARD_SESSION_IDLE_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_idle_hours: i64,
    /// Seconds between writes of batched last-used records.
    #[arg(
        long,
        env = "STEWARD_USAGE_FLUSH_SECS",
        default_value_t = 5,
        global = true
    )]
    pub usage_flush_secs: u64,
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
