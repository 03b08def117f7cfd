//! Runtime detection on nodes: eBPF collection ([`probe`]), container
//! attribution ([`container`], [`pods`]), a process table and detections
//! ([`engine`], [`detections`], user detections in [`custom`]), and the
//! signals they raise ([`signal`]).

pub mod clock;
pub mod config;
pub mod container;
pub mod custom;
pub mod detections;
pub mod engine;
pub mod event;
pub mod metrics;
pub mod pods;
#[cfg(all(target_os = "linux", feature = "bpf"))]
pub mod probe;
pub mod procfs;
pub mod signal;

pub use config::SensorConfig;
pub use engine::Engine;
pub use event::Event;
pub use signal::Signal;
