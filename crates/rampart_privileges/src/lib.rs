//! Why node agents hold their privileges.
//!
//! - [`profile`]: the knowledge base's schema (one YAML profile per agent);
//! - [`knowledge`]: loading built-in and user profiles;
//! - [`inventory`]: every privilege a workload holds, with where it is;
//! - [`explain`]: each privilege judged explained, unexplained or broader than needed;
//! - [`trim`]: the least-privilege manifest for the features a user keeps.

pub mod knowledge;
pub mod profile;

pub use knowledge::{KnowledgeBase, ProfileError};
pub mod analysis;
pub mod explain;
pub mod inventory;
pub mod report;
pub mod scan;
pub mod trim;
