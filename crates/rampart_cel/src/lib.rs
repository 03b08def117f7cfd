//! rampart's admission policy as native Kubernetes ValidatingAdmissionPolicy:
//! the Pod Security checks and the scoped exceptions of `rampart.yaml` in
//! CEL ([`policy`]), YAML output ([`yaml`]), and an evaluator that judges
//! requests with the generated policies through kube-cel ([`evaluate`]).

pub mod evaluate;
pub mod exemptions;
pub mod glob;
pub mod policy;
pub mod yaml;

pub use evaluate::{Evaluator, Outcome, Request};
pub use policy::{Compiled, FailurePolicy, Shape, VapOptions, compile};
