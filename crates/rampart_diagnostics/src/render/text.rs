//! Human-readable output in the style of rustc and ruff.

use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::{
    AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet, normalize_untrusted_str,
};
use rampart_source::{SourceFile, TextRange};

use super::floor_char_boundary;
use crate::{Finding, InputError, Report, Severity, Summary};

/// A snippet spanning more lines than this shows only its first line.
const MAX_SNIPPET_LINES: usize = 6;
/// Snippets larger than this (e.g. minified one-line files) are not shown.
const MAX_SNIPPET_BYTES: usize = 16 * 1024;

/// Options for [`text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextOptions {
    /// Use ANSI colors.
    pub color: bool,
    /// Show the annotated source lines (otherwise only `--> file:line:col`).
    pub show_snippets: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            color: false,
            show_snippets: true,
        }
    }
}

/// Writes every finding, then every input error, then a one-line summary.
pub fn text(report: &Report, options: &TextOptions, out: &mut dyn Write) -> io::Result<()> {
    text_findings(report, options, out)?;
    text_errors(report, options, out)?;
    text_summary(&report.summary(), options, out)
}

fn renderer(options: &TextOptions) -> Renderer {
    if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// Writes the findings of `report` only (for output streamed in parts).
pub fn text_findings(
    report: &Report,
    options: &TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = renderer(options);
    for finding in report.sorted_findings() {
        let group = finding_group(finding, options);
        writeln!(out, "{}\n", renderer.render(&[group]))?;
    }
    Ok(())
}

/// Writes the input errors of `report` only.
pub fn text_errors(report: &Report, options: &TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = renderer(options);
    for error in report.sorted_errors() {
        let group = error_group(error, options);
        writeln!(out, "{}\n", renderer.render(&[group]))?;
    }
    Ok(())
}

/// Writes the one-line summary.
pub fn text_summary(
    summary: &Summary,
    options: &TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if options.color {
        writeln!(out, "\x1b[1m{summary}\x1b[0m")
    } else {
        writeln!(out, "{summary}")
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Low => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn finding_group(finding: &Finding, options: &TextOptions) -> Group<'static> {
    let title_level = if finding.is_note() {
        Level::NOTE
    } else {
        level(finding.severity)
    };
    let title = title_level
        .primary_title(clean(&finding.message))
        .id(clean(&finding.rule));
    let mut elements: Vec<Element<'static>> = Vec::new();
    match finding.cluster_location() {
        // A live object's source is only a rendering: name the object and field.
        Some(place) => elements.push(Origin::path(clean(&place)).into()),
        None => elements.push(location(
            &finding.file,
            finding.range,
            Some(clean(&finding.rule_name)),
            options,
        )),
    }
    if let Some(help) = &finding.help {
        elements.push(Level::HELP.message(clean(help)).into());
    }
    let context = context_note(finding);
    if !context.is_empty() {
        elements.push(Level::NOTE.message(clean(&context)).into());
    }
    if let Some(explanation) = &finding.explanation {
        let note = format!("explained ({}): {}", explanation.profile, explanation.text);
        elements.push(Level::NOTE.message(clean(&note)).into());
    }
    if let Some(source) = &finding.helm_source {
        let note = format!("rendered from Helm template {source}");
        elements.push(Level::NOTE.message(clean(&note)).into());
    }
    title.elements(elements)
}

/// `DaemonSet ns/name, container "agent"; pss:baseline:privileged, cis-k8s:5.2.2`.
fn context_note(finding: &Finding) -> String {
    let mut note = String::new();
    if let Some(object) = &finding.object
        && !finding.is_cluster()
    {
        note.push_str(&object.to_string());
    }
    if let Some(container) = &finding.container {
        if !note.is_empty() {
            note.push_str(", ");
        }
        note.push_str(&format!("container \"{container}\""));
    }
    if !finding.standards.is_empty() {
        if !note.is_empty() {
            note.push_str("; ");
        }
        note.push_str(&finding.standards.join(", "));
    }
    note
}

fn error_group(error: &InputError, options: &TextOptions) -> Group<'static> {
    let title = Level::ERROR.primary_title(clean(&error.message));
    let element = match &error.source {
        Some((file, _)) if file.is_cluster() => origin(file.name(), 0, 0),
        Some((file, range)) => location(file, *range, None, options),
        None => origin(&error.file, error.line, error.column),
    };
    title.element(element)
}

/// A snippet of the lines around `range`, or a bare `--> file:line:col`.
fn location(
    file: &SourceFile,
    range: TextRange,
    label: Option<String>,
    options: &TextOptions,
) -> Element<'static> {
    if options.show_snippets
        && let Some(window) = window(file, range)
    {
        let annotation = AnnotationKind::Primary.span(window.span).label(label);
        return Snippet::source(window.source)
            .line_start(window.line_start)
            .path(clean(file.name()))
            .annotation(annotation)
            .into();
    }
    let position = file.position(range.start);
    origin(file.name(), position.line, position.column)
}

