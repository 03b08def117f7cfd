//! The admission webhook's engine: an AdmissionReview v1 request in, a
//! response out, judged by the same checks as `rampart scan` (Pod Security
//! Standards, posture rules, privilege exceptions from `rampart.yaml`).
//!
//! As Pod Security Admission does, `enforce` denies only Pods (and the
//! ephemeral-containers subresource); workload controllers get warnings and
//! audit annotations for their pod template. Pod updates that change only
//! metadata, `activeDeadlineSeconds`, `tolerations` or container images are
//! not re-judged.
//!
//! Each namespace's levels come from `rampart.yaml`, the namespace's
//! `pod-security.kubernetes.io/*` labels (read from a cache of the cluster's
//! namespaces, [`cluster`]) and the command line ([`policy`]). Namespace
//! requests are always allowed, with warnings when those labels change
//! ([`namespaces`]).

pub mod cluster;
pub mod namespaces;
pub mod policy;
pub mod review;
pub mod server;

pub use review::{Engine, Mode, ReviewError, review};
