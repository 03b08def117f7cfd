use super::{Context, Detection, Finding, is_shell};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a shell, or a download tool, started by a database or web
    /// server process (`mysqld`, `postgres`, `mongod`, `redis-server`,
    /// `nginx`, `httpd`, `apache2`, `php-fpm`, `java` running a server,
    /// `node`, …), directly or through one `sh -c`, on the host or in a
    /// container.
    ///
    /// ## Why is this bad?
    /// Servers answer requests; they rarely spawn shells. A shell under a
    /// server is the signature of SQL injection into `COPY … PROGRAM`, a
    /// web shell, or remote code execution in the application.
    ///
    /// ## ATT&CK
    /// T1505.003 Server Software Component: Web Shell; T1190 Exploit
    /// Public-Facing Application; T1059.004 Unix Shell.
    ///
    /// ## Known false positives
    /// Servers configured to run scripts (PostgreSQL `archive_command`,
    /// CGI). Allow them by process or image.
    ///
    /// ## Prior art
    /// Falco "DB program spawned process", "Run shell untrusted"; Datadog
    /// `database_shell_execution`, `potential_web_shell_parent`.
    pub ServerShell {
        code: "KR004",
        name: "shell-spawned-by-server",
        severity: High,
        mitre: ["T1505.003", "T1190", "T1059.004"],
    }
}

const DATABASES: &[&str] = &[
    "mysqld",
    "mariadbd",
    "postgres",
    "postmaster",
    "mongod",
    "redis-server",
    "sqlplus",
    "oracle",
    "cassandra",
    "clickhouse-serv",
];
const WEB_SERVERS: &[&str] = &[
    "nginx", "httpd", "apache2", "lighttpd", "php-fpm", "php-cgi", "gunicorn", "uwsgi", "tomcat",
    "caddy", "node", "java", "puma", "unicorn",
];
const TOOLS: &[&str] = &[
    "curl", "wget", "nc", "ncat", "netcat", "socat", "python", "python3", "perl",
];

fn server_kind(name: &str) -> Option<&'static str> {
    let base = name.split(':').next().unwrap_or(name).trim();
    if DATABASES.contains(&base) {
        Some("database")
    } else if WEB_SERVERS
        .iter()
        .any(|w| base == *w || base.starts_with("php-fpm"))
    {
        Some("web server")
    } else {
        None
    }
}

impl Detection for ServerShell {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.is_exec() {
            return;
        }
        let name = cx.process.name();
        if !is_shell(name) && !TOOLS.contains(&name) {
            return;
        }
        // The parent, or the grandparent through one shell (`system()` runs `sh -c`).
        let ancestors = cx.container_ancestors(2);
        let parent = cx.parent_name();
        let (server, kind) = match server_kind(parent) {
            Some(kind) => (parent.to_owned(), kind),
            None if is_shell(parent) => match ancestors
                .get(1)
                .and_then(|g| server_kind(g.name()).map(|k| (g.name().to_owned(), k)))
            {
                Some(found) => found,
                None => return,
            },
            None => return,
        };
        out.push(Finding::new(format!(
            "{kind} {server} spawned {} {}",
            cx.command_line(),
            cx.place()
        )));
    }
}