fn origin(file: &str, line: usize, column: usize) -> Element<'static> {
    let mut origin = Origin::path(clean(file));
    if line > 0 {
        origin = origin.line(line);
        if column > 0 {
            origin = origin.char_column(column);
        }
    }
    origin.into()
}

/// The source lines covering a range, without line terminators.
#[derive(Debug, PartialEq, Eq)]
struct Window {
    source: String,
    /// 1-based line number of the first line in `source`.
    line_start: usize,
    /// Byte range of the annotation within `source`.
    span: Range<usize>,
}

/// Cuts the lines covering `range` out of `file`, so that the snippet renderer
/// never sees more than a few lines, whatever the size of the file.
fn window(file: &SourceFile, range: TextRange) -> Option<Window> {
    let text = file.text();
    let index = file.index();
    let start = floor_char_boundary(text, range.start);
    let end = floor_char_boundary(text, range.end).max(start);
    let start_line = file.position(start).line;
    let mut end_line = file.position(end).line;
    // A range ending right after a newline ends on the previous line.
    if end > start && end_line > start_line && index.line_start(end_line) == Some(end) {
        end_line -= 1;
    }
    let clipped = end_line - start_line >= MAX_SNIPPET_LINES;
    if clipped {
        end_line = start_line;
    }
    let mut source = String::new();
    let mut span = 0..0;
    for line in start_line..=end_line {
        let line_start = index.line_start(line)?;
        let line_end = index.line_start(line + 1).unwrap_or(text.len());
        let raw = text.get(line_start..line_end)?;
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content);
        if source.len() + content.len() > MAX_SNIPPET_BYTES {
            return None;
        }
        if line > start_line {
            source.push('\n');
        }
        let base = source.len();
        if line == start_line {
            span.start = base + start.saturating_sub(line_start).min(content.len());
        }
        if line == end_line {
            span.end = if clipped {
                base + content.len()
            } else {
                base + end.saturating_sub(line_start).min(content.len())
            };
        }
        source.push_str(content);
    }
    span.end = span.end.max(span.start);
    Some(Window {
        source,
        line_start: start_line,
        span,
    })
}

/// Replaces control characters that could garble a terminal.
fn clean(text: &str) -> String {
    normalize_untrusted_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_of(text: &str, needle: &str) -> Window {
        let file = SourceFile::new("f.yaml", text);
        let start = text.find(needle).unwrap();
        window(&file, TextRange::new(start, start + needle.len())).unwrap()
    }

    #[test]
    fn window_is_only_the_covered_line() {
        let w = window_of("a: 1\nb: 2\nc: 3\n", "b: 2");
        assert_eq!(w.source, "b: 2");
        assert_eq!(w.line_start, 2);
        assert_eq!(w.span, 0..4);
    }

    #[test]
    fn window_strips_crlf() {
        let w = window_of("a: 1\r\nb: x\r\nc: 3\r\n", "b: x\r\nc: 3");
        assert_eq!(w.source, "b: x\nc: 3");
        assert_eq!(w.line_start, 2);
        assert_eq!(w.span, 0..9);
    }

    #[test]
    fn range_ending_after_newline_stays_on_its_line() {
        let w = window_of("a: 1\nb: 2\nc: 3\n", "b: 2\n");
        assert_eq!(w.source, "b: 2");
        assert_eq!(w.span, 0..4);
    }

    #[test]
    fn long_multi_line_ranges_are_clipped_to_the_first_line() {
        let text = "spec:\n".to_owned() + &"  x: 1\n".repeat(50);
        let file = SourceFile::new("f.yaml", text.as_str());
        let w = window(&file, TextRange::new(0, text.len())).unwrap();
        assert_eq!(w.source, "spec:");
        assert_eq!(w.span, 0..5);
    }

    #[test]
    fn huge_lines_have_no_window() {
        let text = format!("k: {}\n", "x".repeat(100_000));
        let file = SourceFile::new("f.yaml", text.as_str());
        assert!(window(&file, TextRange::new(3, 10)).is_none());
    }

    #[test]
    fn out_of_range_and_mid_char_offsets_are_clamped() {
        let text = "k: é\n";
        let file = SourceFile::new("f.yaml", text);
        let w = window(&file, TextRange::new(4, 99)).unwrap();
        assert_eq!(w.source, "k: é");
        assert_eq!(w.span, 3..5);
    }
}
