//! Pod Security Standards checks, one rule per file. Each file holds the
//! rule's metadata and documentation, the check's versioned definitions and
//! its evaluation functions. The plumbing (levels, versions, overrides,
//! aggregation) is in [`crate::pss`].

mod allow_privilege_escalation;
mod apparmor_profile;
mod capabilities_not_dropped;
mod host_namespaces;
mod host_path_volume;
mod host_port;
mod host_probe_or_lifecycle;
mod non_default_capabilities;
mod privileged_container;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volume_type;
mod run_as_non_root;
mod run_as_root_user;
mod seccomp_profile_baseline;
mod seccomp_profile_restricted;
mod selinux_options;
mod unsafe_sysctls;
mod windows_host_process;

pub use allow_privilege_escalation::AllowPrivilegeEscalation;
pub use apparmor_profile::AppArmorProfile;
pub use capabilities_not_dropped::CapabilitiesNotDropped;
pub use host_namespaces::HostNamespaces;
pub use host_path_volume::HostPathVolume;
pub use host_port::HostPort;
pub use host_probe_or_lifecycle::HostProbeOrLifecycle;
pub use non_default_capabilities::NonDefaultCapabilities;
pub use privileged_container::PrivilegedContainer;
pub use proc_mount::ProcMount;
pub use proc_mount_restricted::ProcMountRestricted;
pub use restricted_volume_type::RestrictedVolumeType;
pub use run_as_non_root::RunAsNonRoot;
pub use run_as_root_user::RunAsRootUser;
pub use seccomp_profile_baseline::SeccompProfileBaseline;
pub use seccomp_profile_restricted::SeccompProfileRestricted;
pub use selinux_options::SeLinuxOptions;
pub use unsafe_sysctls::UnsafeSysctls;
pub use windows_host_process::WindowsHostProcess;

use crate::pss::Check;
use crate::registry::RuleMeta;

/// Every check in upstream evaluation order: baseline check IDs sorted
/// byte-wise, then restricted check IDs sorted byte-wise (SPEC §2).
pub static CHECKS: &[&Check] = &[
    // baseline
    &apparmor_profile::CHECK,
    &non_default_capabilities::CHECK,
    &host_namespaces::CHECK,
    &host_path_volume::CHECK,
    &host_port::CHECK,
    &host_probe_or_lifecycle::CHECK,
    &privileged_container::CHECK,
    &proc_mount::CHECK,
    &selinux_options::CHECK,
    &seccomp_profile_baseline::CHECK,
    &unsafe_sysctls::CHECK,
    &windows_host_process::CHECK,
    // restricted
    &allow_privilege_escalation::CHECK,
    &capabilities_not_dropped::CHECK,
    &proc_mount_restricted::CHECK,
    &restricted_volume_type::CHECK,
    &run_as_non_root::CHECK,
    &run_as_root_user::CHECK,
    &seccomp_profile_restricted::CHECK,
];

/// The rules' metadata, in the same order as [`CHECKS`].
pub static RULES: [&RuleMeta; 19] = {
    let mut rules: [&RuleMeta; 19] = [CHECKS[0].rule; 19];
    let mut i = 0;
    while i < 19 {
        rules[i] = CHECKS[i].rule;
        i += 1;
    }
    rules
};

/// Everything a check file needs.
mod prelude {
    pub(super) use crate::pss::cel::{
        CelExemptions, CelPrivilege, USER_NAMESPACED_POD, WINDOWS_FOR_PRIVILEGES, WINDOWS_POD, and,
        container_sc_has, has_path, or, pod_sc_has, quote, string_list, unless, value_or,
    };
    pub(super) use crate::pss::check::{Check, CheckDefinition, Failure};
    pub(super) use crate::pss::format::{
        containers_phrase, go_quote, plural, quote_list, setters, sorted_unique, volumes_phrase,
    };
    pub(super) use crate::pss::pod::{
        Container, Pod, annotation_pointer, child, flag, is_zero, list, number, number_text, text,
    };
    pub(super) use crate::pss::{Level, Offender};
    pub(super) use crate::registry::RuleMetadata;
    pub(super) use rampart_macros::RuleMetadata;
}
