use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers without `--encryption-provider-config`
/// (or with an empty value).
///
/// ## Why is this bad?
/// Without an encryption configuration the API server writes Secrets to etcd
/// as plain data (base64 is not encryption). Anyone who reads etcd, its
/// backups or snapshots, or the disk of a control-plane node, reads every
/// Secret of the cluster. Managed Kubernetes services encrypt etcd their own
/// way and do not show this pod.
///
/// Which providers the file configures matters too: see CP007.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --etcd-servers=https://127.0.0.1:2379
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --etcd-servers=https://127.0.0.1:2379
///     - --encryption-provider-config=/etc/kubernetes/enc/encryption.yaml
/// ```
///
/// ## Fix
/// Write an EncryptionConfiguration that encrypts `secrets` with a KMS v2 or `secretbox` provider, pass it with `--encryption-provider-config`, then rewrite existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.27: ensure that the `--encryption-provider-config` argument is set as appropriate
/// - MITRE ATT&CK: [T1552 Unsecured Credentials](https://attack.mitre.org/techniques/T1552/)
/// - [Encrypting confidential data at rest](https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/)
#[derive(RuleMetadata)]
#[rule(
    code = "CP003",
    name = "apiserver-encryption-at-rest",
    severity = "medium",
    cis = "1.2.27",
    mitre = "T1552",
    nsa = "encryption"
)]
pub struct ApiserverEncryptionAtRest;

impl ObjectRule for ApiserverEncryptionAtRest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            if server.is_set("encryption-provider-config") {
                continue;
            }
            let pointer = server
                .last("encryption-provider-config")
                .map_or_else(|| server.missing_pointer.clone(), |f| f.pointer.clone());
            out.push(
                Violation::new(
                    pointer,
                    format!(
                        "{} runs kube-apiserver without --encryption-provider-config: Secrets are stored unencrypted in etcd",
                        server.label()
                    ),
                )
                .in_container(&server.container),
            );
        }
    }
}
