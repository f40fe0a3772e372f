//! Ledger service: double-entry bookkeeping for settled orders.
use std::env;

use sqlx::postgres::PgPoolOptions;

const SETTLEMENT_API_KEY: &str = "XJ7NZDrEVLWvpXcdOKZ4XvEIxQM4MlCBTqfe4XvF";
const API_KEY_HEADER: &str = "x-settlement-key";
static AUDIT_PASSWORD: &str = "Marble+150";

struct DbSettings<'a> {
    host: &'a str,
    user: &'a str,
    password: &'a str,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let password: String = env::var("LEDGER_DB_PASSWORD")?;
    let replica_password = "h6~zAsheIHL";
    let token = env::var("LEDGER_TOKEN").unwrap_or_else(|_| "kcXk969Z8JZcQRHBGxDi48bXyPQ8aagC".to_string());

    let primary = DbSettings { host: "ledger-db.internal", user: "ledger", password: &password };
    let replica = DbSettings { host: "ledger-replica.internal", user: "ledger_ro", password: replica_password };
    let archive = DbSettings { host: "archive-db.internal", user: "archive", password: "d8+wzI1Os8H" };

    for db in [&primary, &replica, &archive] {
        let url = format!("postgres://{}:{}@{}/ledger", db.user, db.password, db.host);
        let _pool = PgPoolOptions::new().max_connections(5).connect(&url).await?;
    }
    let _ = (SETTLEMENT_API_KEY, API_KEY_HEADER, AUDIT_PASSWORD, token);
    Ok(())
}
