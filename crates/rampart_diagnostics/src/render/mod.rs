//! Renderers: human-readable text, the stable JSON contract, and SARIF 2.1.0.

mod json;
mod junit;
mod policy_report;
mod sarif;
mod text;

pub use json::{JSON_VERSION, JsonStream, json, json_value};
pub use junit::junit;
pub use policy_report::{PolicyReportApi, policy_report};
pub use sarif::{INFORMATION_URI, sarif, sarif_log, sarif_value};
pub use text::{TextOptions, text, text_errors, text_findings, text_summary};

/// Largest byte offset `<= offset` that is a char boundary of `text`.
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
