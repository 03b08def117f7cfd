//! One fixture per built-in detection (`resources/test/audit/<CODE>.jsonl`):
//! positive and negative events with the edge cases of real audit logs (the
//! stages of one request sharing an audit ID, failed requests, workload
//! templates, init and ephemeral containers, `EventList` lines, the 2018
//! shape without `apiVersion`). Each audit ID says what its event tests
//! (`…-not-reported` for negatives). Every fixture runs through all the
//! built-in detections and its JSON-lines signals are snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use rampart_audit::output::json_line;
use rampart_audit::{Engine, State};

fn fixture(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("resources/test/audit/{code}.jsonl"))
}

/// The signals of one fixture as JSON lines, and checks every fixture must pass.
fn signals(code: &str) -> String {
    let path = fixture(code);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let engine = Engine::builtin();
    let mut lines = String::new();
    let mut own = Vec::new();
    let mut reader = bytes.as_slice();
    let stats = engine
        .run(
            &mut reader,
            &format!("{code}.jsonl"),
            &mut State::default(),
            &mut |signal| {
                if signal.rule == code {
                    own.push(signal.audit_id.clone());
                }
                lines.push_str(&json_line(&signal));
            },
        )
        .expect("reading from memory");
    assert_eq!(stats.malformed, 0, "{code}: {:?}", stats.problems);
    assert_eq!(stats.unknown_fields, 0, "{code}: {:?}", stats.problems);
    assert!(
        !own.is_empty(),
        "{code}: its fixture raises no {code} signal"
    );
    for id in &own {
        assert!(
            !id.ends_with("-not-reported"),
            "{code}: {id} is a negative case but raised {code}"
        );
    }
    // Negatives are there, and are quiet.
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(
        text.contains("-not-reported\""),
        "{code}: its fixture has no negative case"
    );
    lines
}

macro_rules! fixture_tests {
    ($($name:ident => $code:literal,)*) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!($code, signals($code));
            }
        )*

        /// Every built-in detection has a fixture, and every fixture a detection.
        #[test]
        fn every_detection_has_a_fixture() {
            let tested = [$($code),*];
            let builtin: Vec<&str> = Engine::builtin().detections().iter().map(|d| d.meta().code).collect();
            assert_eq!(builtin, tested);
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/test/audit");
            let mut files: Vec<String> = std::fs::read_dir(dir)
                .expect("fixture folder")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let expected: Vec<String> = tested.iter().map(|c| format!("{c}.jsonl")).collect();
            assert_eq!(files, expected);
        }
    };
}

fixture_tests! {
    ka001_pod_exec => "KA001",
    ka002_privileged_pod => "KA002",
    ka003_sensitive_host_path => "KA003",
    ka004_host_namespaces => "KA004",
    ka005_cluster_admin_binding => "KA005",
    ka006_anonymous_allowed => "KA006",
    ka007_dangerous_role => "KA007",
    ka008_system_namespace_workload => "KA008",
    ka009_secrets_harvesting => "KA009",
    ka010_token_minted => "KA010",
    ka011_denied_burst => "KA011",
    ka012_access_review => "KA012",
    ka013_kubectl_in_pod => "KA013",
    ka014_psa_violation => "KA014",
}
