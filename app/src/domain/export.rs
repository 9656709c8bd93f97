//! The file formats the audit log can be exported in.

use super::ApiError;
use serde::{Deserialize, Serialize};

/// An audit export's format: CSV for spreadsheets, JSON Lines for log pipelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    /// Exactly `csv` or `jsonl`; 422 on `field` for anything else.
    pub fn parse(field: &str, input: &str) -> Result<ExportFormat, ApiError> {
        match input {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            _ => Err(ApiError::invalid(field, "Format must be csv or jsonl.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }

    /// The name a browser saves the export under.
    pub fn filename(self) -> String {
        format!("steward-audit.{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_formats_only() {
        assert_eq!(
            ExportFormat::parse("format", "csv").unwrap(),
            ExportFormat::Csv
        );
        assert_eq!(
            ExportFormat::parse("format", "jsonl").unwrap(),
            ExportFormat::Jsonl
        );
        // A closed set, taken exactly as the API document lists it.
        for bad in ["xlsx", " jsonl", ""] {
            assert_eq!(
                ExportFormat::parse("format", bad).unwrap_err().field(),
                Some("format")
            );
        }
    }
}
