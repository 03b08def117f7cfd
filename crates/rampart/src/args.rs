//! Command-line arguments: a public contract, extend it, never break it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rampart_diagnostics::Severity;
use rampart_linter::pss::{Level, PolicyVersion};

#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    about = "Secure Kubernetes workloads, above all the privileged node agents.",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan manifests: Pod Security Standards and posture rules, with field-precise diagnostics.
    Scan(ScanArgs),
    /// Apply the safe fixes (minimal edits that keep comments and layout).
    Fix(FixArgs),
    /// Show a rule's documentation, or list every rule (`rampart rules`).
    #[command(visible_alias = "rules")]
    Rule(RuleArgs),
    /// Explain every privilege of each workload: which feature needs it,
    /// which nothing needs, and which are broader than needed.
    Explain(ExplainArgs),
    /// Write the least-privilege manifest of an agent for the features kept.
    Trim(TrimArgs),
    /// Serve the admission webhook (AdmissionReview v1 over HTTPS).
    Webhook(WebhookArgs),
    /// Compile the admission policy for the API server itself.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Detect threats in Kubernetes audit logs (JSON lines, gzip, stdin).
    Audit(AuditArgs),
    /// Detect threats on this node with eBPF: kubectl in containers, cloud
    /// metadata access, shells, credential reads, escapes (needs root or
    /// CAP_BPF and CAP_PERFMON).
    Sensor(SensorArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SensorArgs {
    #[command(subcommand)]
    pub command: Option<SensorCommand>,

    /// Signals as JSON lines (the audit signals' shape) or readable lines.
    #[arg(long, value_enum, default_value_t = SensorFormat::Json, global = true)]
    pub format: SensorFormat,

    /// Append signals to FILE instead of writing them to standard output.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,

    /// The sensor configuration (YAML): metadata endpoints, allow list,
    /// extra watched file names, user detections (docs/sensor.md).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub filter: DetectionFilterArgs,

    /// Also POST the signals to URL (http or https), batched as JSON lines;
    /// a slow or failing endpoint never holds detection back.
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,

    /// More CA certificates (PEM) trusted for `--webhook-url`.
    #[arg(long, value_name = "FILE", requires = "webhook_url")]
    pub webhook_ca: Option<PathBuf>,

    /// Serve Prometheus metrics (events, lost events, signals) on
    /// http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// This node's name: signals carry it, and the pod watch asks only for
    /// this node's pods.
    #[arg(long, env = "NODE_NAME", value_name = "NAME")]
    pub node_name: Option<String>,

    /// Pod names for containers: `kube` watches this node's pods on the API
    /// server (needs --node-name), `auto` does so when running in a cluster.
    #[arg(long, value_enum, default_value_t = PodSource::Auto)]
    pub pods: PodSource,

    /// Also write every event the kernel reports, as JSON lines (for
    /// `rampart sensor replay` and debugging).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// Stop after this many seconds (default: until SIGTERM or Ctrl-C).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,

    /// Program family for exec and exit: typed BTF tracepoints, classic
    /// tracepoints, or BTF with the classic ones as the fallback.
    #[arg(long, value_enum, default_value_t = SensorHooks::Auto)]
    pub hooks: SensorHooks,

    /// The kernel's ring buffer for events, in MiB (a power of two). About
    /// 1 KiB per exec: 16 MiB hold 1.6 s of 10,000 execs/s while the
    /// sensor is held up; what does not fit is counted as lost.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    pub ring_buffer_mb: u32,

    /// Create FILE once the programs are attached (for scripts and tests).
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,

    /// Load and attach the programs, print the hooks, and exit.
    #[arg(long)]
    pub check: bool,
}

/// Which detections run and which signals are written (audit and sensor).
#[derive(Debug, Args)]
pub struct DetectionFilterArgs {
    /// Only these detections (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES", global = true)]
    pub select: Vec<String>,

    /// Not these detections (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES", global = true)]
    pub ignore: Vec<String>,

    /// Leave out signals below this severity.
    #[arg(long, value_enum, default_value = "info", global = true)]
    pub min_severity: Severity,
}

#[derive(Debug, Subcommand)]
pub enum SensorCommand {
    /// Run the detections over events recorded with `--events`.
    Replay(SensorReplayArgs),
}

#[derive(Debug, Args)]
pub struct SensorReplayArgs {
    /// Event files (JSON lines); `-` reads standard input.
    #[arg(default_value = "-", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SensorFormat {
    Json,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PodSource {
    Auto,
    Kube,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SensorHooks {
    Auto,
    Btf,
    Tracepoint,
}

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// PEM certificate (chain) file; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,

    /// PEM private key file; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,

    /// `enforce` denies violating Pods (workloads get warnings), `warn`
    /// answers with warnings, `audit` with audit annotations. The config's
    /// `admission:` section and the namespaces' Pod Security labels, when
    /// present, set the modes and levels instead (per namespace and mode).
    #[arg(long, value_enum, default_value_t = WebhookMode::Enforce)]
    pub mode: WebhookMode,

    /// Pod Security Standards level pods are judged against.
    #[arg(long, default_value = "restricted", value_parser = parse_level)]
    pub pss_level: Level,

    /// Pod Security Standards policy version: `latest` or `v1.N`.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub pss_version: PolicyVersion,

    /// Also judge the posture rules (by default only the Pod Security checks).
    #[arg(long)]
    pub posture_rules: bool,

    /// Config file: admission levels per namespace, exemptions, privilege
    /// exceptions (default: none).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More agent profiles, for `agent` exceptions.
    #[arg(long, value_name = "DIR")]
    pub profiles: Vec<PathBuf>,

    /// Reviews judged at once (each on its own thread); more wait. Default:
    /// twice the CPUs the process may use (its cgroup quota included):
    /// reviews are CPU-bound, and each thread holds memory.
    #[arg(long)]
    pub max_concurrency: Option<usize>,

    /// Per-request budget in milliseconds (keep it below the webhook
    /// configuration's timeoutSeconds).
    #[arg(long, default_value_t = 8000)]
    pub timeout_ms: u64,

    /// Read the namespaces' `pod-security.kubernetes.io/*` labels from the
    /// cluster (a watch of Namespaces; needs get, list and watch on
    /// namespaces and list on pods). `auto`: when the in-cluster config or a
    /// kubeconfig reaches the API server, else warn and run without; `on`:
    /// fail at startup without cluster access; `off`: never.
    #[arg(long, value_enum, default_value_t = NamespaceLabels::Auto)]
    pub namespace_labels: NamespaceLabels,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NamespaceLabels {
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookMode {
    Enforce,
    Warn,
    Audit,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Files or directories to explain (`-` reads standard input).
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// More agent profiles: a directory of `*.yaml` files, or one file
    /// (repeatable). A profile named like a built-in one replaces it.
    #[arg(long, value_name = "DIR")]
    pub profiles: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("selection").args(["keep", "drop", "list"]).multiple(false)))]
pub struct TrimArgs {
    /// Manifest files or directories holding the agent (`-` trims standard
    /// input to standard output).
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Keep only these features (and the agent's required ones); every
    /// privilege no kept feature needs is removed.
    #[arg(long, value_delimiter = ',', value_name = "FEATURE")]
    pub keep: Vec<String>,

    /// Drop these features and every privilege only they need.
    #[arg(long, value_delimiter = ',', value_name = "FEATURE")]
    pub drop: Vec<String>,

    /// List the features of each recognised agent, and which are in use.
    #[arg(long)]
    pub list: bool,

    /// Also move the agent to its documented non-root user.
    #[arg(long)]
    pub non_root: bool,

    /// Keep privileges that no known feature needs (by default they are
    /// removed: the result holds what the kept features need and nothing more).
    #[arg(long)]
    pub keep_unexplained: bool,

    /// Print a unified diff instead of writing files.
    #[arg(long)]
    pub diff: bool,

    /// Report what would change without writing files.
    #[arg(long)]
    pub dry_run: bool,

    /// Write the trimmed manifest to FILE (`-` for standard output) instead
    /// of rewriting the input in place; only with one input file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report format (the manifest itself is always YAML).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,

    /// More agent profiles (see `rampart explain --profiles`).
    #[arg(long, value_name = "DIR")]
    pub profiles: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (`-` reads standard input). Directories are
    /// walked recursively for *.yaml, *.yml and *.json, honouring .gitignore.
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Pod Security Standards level to judge pods against.
    #[arg(long, default_value = "restricted", value_parser = parse_level)]
    pub pss_level: Level,

    /// Pod Security Standards policy version: `latest` or `v1.N`.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub pss_version: PolicyVersion,

    /// Judge as a cluster of this version would (`v1.N`): newer policy versions
    /// and `latest` then evaluate as this one.
    #[arg(long, value_name = "v1.N", value_parser = parse_cluster_version)]
    pub cluster_version: Option<u32>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// API of the resources `--format policy-report` writes.
    #[arg(long, value_enum, value_name = "API", default_value_t = PolicyReportApiArg::OpenReports)]
    pub policy_report_api: PolicyReportApiArg,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding has at least this severity.
    #[arg(long, default_value = "info", value_parser = parse_severity)]
    pub fail_on: Severity,

    /// When to use colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Rules to run, by code, code prefix (`WL`, `RB`), name or `ALL`
    /// (comma-separated or repeated). Default: every rule that is not opt-in.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,

    /// Rules not to report, by code or name (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Only the Pod Security Standards checks, no posture rules.
    #[arg(long)]
    pub pss_only: bool,

    /// Registry images may come from (prefix, e.g. `registry.example.com/`);
    /// repeat for several. Without it, any registry is accepted.
    #[arg(long, value_name = "PREFIX")]
    pub allowed_registry: Vec<String>,

    /// Config file with exemptions and settings (default: the nearest
    /// `rampart.yaml` at or above the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore `rampart.dev/ignore` annotations: only the config file may exempt.
    #[arg(long)]
    pub no_inline_ignores: bool,

    /// Privileges of recognised agents that a feature needs: `explained`
    /// reports them as notes that do not fail the scan; `strict` keeps them
    /// as findings (with the explanation attached); `off` does not explain.
    #[arg(long, value_enum, default_value_t = AgentPrivileges::Explained)]
    pub agent_privileges: AgentPrivileges,

    /// More agent profiles for the explanations (see `rampart explain --profiles`).
    #[arg(long, value_name = "DIR")]
    pub profiles: Vec<PathBuf>,

    /// Number of threads (default: one per core).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,

    /// Only read and parse the input (the benchmark's floor).
    #[arg(long, hide = true)]
    pub parse_only: bool,

    /// Scan the objects of a live cluster instead of files (see
    /// docs/cluster-scan.md); no PATH then.
    #[arg(long, conflicts_with = "paths")]
    pub cluster: bool,

    /// Kubeconfig file for `--cluster` (default: `KUBECONFIG`, `~/.kube/config`,
    /// then the in-cluster service account).
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context for `--cluster` (default: the current context).
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub context: Option<String>,

    /// Only these namespaces with `--cluster` (repeatable; default: all).
    #[arg(long, short = 'n', value_name = "NS", requires = "cluster")]
    pub namespace: Vec<String>,

    /// With `--cluster`, also report Pods, ReplicaSets and Jobs that a
    /// scanned controller owns (by default its findings cover them).
    #[arg(long, requires = "cluster")]
    pub include_owned: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories to fix (`-` fixes standard input to standard output).
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print a unified diff of the fixes instead of writing files.
    #[arg(long)]
    pub diff: bool,

    /// Report what would be fixed without writing files.
    #[arg(long)]
    pub dry_run: bool,

    /// Also apply fixes that can change what the workload may do
    /// (privileged, host namespaces).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Pod Security Standards level whose findings are fixed.
    #[arg(long, default_value = "restricted", value_parser = parse_level)]
    pub pss_level: Level,

    /// Pod Security Standards policy version: `latest` or `v1.N`.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub pss_version: PolicyVersion,

    /// Only fix these rules (codes, prefixes, names or `ALL`).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,

    /// Never fix these rules.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Config file (default: the nearest `rampart.yaml`); exempted findings are not fixed.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore `rampart.dev/ignore` annotations.
    #[arg(long)]
    pub no_inline_ignores: bool,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Rule code or name (e.g. `PSB002` or `privileged-container`); lists all rules when omitted.
    pub rule: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RuleFormat::Text)]
    pub format: RuleFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, for people.
    Text,
    /// The stable JSON contract (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML: a test suite per file, a test case per object.
    Junit,
    /// Kubernetes policy reports (YAML), one per namespace plus a cluster one.
    PolicyReport,
}

/// API of `--format policy-report` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyReportApiArg {
    /// OpenReports `Report` / `ClusterReport`.
    #[value(name = "openreports.io/v1alpha1")]
    OpenReports,
    /// Policy WG `PolicyReport` / `ClusterPolicyReport` (Kyverno, policy-reporter).
    #[value(name = "wgpolicyk8s.io/v1alpha2")]
    WgPolicyV1Alpha2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentPrivileges {
    /// Explained privileges are notes that do not fail the scan.
    Explained,
    /// Explained privileges stay findings, with their explanation.
    Strict,
    /// No explanations (the knowledge base is not loaded).
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_level(value: &str) -> Result<Level, String> {
    value.parse().map_err(|e| format!("{e}"))
}

fn parse_version(value: &str) -> Result<PolicyVersion, String> {
    value.parse().map_err(|e| format!("{e}"))
}

fn parse_severity(value: &str) -> Result<Severity, String> {
    value.parse().map_err(|e| format!("{e}"))
}

fn parse_cluster_version(value: &str) -> Result<u32, String> {
    match value.parse::<PolicyVersion>() {
        Ok(PolicyVersion::Minor(minor)) => Ok(minor),
        Ok(PolicyVersion::Latest) => Err("a cluster version is `v1.N`, not `latest`".into()),
        Err(e) => Err(format!("{e}")),
    }
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write the policy as ValidatingAdmissionPolicies and bindings
    /// (admissionregistration.k8s.io/v1): the Pod Security checks and the
    /// scoped exceptions in CEL, bound per namespace as `admission:` says.
    Vap(VapArgs),
}

#[derive(Debug, Args)]
pub struct VapArgs {
    /// Config file: admission levels per namespace, privilege exceptions,
    /// ignored rules (default: none).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The mode for namespaces the config's `admission:` section does not
    /// cover: `enforce` denies Pods (workloads get warnings), `warn` and
    /// `audit` bind with the `Warn` and `Audit` actions.
    #[arg(long, value_enum, default_value_t = WebhookMode::Enforce)]
    pub mode: WebhookMode,

    /// Pod Security Standards level for those namespaces.
    #[arg(long, default_value = "restricted", value_parser = parse_level)]
    pub pss_level: Level,

    /// Pod Security Standards policy version: `latest` or `v1.N`.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub pss_version: PolicyVersion,

    /// What the API server does when a policy cannot be evaluated.
    #[arg(long, value_enum, default_value_t = FailurePolicyArg::Fail)]
    pub failure_policy: FailurePolicyArg,

    /// A namespace no binding selects (repeatable), e.g. `kube-system`.
    #[arg(long, value_name = "NAMESPACE")]
    pub exclude_namespace: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = VapFormat::Yaml)]
    pub format: VapFormat,

    /// Write the objects to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Instead of writing the policy, judge these manifests with it (as a
    /// CREATE in their namespace) and report what the API server would do:
    /// exit 1 when one is denied.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub test: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailurePolicyArg {
    Fail,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VapFormat {
    /// A YAML stream, one document per object.
    Yaml,
    /// A `v1` `List` of the objects.
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    /// Audit log files (JSON lines of `audit.k8s.io` events or EventLists,
    /// gzip or plain); `-` reads standard input.
    #[arg(default_value = "-", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Follow one growing log file: judge new lines as they are written,
    /// through rotation (a new file under the name) and truncation, until
    /// SIGINT or SIGTERM.
    #[arg(long)]
    pub follow: bool,

    /// With `--follow`: keep the position in FILE, so that a restart resumes
    /// after the last judged line (nothing lost, nothing judged twice). A
    /// file `--output` is appended to, and cut back to the checkpoint's
    /// length on restart.
    #[arg(long, value_name = "FILE", requires = "follow")]
    pub checkpoint: Option<PathBuf>,

    /// With `--follow`: how often the file is checked, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000, requires = "follow")]
    pub poll_interval_ms: u64,

    /// Output format: readable lines, or one JSON object per signal.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text, global = true)]
    pub format: AuditFormat,

    /// Write signals to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,

    /// Also POST the signals to URL (http or https), batched as JSON lines
    /// (`application/x-ndjson`); a slow or failing endpoint never holds
    /// detection back (docs/audit-ingest.md).
    #[arg(long, value_name = "URL", global = true)]
    pub webhook_url: Option<String>,

    /// More CA certificates (PEM) trusted for `--webhook-url`, beside the
    /// system's.
    #[arg(long, value_name = "FILE", global = true)]
    pub webhook_ca: Option<PathBuf>,

    /// More detections: a YAML file in rampart's detection format (repeatable).
    #[arg(long, value_name = "FILE", global = true)]
    pub detections: Vec<PathBuf>,

    #[command(flatten)]
    pub filter: DetectionFilterArgs,

    /// Print the summary table (signals per rule, unreadable lines) on
    /// standard error at the end.
    #[arg(long, global = true)]
    pub summary: bool,

    /// Parse every event and run no detection (the benchmark's floor).
    #[arg(long, hide = true)]
    pub parse_only: bool,

    /// List the detections and exit.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Receive the API server's audit webhook backend over HTTPS
    /// (`EventList` POSTs) and judge the events as they arrive.
    Serve(AuditServeArgs),
}

#[derive(Debug, Args)]
pub struct AuditServeArgs {
    /// PEM certificate (chain) file; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,

    /// PEM private key file; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:9443")]
    pub listen: std::net::SocketAddr,

    /// Directory where accepted batches are stored until judged (created
    /// when missing); a restart judges what is left in it first.
    #[arg(long, value_name = "DIR")]
    pub spool: PathBuf,

    /// Events accepted and not yet judged at most; batches beyond it are
    /// answered 429 (the API server retries them).
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    pub queue_events: u64,

    /// The `Retry-After` of a 429 answer, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub retry_after: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    /// JSON lines (docs/audit.md): a public contract.
    Json,
}
