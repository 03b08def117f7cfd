//! Control plane and namespace rules: kube-apiserver flags, EncryptionConfiguration, KubeletConfiguration, Pod Security labels.

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[];
