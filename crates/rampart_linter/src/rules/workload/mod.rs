//! Pod and container posture rules beyond the Pod Security Standards: what is
//! risky, why, and what to change. Each finding names its container.

mod dangerous_capabilities;

pub use dangerous_capabilities::DangerousCapabilities;

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[&DangerousCapabilities];
