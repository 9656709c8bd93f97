//! Reads at scale: `server seed`'s data (refused on a database with people in it), and the
//! service-account list paged through thousands of accounts in every order, including the
//! deep pages the store reads from the other end, against an order the test asks SQL for.

use crate::common::{self, Backend, TestApp};
use app::services::seed::{seed, SeedPlan, BUSY_ACCOUNT_TOKENS};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    seed_refuses_a_database_with_people_in_it,
    every_page_of_a_long_list_follows_the_order,
);

fn plan(accounts: usize, tokens: usize) -> SeedPlan {
    SeedPlan {
        accounts,
        tokens,
        admin_email: "bench@example.test".into(),
        admin_password: "a benchmark password".into(),
    }
}

async fn seed_refuses_a_database_with_people_in_it(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let e = seed(&app.state, plan(10, 10)).await.unwrap_err();
    assert_eq!(e.status_code(), 409);
    assert_eq!(e.field(), Some("database"));
    assert!(e.message().contains("empty database"), "{}", e.message());
    assert_eq!(app.count("SELECT COUNT(*) FROM service_accounts").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 1);
}

async fn every_page_of_a_long_list_follows_the_order(b: Backend) {
    let app = TestApp::spawn(b).await;
    let accounts = 2_100;
    let seeded = seed(&app.state, plan(accounts, accounts + 100))
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tokens").await,
        accounts as i64 + 100
    );
    let reader = app.script(&seeded.reader_token);
    let busy = reader
        .post(
            "/api/v1/service-accounts/get",
            json!({"id": seeded.busy_account_id}),
        )
        .await;
    busy.assert_status(StatusCode::OK);
    assert_eq!(
        busy.body["tokens"].as_array().unwrap().len(),
        BUSY_ACCOUNT_TOKENS
    );

    // Each order the API offers, and the same order asked of SQL directly. No usage was
    // counted, so "most used" falls back to the name.
    let orders = [
        ("name", "name ASC"),
        ("-name", "name DESC"),
        ("created", "created_at ASC, name ASC"),
        ("-created", "created_at DESC, name ASC"),
        ("-last_used", "last_used_at DESC NULLS LAST, name ASC"),
        ("-requests", "name ASC"),
    ];
    for (sort, sql_order) in orders {
        let expected = app
            .texts(&format!(
                "SELECT name FROM service_accounts ORDER BY {sql_order}"
            ))
            .await;
        let mut listed = Vec::new();
        // Pages past offset 1,000 are counted first and the later half read from the end.
        for page in 1..=11 {
            let r = reader
                .post(
                    "/api/v1/service-accounts/list",
                    json!({"sort": sort, "page": page, "per_page": 200}),
                )
                .await;
            r.assert_status(StatusCode::OK);
            assert_eq!(r.body["total"], accounts);
            let names = common::item_names(&r.body);
            assert_eq!(
                names.len(),
                if page == 11 { 100 } else { 200 },
                "{sort} page {page}"
            );
            listed.extend(names.into_iter().map(str::to_string));
        }
        assert_eq!(listed, expected, "sort {sort}");
    }

    // Past the end: an empty page that still says how many there are.
    let r = reader
        .post(
            "/api/v1/service-accounts/list",
            json!({"page": 12, "per_page": 200}),
        )
        .await;
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(r.body["total"], accounts);

    // A search and a role filter deep into their own results.
    let r = reader
        .post(
            "/api/v1/service-accounts/list",
            json!({"query": "deploy", "role": "editor", "per_page": 10, "page": 2}),
        )
        .await;
    let expected = app
        .texts(
            "SELECT name FROM service_accounts WHERE name LIKE '%deploy%' AND role = 'editor' \
             ORDER BY name LIMIT 10 OFFSET 10",
        )
        .await;
    let names = common::item_names(&r.body);
    assert_eq!(names, expected);
    assert!(!names.is_empty());
}
