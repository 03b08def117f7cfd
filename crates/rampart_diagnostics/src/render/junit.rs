//! JUnit XML output, as CI systems read it (GitLab, Jenkins, GitHub test
//! reporters): one `<testsuite>` per file, one `<testcase>` per scanned
//! object, one `<failure>` per finding, one `<testcase>` with an `<error>` per
//! input error. Documented in `docs/output-formats.md`.
//!
//! Written by hand: the format is small and a writer crate would not spare the
//! one subtle part, replacing the characters XML 1.0 does not allow.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::{Finding, InputError, ObjectRef, Report};

/// One `<testcase>`: a scanned object and its findings, or an input error.
enum Case<'a> {
    Object {
        name: String,
        findings: Vec<&'a Finding>,
    },
    Error(&'a InputError),
}

impl Case<'_> {
    fn failed(&self) -> bool {
        matches!(self, Case::Object { findings, .. } if !findings.is_empty())
    }
}

/// The test cases of one file, objects first (in file order), then errors.
#[derive(Default)]
struct Suite<'a> {
    /// Index into `cases` of each object, so findings join their object.
    objects: BTreeMap<(String, Option<String>, Option<String>), usize>,
    cases: Vec<Case<'a>>,
}

impl<'a> Suite<'a> {
    fn object(&mut self, object: &ObjectRef, name: String) -> usize {
        let key = (
            object.kind.clone(),
            object.namespace.clone(),
            object.name.clone(),
        );
        *self.objects.entry(key).or_insert_with(|| {
            self.cases.push(Case::Object {
                name,
                findings: Vec::new(),
            });
            self.cases.len() - 1
        })
    }
}

/// Writes the report as a JUnit XML document.
///
/// `tests`, `failures` and `errors` count test cases: an object with three
/// findings is one failed test holding three `<failure>` elements, so that
/// `tests - failures - errors` is the number of clean objects.
pub fn junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<&str, Suite<'_>> = BTreeMap::new();
    for object in report.sorted_objects() {
        let object_ref = ObjectRef {
            kind: object.kind.clone().unwrap_or_default(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        };
        let name = case_name(&object_ref, &object.file);
        suites
            .entry(&object.file)
            .or_default()
            .object(&object_ref, name);
    }
    for finding in report.sorted_findings() {
        let file = finding.file.name();
        let suite = suites.entry(file).or_default();
        // A finding about no particular object belongs to the file itself.
        let object = finding.object.as_deref().cloned().unwrap_or(ObjectRef {
            kind: String::new(),
            namespace: None,
            name: None,
        });
        let name = case_name(&object, file);
        let index = suite.object(&object, name);
        if let Case::Object { findings, .. } = &mut suite.cases[index] {
            findings.push(finding);
        }
    }
    for error in report.sorted_errors() {
        suites
            .entry(&error.file)
            .or_default()
            .cases
            .push(Case::Error(error));
    }

    let count = |pred: fn(&Case<'_>) -> bool| -> usize {
        suites
            .values()
            .map(|s| s.cases.iter().filter(|c| pred(c)).count())
            .sum()
    };
    let tests = count(|_| true);
    let failures = count(|c| c.failed());
    let errors = count(|c| matches!(c, Case::Error(_)));

    let mut xml = String::with_capacity(4096);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"rampart\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">"
    );
    for (file, suite) in &suites {
        let tests = suite.cases.len();
        let failures = suite.cases.iter().filter(|c| c.failed()).count();
        let errors = suite
            .cases
            .iter()
            .filter(|c| matches!(c, Case::Error(_)))
            .count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"0\">",
            attr(file)
        );
        for case in &suite.cases {
            write_case(&mut xml, file, case);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// `Kind namespace/name`, `Kind name`; the file path for a finding about no object.
fn case_name(object: &ObjectRef, file: &str) -> String {
    if object.kind.is_empty() && object.name.is_none() && object.namespace.is_none() {
        return file.to_owned();
    }
    let name = object.to_string();
    if object.kind.is_empty() {
        name.trim_start().to_owned()
    } else {
        name
    }
}

fn write_case(xml: &mut String, file: &str, case: &Case<'_>) {
    match case {
        Case::Object { name, findings } => {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                attr(file),
                attr(name)
            );
            if findings.is_empty() {
                xml.push_str("/>\n");
                return;
            }
            xml.push_str(">\n");
            for finding in findings {
                let _ = writeln!(
                    xml,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    attr(&finding.rule),
                    attr(&finding.message),
                    text(&failure_text(finding))
                );
            }
            xml.push_str("    </testcase>\n");
        }
        Case::Error(error) => {
            let name = if error.line > 0 {
                format!("input error at {}:{}", error.line, error.column)
            } else {
                "input error".to_owned()
            };
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">",
                attr(file),
                attr(&name)
            );
            let _ = writeln!(
                xml,
                "      <error type=\"input-error\" message=\"{}\">{}: {}</error>",
                attr(&error.message),
                text(&location(&error.file, error.line, error.column)),
                text(&error.message)
            );
            xml.push_str("    </testcase>\n");
        }
    }
}

/// `file:line:col` (parts that are unknown, i.e. 0, left out).
fn location(file: &str, line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => file.to_owned(),
        (line, 0) => format!("{file}:{line}"),
        (line, column) => format!("{file}:{line}:{column}"),
    }
}

/// The body of a `<failure>`: where, which rule, what, how to fix, references.
fn failure_text(finding: &Finding) -> String {
    let start = finding.start();
    let mut text = format!(
        "{}: {} {} ({})\n{}",
        finding.cluster_location().unwrap_or_else(|| location(
            finding.file.name(),
            start.line,
            start.column
        )),
        finding.rule,
        finding.rule_name,
        finding.severity,
        finding.message
    );
    if let Some(container) = &finding.container {
        let _ = write!(text, "\ncontainer: {container}");
    }
    if let Some(help) = &finding.help {
        let _ = write!(text, "\nhelp: {help}");
    }
    if !finding.standards.is_empty() {
        let _ = write!(text, "\nstandards: {}", finding.standards.join(", "));
    }
    if let Some(source) = &finding.helm_source {
        let _ = write!(text, "\nhelm source: {source}");
    }
    text
}

/// Whether XML 1.0 allows `c` at all (`Char` production, minus the line
/// breaks and tab handled by the callers).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes an attribute value; line breaks and tabs become character
/// references so that attribute-value normalization keeps them.
fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
    out
}

/// Escapes character data; `\r` becomes a reference (a parser would turn a
/// literal one into `\n`).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_characters() {
        assert_eq!(
            attr("a<b>&\"c'\t\n\r"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#9;&#10;&#13;"
        );
        assert_eq!(text("]]> & <x>\r\n"), "]]&gt; &amp; &lt;x&gt;&#13;\n");
        assert_eq!(
            text("\u{1b}[31m\u{0}\u{FFFE}"),
            "\u{FFFD}[31m\u{FFFD}\u{FFFD}"
        );
        assert_eq!(attr("\u{7}é📈"), "\u{FFFD}é📈");
    }

    #[test]
    fn locations_leave_out_unknown_parts() {
        assert_eq!(location("a.yaml", 0, 0), "a.yaml");
        assert_eq!(location("a.yaml", 3, 0), "a.yaml:3");
        assert_eq!(location("a.yaml", 3, 7), "a.yaml:3:7");
    }
}
