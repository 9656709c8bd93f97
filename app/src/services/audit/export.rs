//! Exporting the audit log as a stream: records are read in keyset batches and written out as
//! they come, so an export of any size holds one batch in memory, never the whole log.

use crate::domain::{ApiError, AuditEvent, ExportFormat};
use crate::services::audit::{filter, to_api, AuditQuery};
use crate::services::Caller;
use crate::state::AppState;
use crate::store::AuditCursor;
use futures::stream::{self, Stream};

/// Records read per batch.
const BATCH: i64 = 500;

const CSV_HEADER: [&str; 13] = [
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "token_id",
    "action",
    "target_kind",
    "target_id",
    "target_name",
    "ip",
    "user_agent",
    "outcome",
];

/// Where a running export stands.
struct Progress {
    cursor: Option<AuditCursor>,
    header_written: bool,
    done: bool,
}

/// The export of everything `q` selects in the caller's organization, as a stream of chunks
/// of the file. The filter is checked before the first byte, so a bad one is a clean 422.
pub fn export(
    state: AppState,
    caller: &Caller,
    q: AuditQuery,
    format: ExportFormat,
) -> Result<impl Stream<Item = Result<Vec<u8>, ApiError>> + Send + 'static, ApiError> {
    let f = filter(&q, BATCH, 0)?;
    let org = caller.principal.organization.id.clone();
    let start = Progress {
        cursor: None,
        header_written: false,
        done: false,
    };
    Ok(stream::try_unfold(start, move |mut progress| {
        let (state, org, f) = (state.clone(), org.clone(), f.clone());
        async move {
            if progress.done {
                return Ok(None);
            }
            let rows = state
                .db
                .audit_batch(&org, &f, progress.cursor.as_ref(), BATCH)
                .await?;
            progress.done = (rows.len() as i64) < BATCH;
            progress.cursor = rows.last().map(|r| (r.at, r.id.clone()));
            let events: Vec<AuditEvent> = rows.into_iter().map(to_api).collect();
            let chunk = match format {
                ExportFormat::Csv => csv_chunk(&events, !progress.header_written)?,
                ExportFormat::Jsonl => jsonl_chunk(&events),
            };
            progress.header_written = true;
            Ok(Some((chunk, progress)))
        }
    }))
}

fn jsonl_chunk(events: &[AuditEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        if serde_json::to_writer(&mut out, e).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

fn csv_chunk(events: &[AuditEvent], with_header: bool) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "writing the audit export");
        ApiError::internal()
    };
    if with_header {
        w.write_record(CSV_HEADER).map_err(fail)?;
    }
    for e in events {
        let cells = [
            Some(e.id.as_str()),
            Some(e.at.as_str()),
            Some(e.actor_kind.as_str()),
            e.actor_id.as_deref(),
            Some(e.actor_name.as_str()),
            e.token_id.as_deref(),
            Some(e.action.as_str()),
            e.target_kind.as_deref(),
            e.target_id.as_deref(),
            e.target_name.as_deref(),
            e.ip.as_deref(),
            e.user_agent.as_deref(),
            Some(e.outcome.as_str()),
        ];
        w.write_record(cells.iter().map(|c| defuse(c.unwrap_or("")).into_owned()))
            .map_err(fail)?;
    }
    w.into_inner().map_err(|e| fail(e.into_error().into()))
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
/// a formula; a leading apostrophe makes it text. (Quoting is the csv writer's job.)
fn defuse(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_quoting_is_right() {
        assert_eq!(defuse("plain"), "plain");
        for risky in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"] {
            assert!(defuse(risky).starts_with('\''), "{risky:?}");
        }
        let event = AuditEvent {
            id: "aud_1".into(),
            at: "2026-11-22T09:30:00Z".into(),
            actor_kind: "user".into(),
            actor_id: None,
            actor_name: "=HYPERLINK(\"x\")".into(),
            token_id: None,
            action: "auth.sign_in".into(),
            target_kind: None,
            target_id: None,
            target_name: Some("a,b".into()),
            ip: Some("127.0.0.1".into()),
            user_agent: Some("say \"hi\"".into()),
            outcome: "failure".into(),
        };
        let text = String::from_utf8(csv_chunk(&[event], true).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), CSV_HEADER.join(","));
        let row = lines.next().unwrap();
        assert!(row.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{row}");
        assert!(row.contains("\"a,b\""), "{row}");
        assert!(row.contains("\"say \"\"hi\"\"\""), "{row}");
    }
}
