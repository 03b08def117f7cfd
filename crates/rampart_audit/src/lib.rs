//! Threat detection on Kubernetes audit logs: a borrowed model of
//! `audit.k8s.io` events ([`event`]), detections in the style of the
//! posture rules ([`detections`]), user detections in YAML ([`custom`]), and
//! a streaming, parallel engine with bounded memory ([`engine`]).

pub mod custom;
pub mod detections;
pub mod engine;
pub mod event;
pub mod follow;
pub mod forward;
pub mod input;
pub mod meta;
pub mod output;
pub mod pod;
pub mod receiver;
pub mod signal;
pub mod spool;
pub mod time;

pub use engine::{Engine, State, Stats};
pub use signal::Signal;
