//! Every privilege of every recognised agent in ../shared/corpus/agents is
//! explained, except the genuine findings listed in
//! tests/data/genuine-findings.tsv (each with why it stays unexplained).
//! Skipped, with a message, when ../shared is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_privileges::KnowledgeBase;
use rampart_privileges::analysis::Input;
use rampart_privileges::explain::Verdict;
use rampart_privileges::inventory::PrivilegeKind;
use rampart_source::SourceFile;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/agents");
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

type Key = (String, String, String, String);

fn detail(kind: &PrivilegeKind) -> String {
    match kind {
        PrivilegeKind::HostPath { path, .. } | PrivilegeKind::UnusedHostPathVolume { path, .. } => {
            path.clone()
        }
        PrivilegeKind::Capability { name } => name.clone(),
        PrivilegeKind::HostPort { port, .. } => port.to_string(),
        _ => String::new(),
    }
}

#[test]
fn corpus_agents_are_explained_but_for_listed_genuine_findings() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: ../shared/corpus/agents is not present");
        return;
    };
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    files.sort();
    let sources = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            Some(SourceFile::new(p.display().to_string(), text))
        })
        .collect();
    let input = Input::parse(sources);
    let workloads = input.workloads(&base);
    let mut recognised = 0;
    let mut found: BTreeSet<Key> = BTreeSet::new();
    for workload in &workloads {
        if workload.agents.profiles.is_empty() {
            continue;
        }
        recognised += 1;
        for judgement in &workload.judgements {
            if judgement.verdict != Verdict::Unexplained {
                continue;
            }
            let profile = judgement
                .profile
                .filter(|_| judgement.privilege.container.is_some())
                .or_else(|| {
                    judgement
                        .privilege
                        .container
                        .is_none()
                        .then(|| workload.agents.profiles.first().copied())
                        .flatten()
                })
                .map_or("-".to_string(), |i| base.profile(i).name.clone());
            found.insert((
                profile,
                judgement
                    .privilege
                    .container
                    .clone()
                    .unwrap_or_else(|| "-".into()),
                judgement.privilege.kind.name().to_string(),
                detail(&judgement.privilege.kind),
            ));
        }
    }
    assert!(
        recognised > 250,
        "only {recognised} agent workloads recognised"
    );

    let listed_text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/genuine-findings.tsv"),
    )
    .unwrap();
    let listed: BTreeSet<Key> = listed_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() == 5 && !cols[4].is_empty(), "bad row: {l}");
            (
                cols[0].into(),
                cols[1].into(),
                cols[2].into(),
                cols[3].into(),
            )
        })
        .collect();
    let new: Vec<_> = found.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "unexplained privileges not listed as genuine findings: {new:#?}\nlisted findings no longer found: {gone:#?}"
    );
}
