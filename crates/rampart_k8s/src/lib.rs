//! The Kubernetes object model: what an object is, where its pod template
//! lives, and whether its fields have the types the API server expects.
//!
//! Everything works on `serde_json::Value` plus JSON pointers, so the same code
//! serves manifests on disk (pointers become file spans), admission requests
//! and live cluster objects.

mod catalog;
mod object;
mod pointer;
mod schema;

pub use catalog::{BuiltinKind, PodTemplatePath, builtin_kind, is_builtin_group, suggest_kind};
pub use object::{ExtractProblem, Extracted, K8sObject, NotAnObject, PodTemplate, extract_objects};
pub use pointer::{escape_token, join_pointer};
pub use schema::{SchemaProblem, check_schema};
