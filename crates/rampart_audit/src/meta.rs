//! What a detection is: code, name, severity, ATT&CK techniques and its
//! documentation (the doc comment of its type, kept by [`detection!`]).

use rampart_diagnostics::Severity;

/// A detection's metadata.
#[derive(Debug, Clone, Copy)]
pub struct DetectionMeta {
    /// Stable code, e.g. `KA001`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `pod-exec`.
    pub name: &'static str,
    pub severity: Severity,
    /// MITRE ATT&CK technique IDs.
    pub mitre: &'static [&'static str],
    /// A rule this one derives from, and its author, named in every signal
    /// (Sigma's DRL 1.1 asks for it).
    pub derived_from: Option<(&'static str, &'static str)>,
    /// The Markdown documentation: what, why, ATT&CK, false positives.
    pub documentation: &'static str,
}

impl DetectionMeta {
    /// The documentation as Markdown (the doc comment without its one-space indent).
    pub fn markdown(&self) -> String {
        let mut out = String::with_capacity(self.documentation.len());
        for line in self.documentation.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first paragraph of "What it does", on one line.
    pub fn summary(&self) -> String {
        let text = self
            .documentation
            .split_once("## What it does")
            .map_or(self.documentation, |(_, rest)| rest);
        let paragraph = text
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty());
        paragraph.collect::<Vec<_>>().join(" ")
    }
}

/// Declares a detection type whose doc comment is its documentation:
///
/// ```text
/// detection! {
///     /// ## What it does
///     /// ...
///     PodExec { code: "KA001", name: "pod-exec", severity: High, mitre: ["T1609"] }
/// }
/// ```
#[macro_export]
macro_rules! detection {
    (
        $(#[doc = $doc:expr])*
        $vis:vis $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            severity: $severity:ident,
            mitre: [$($mitre:literal),* $(,)?]
            $(, derived_from: ($rule:literal, $author:literal))?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::meta::DetectionMeta = $crate::meta::DetectionMeta {
                code: $code,
                name: $kebab,
                severity: ::rampart_diagnostics::Severity::$severity,
                mitre: &[$($mitre),*],
                derived_from: $crate::detection!(@derived $(($rule, $author))?),
                documentation: concat!($($doc, "\n"),*),
            };
        }
    };
    (@derived) => { None };
    (@derived ($rule:literal, $author:literal)) => { Some(($rule, $author)) };
}
