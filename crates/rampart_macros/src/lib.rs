//! `#[derive(RuleMetadata)]`: turns a rule's doc comment and `#[rule(...)]`
//! attribute into its `RuleMeta`, so the documentation lives next to the code.
//!
//! ```ignore
//! /// ## What it does
//! /// Checks for privileged containers.
//! #[derive(RuleMetadata)]
//! #[rule(code = "PSB002", name = "privileged-container", severity = "critical",
//!        pss = "baseline:privileged", cis = "5.2.2", mitre = "T1611, T1610",
//!        nsa = "pod-security")]
//! pub struct PrivilegedContainer;
//! ```

use proc_macro::TokenStream;
use quote::quote;
use syn::{DeriveInput, Expr, ExprLit, Lit, LitStr, Meta, parse_macro_input};

#[proc_macro_derive(RuleMetadata, attributes(rule))]
pub fn derive_rule_metadata(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

#[derive(Default)]
struct RuleAttr {
    code: Option<LitStr>,
    name: Option<LitStr>,
    severity: Option<LitStr>,
    pss: Option<LitStr>,
    cis: Option<LitStr>,
    mitre: Option<LitStr>,
    nsa: Option<LitStr>,
    since: Option<LitStr>,
    opt_in: Option<LitStr>,
}

fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let doc = collect_doc(input);
    if doc.trim().is_empty() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a rule needs a doc comment: it is the rule's documentation",
        ));
    }
    for section in ["## What it does", "## Why is this bad?", "## Example"] {
        if !doc.contains(section) {
            return Err(syn::Error::new_spanned(
                &input.ident,
                format!("the rule's doc comment lacks the `{section}` section"),
            ));
        }
    }
    let attr = parse_rule_attr(input)?;
    let required = |value: Option<LitStr>, what: &str| {
        value.ok_or_else(|| {
            syn::Error::new_spanned(&input.ident, format!("#[rule(...)] needs `{what}`"))
        })
    };
    let code = required(attr.code, "code")?;
    let name = required(attr.name, "name")?;
    let severity_lit = required(attr.severity, "severity")?;
    let severity = match severity_lit.value().as_str() {
        "info" => quote!(Info),
        "low" => quote!(Low),
        "medium" => quote!(Medium),
        "high" => quote!(High),
        "critical" => quote!(Critical),
        other => {
            return Err(syn::Error::new_spanned(
                severity_lit,
                format!("unknown severity `{other}`"),
            ));
        }
    };
    let pss = match &attr.pss {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };
    let cis = split_list(attr.cis.as_ref());
    let mitre = split_list(attr.mitre.as_ref());
    let nsa = split_list(attr.nsa.as_ref());
    // Each slug names a constant in `registry::nsa`: an unknown one fails to compile.
    let nsa_sections: Vec<proc_macro2::Ident> = nsa
        .iter()
        .map(|slug| quote::format_ident!("{}", slug.to_uppercase().replace('-', "_")))
        .collect();
    let mut standards: Vec<String> = Vec::new();
    if let Some(pss) = &attr.pss {
        standards.push(format!("pss:{}", pss.value()));
    }
    standards.extend(cis.iter().map(|c| format!("cis-k8s:{c}")));
    standards.extend(mitre.iter().map(|m| format!("mitre:{m}")));
    standards.extend(nsa.iter().map(|n| format!("nsa:{n}")));
    let since = attr
        .since
        .map(|s| s.value())
        .unwrap_or_else(|| "0.1.0".into());
    let opt_in = attr.opt_in.is_some_and(|v| v.value() == "true");
    let summary = summary_of(&doc);
    let help = match help_of(&doc) {
        Some(help) => quote!(Some(#help)),
        None => quote!(None),
    };
    let ident = &input.ident;
    Ok(quote! {
        impl crate::registry::RuleMetadata for #ident {
            const META: crate::registry::RuleMeta = crate::registry::RuleMeta {
                code: #code,
                name: #name,
                summary: #summary,
                help: #help,
                documentation: #doc,
                severity: crate::registry::Severity::#severity,
                pss: #pss,
                cis: &[#(#cis),*],
                mitre: &[#(#mitre),*],
                nsa: &[#(crate::registry::nsa::#nsa_sections),*],
                standards: &[#(::std::borrow::Cow::Borrowed(#standards)),*],
                since: #since,
                opt_in: #opt_in,
            };
        }
    })
}

fn collect_doc(input: &DeriveInput) -> String {
    let mut lines = Vec::new();
    for attr in &input.attrs {
        if let Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            let line = s.value();
            lines.push(line.strip_prefix(' ').unwrap_or(&line).to_string());
        }
    }
    lines.join("\n").trim().to_string()
}

fn parse_rule_attr(input: &DeriveInput) -> syn::Result<RuleAttr> {
    let mut out = RuleAttr::default();
    for attr in &input.attrs {
        if !attr.path().is_ident("rule") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let value: LitStr = meta.value()?.parse()?;
            let slot = if meta.path.is_ident("code") {
                &mut out.code
            } else if meta.path.is_ident("name") {
                &mut out.name
            } else if meta.path.is_ident("severity") {
                &mut out.severity
            } else if meta.path.is_ident("pss") {
                &mut out.pss
            } else if meta.path.is_ident("cis") {
                &mut out.cis
            } else if meta.path.is_ident("mitre") {
                &mut out.mitre
            } else if meta.path.is_ident("nsa") {
                &mut out.nsa
            } else if meta.path.is_ident("since") {
                &mut out.since
            } else if meta.path.is_ident("opt_in") {
                &mut out.opt_in
            } else {
                return Err(meta.error("unknown rule attribute"));
            };
            *slot = Some(value);
            Ok(())
        })?;
    }
    Ok(out)
}

fn split_list(value: Option<&LitStr>) -> Vec<String> {
    value
        .map(|v| {
            v.value()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The first paragraph under "## What it does", joined into one line.
fn summary_of(doc: &str) -> String {
    let body = doc
        .split_once("## What it does")
        .map(|(_, rest)| rest)
        .unwrap_or(doc);
    body.lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first sentence of the "## Fix" section: the help line of every finding.
fn help_of(doc: &str) -> Option<String> {
    let (_, fix) = doc.split_once("## Fix")?;
    let paragraph: Vec<&str> = fix
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("```"))
        .collect();
    let text = paragraph.join(" ");
    let sentence = match text.find(". ") {
        Some(end) => &text[..=end],
        None => text.as_str(),
    };
    let sentence = sentence.trim();
    (!sentence.is_empty()).then(|| sentence.to_string())
}
