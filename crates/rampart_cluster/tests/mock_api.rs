//! The scan against a fake API server: paging, forbidden and missing kinds,
//! owned objects, namespaces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_cluster::mock::{MockCluster, demo_objects};
use rampart_cluster::{ClusterError, Problem, ScanOptions, Snapshot, fetch};

fn names(snapshot: &Snapshot, kind: &str) -> Vec<String> {
    snapshot
        .objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| format!("{}/{}", o.namespace.as_deref().unwrap_or("-"), o.name))
        .collect()
}

async fn scan(cluster: MockCluster, options: ScanOptions) -> (Snapshot, Vec<String>) {
    let (connection, log) = cluster.serve();
    let snapshot = fetch(&connection, &options, &|_| {}).await.unwrap();
    let log = log.lock().unwrap().clone();
    (snapshot, log)
}

#[tokio::test]
async fn lists_every_kind_and_skips_what_scanned_controllers_own() {
    let (snapshot, log) = scan(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions::default(),
    )
    .await;
    assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);
    // 17 kinds, one list each, all on one page.
    assert_eq!(log.len(), 17, "{log:#?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("/apis/apps/v1/daemonsets?") && l.contains("limit=500")),
        "{log:#?}"
    );
    assert!(log.iter().all(|l| !l.contains("secrets")));
    // The ReplicaSet (owned by the Deployment) and the three controller-owned
    // Pods are left out; the bare Pod stays.
    assert_eq!(names(&snapshot, "Pod"), ["shop/debug-shell"]);
    assert!(names(&snapshot, "ReplicaSet").is_empty());
    assert_eq!(names(&snapshot, "Deployment"), ["shop/frontend"]);
    assert_eq!(names(&snapshot, "DaemonSet"), ["monitoring/node-agent"]);
    assert_eq!(snapshot.owned_skipped, 4);
    assert_eq!(names(&snapshot, "Namespace"), ["-/monitoring", "-/shop"]);
    // Server-side fields are gone, the type is back.
    let deployment = snapshot
        .objects
        .iter()
        .find(|o| o.kind == "Deployment")
        .unwrap();
    assert_eq!(deployment.value["apiVersion"], "apps/v1");
    assert_eq!(deployment.value["kind"], "Deployment");
    assert!(deployment.value.get("status").is_none());
    assert!(
        deployment
            .value
            .pointer("/metadata/managedFields")
            .is_none()
    );
    assert_eq!(
        deployment.value.pointer("/metadata/uid").unwrap(),
        "d-frontend"
    );
    let sources = snapshot.sources();
    assert!(sources.iter().all(|s| s.is_cluster()));
    assert!(
        sources
            .iter()
            .any(|s| s.name() == "cluster://mock/shop/Deployment/frontend")
    );
}

#[tokio::test]
async fn include_owned_keeps_replica_sets_and_pods() {
    let (snapshot, _) = scan(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions {
            include_owned: true,
            ..ScanOptions::default()
        },
    )
    .await;
    assert_eq!(names(&snapshot, "Pod").len(), 4);
    assert_eq!(names(&snapshot, "ReplicaSet").len(), 1);
    assert_eq!(snapshot.owned_skipped, 0);
}

#[tokio::test]
async fn follows_continue_tokens_across_pages() {
    let (snapshot, log) = scan(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions {
            page_size: 3,
            include_owned: true,
            ..ScanOptions::default()
        },
    )
    .await;
    let pod_requests: Vec<&String> = log
        .iter()
        .filter(|l| l.starts_with("/api/v1/pods?"))
        .collect();
    // Four pods, three per page: two pages, the second asked with the token.
    assert_eq!(pod_requests.len(), 2, "{pod_requests:#?}");
    assert!(!pod_requests[0].contains("continue="));
    assert!(
        pod_requests[1].contains("continue=offset-3"),
        "{pod_requests:#?}"
    );
    assert!(pod_requests.iter().all(|l| l.contains("limit=3")));
    let mut pods = names(&snapshot, "Pod");
    pods.sort();
    assert_eq!(
        pods,
        [
            "monitoring/node-agent-6wq2z",
            "shop/debug-shell",
            "shop/frontend-7d4b9c6f8-p8m4q",
            "shop/frontend-7d4b9c6f8-x2x9k",
        ]
    );
}

#[tokio::test]
async fn a_forbidden_kind_is_a_warning_and_the_scan_goes_on() {
    let (snapshot, _) = scan(
        MockCluster::new()
            .with_objects(demo_objects())
            .forbid("ClusterRoleBinding")
            .without("CronJob"),
        ScanOptions::default(),
    )
    .await;
    assert_eq!(snapshot.warnings.len(), 2, "{:?}", snapshot.warnings);
    let forbidden = &snapshot.warnings[1];
    assert_eq!(forbidden.kind.kind, "ClusterRoleBinding");
    assert_eq!(forbidden.problem, Problem::Forbidden { verb: "list" });
    assert_eq!(
        forbidden.to_string(),
        "ClusterRoleBinding not scanned: forbidden (the scanner needs the `list` verb on `clusterrolebindings.rbac.authorization.k8s.io`)"
    );
    let missing = &snapshot.warnings[0];
    assert_eq!(missing.kind.kind, "CronJob");
    assert_eq!(missing.problem, Problem::NotFound);
    assert!(missing.to_string().contains("HTTP 404"));
    assert!(names(&snapshot, "ClusterRoleBinding").is_empty());
    assert_eq!(names(&snapshot, "DaemonSet"), ["monitoring/node-agent"]);
}

#[tokio::test]
async fn nothing_listed_is_an_error() {
    let mut cluster = MockCluster::new().with_objects(demo_objects());
    for kind in rampart_cluster::KINDS {
        cluster = cluster.forbid(kind.kind);
    }
    let (connection, _) = cluster.serve();
    let error = fetch(&connection, &ScanOptions::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, ClusterError::NothingListed(_)), "{error}");
    assert!(error.to_string().contains("forbidden"), "{error}");
}

#[tokio::test]
async fn namespaces_restrict_the_lists() {
    let (snapshot, log) = scan(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions {
            namespaces: vec!["monitoring".to_string()],
            ..ScanOptions::default()
        },
    )
    .await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("/apis/apps/v1/namespaces/monitoring/daemonsets?"))
    );
    // The Namespace itself is read by name; cluster-wide RBAC is listed whole.
    assert!(log.iter().any(|l| l == "/api/v1/namespaces/monitoring"));
    assert!(
        log.iter()
            .any(|l| l.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?"))
    );
    assert_eq!(names(&snapshot, "Namespace"), ["-/monitoring"]);
    assert!(names(&snapshot, "Deployment").is_empty());
    assert_eq!(names(&snapshot, "DaemonSet"), ["monitoring/node-agent"]);
    assert_eq!(names(&snapshot, "ClusterRoleBinding"), ["-/node-agent"]);
}

#[tokio::test]
async fn progress_reports_every_list() {
    let (connection, _) = MockCluster::new().with_objects(demo_objects()).serve();
    let seen = std::sync::Mutex::new(Vec::new());
    fetch(&connection, &ScanOptions::default(), &|p| {
        seen.lock().unwrap().push((p.kind.kind, p.done, p.total));
    })
    .await
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 17);
    assert!(seen.iter().all(|(_, _, total)| *total == 17));
    assert_eq!(seen.last().map(|s| s.1), Some(17));
}
