#!/usr/bin/env python3
"""Generate a synthetic, deterministic corpus of Kubernetes manifests for benchmarks.

    python3 bench/gen-corpus.py --docs 100000 --out /tmp/corpus --seed 1

Writes N YAML documents (a `kind: List` counts as one document) spread over
files holding 1-50 documents each (multi-document `---` streams), in nested
team/app directories, plus `INDEX.tsv` (path, documents, bytes per file, in
generation order; no scanner reads .tsv files). The same seed gives
byte-identical output, and a smaller --docs with the same seed gives a prefix
of the larger corpus's files (only the last file may be shorter).

Only the Python standard library is used; the YAML text is written by hand.
"""

import argparse
import json
import os
import random
import shutil
import sys

# ---------------------------------------------------------------- vocabulary

TEAMS = ["payments", "search", "platform", "identity", "data", "ml", "edge",
         "observability", "security", "storage", "mobile", "ads", "billing",
         "growth", "infra", "messaging"]
APPS = ["api", "web", "worker", "gateway", "scheduler", "indexer", "cache",
        "ingest", "exporter", "sync", "notifier", "frontend", "backend",
        "auth", "router", "collector", "agent", "proxy", "controller", "db"]
IMAGES = ["nginx:1.27.2", "ghcr.io/acme/{app}:v{maj}.{min}.{patch}",
          "registry.example.com/{team}/{app}:{sha}", "redis:7.4-alpine",
          "postgres:16.4", "busybox:1.36", "python:3.12-slim",
          "gcr.io/distroless/static:nonroot", "quay.io/prometheus/node-exporter:v1.8.2",
          "fluent/fluent-bit:3.1.9", "docker.io/library/alpine:3.20",
          "{app}:latest", "public.ecr.aws/acme/{app}@sha256:{digest}"]
AGENTS = ["node-exporter", "fluent-bit", "falco", "datadog-agent", "cilium",
          "kube-proxy", "csi-node", "otel-collector", "vector", "promtail",
          "dcgm-exporter", "node-problem-detector", "calico-node", "cadvisor"]
HOST_PATHS = ["/", "/proc", "/sys", "/var/log", "/var/lib/docker/containers",
              "/run/containerd/containerd.sock", "/var/run/docker.sock", "/etc",
              "/dev", "/lib/modules", "/var/lib/kubelet", "/sys/fs/bpf",
              "/sys/kernel/debug", "/run/xtables.lock", "/usr/src", "/boot"]
CAPS = ["NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "NET_RAW", "SYS_RESOURCE",
        "IPC_LOCK", "SYS_MODULE", "BPF", "PERFMON", "DAC_READ_SEARCH",
        "CHOWN", "NET_BIND_SERVICE", "SETUID", "SETGID", "KILL"]
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
RESOURCES = [("", "pods"), ("", "nodes"), ("", "secrets"), ("", "configmaps"),
             ("", "services"), ("", "endpoints"), ("", "namespaces"),
             ("apps", "deployments"), ("apps", "daemonsets"),
             ("batch", "jobs"), ("networking.k8s.io", "ingresses"),
             ("coordination.k8s.io", "leases"), ("", "events")]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
         "oscar", "papa", "quebec", "romeo", "sierra", "tango"]


def q(s):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s)


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.serial = 0

    # ------------------------------------------------------------ helpers
    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def ctx(self):
        self.serial += 1
        team = self.pick(TEAMS)
        app = self.pick(APPS)
        return {
            "team": team,
            "app": app,
            "name": f"{team}-{app}-{self.serial:06d}",
            "ns": self.pick([team, f"{team}-prod", f"{team}-staging", "default", "kube-system"]),
        }

    def image(self, c):
        return self.pick(IMAGES).format(
            app=c["app"], team=c["team"], maj=self.r.randint(0, 9),
            min=self.r.randint(0, 30), patch=self.r.randint(0, 99),
            sha="%012x" % self.r.getrandbits(48), digest="%064x" % self.r.getrandbits(256))

    def metadata(self, c, ind, namespaced=True, name=None, extra_labels=None):
        p = " " * ind
        out = [f"{p}metadata:", f"{p}  name: {name or c['name']}"]
        if namespaced and self.chance(0.85):
            out.append(f"{p}  namespace: {c['ns']}")
        out.append(f"{p}  labels:")
        out.append(f"{p}    app.kubernetes.io/name: {c['app']}")
        out.append(f"{p}    app.kubernetes.io/part-of: {c['team']}")
        if self.chance(0.5):
            out.append(f"{p}    app.kubernetes.io/version: {q(str(self.r.randint(1, 40)) + '.' + str(self.r.randint(0, 9)))}")
        for k, v in (extra_labels or {}).items():
            out.append(f"{p}    {k}: {v}")
        if self.chance(0.3):
            out.append(f"{p}  annotations:")
            out.append(f"{p}    owner: {q(c['team'] + '@example.com')}")
            if self.chance(0.5):
                out.append(f"{p}    description: >-")
                out.append(f"{p}      {self.pick(WORDS)} {self.pick(WORDS)} service for {c['team']},")
                out.append(f"{p}      managed by the {self.pick(WORDS)} pipeline")
        return out

    # ------------------------------------------------------------ pod spec
    def container(self, c, ind, name, hardened, agent):
        p = " " * ind
        out = [f"{p}- name: {name}", f"{p}  image: {self.image(c)}"]
        if self.chance(0.6):
            out.append(f"{p}  imagePullPolicy: {self.pick(['IfNotPresent', 'Always'])}")
        if self.chance(0.4):
            args = [f"--{self.pick(WORDS)}={self.r.randint(1, 9999)}" for _ in range(self.r.randint(1, 4))]
            if self.chance(0.5):
                out.append(f"{p}  args: [{', '.join(q(a) for a in args)}]")
            else:
                out.append(f"{p}  args:")
                out += [f"{p}    - {a}" for a in args]
        if self.chance(0.6):
            out.append(f"{p}  ports:")
            for _ in range(self.r.randint(1, 3)):
                out.append(f"{p}    - containerPort: {self.r.choice([80, 443, 8080, 8443, 9090, 9100, 3000, 5432, 6379])}")
                out.append(f"{p}      protocol: TCP")
                if agent and self.chance(0.3):
                    out.append(f"{p}      hostPort: {self.r.randint(9000, 9999)}")
        if self.chance(0.6):
            out.append(f"{p}  env:")
            for i in range(self.r.randint(1, 6)):
                out.append(f"{p}    - name: {self.pick(WORDS).upper()}_{i}")
                if self.chance(0.2):
                    out += [f"{p}      valueFrom:", f"{p}        fieldRef:",
                            f"{p}          fieldPath: spec.nodeName"]
                else:
                    out.append(f"{p}      value: {q(self.pick(WORDS) + '-' + str(self.r.randint(0, 999)))}")
        if self.chance(0.7):
            out += [f"{p}  resources:", f"{p}    requests:",
                    f"{p}      cpu: {self.r.choice(['50m', '100m', '250m', '500m', '1'])}",
                    f"{p}      memory: {self.r.choice(['64Mi', '128Mi', '256Mi', '1Gi'])}"]
            if self.chance(0.6):
                out += [f"{p}    limits:", f"{p}      memory: {self.r.choice(['256Mi', '512Mi', '2Gi'])}"]
        if self.chance(0.4):
            out += [f"{p}  livenessProbe:", f"{p}    httpGet:", f"{p}      path: /healthz",
                    f"{p}      port: {self.r.choice([8080, 9090, 'http'])}",
                    f"{p}    initialDelaySeconds: {self.r.randint(1, 30)}"]
        sc = self.security_context(ind + 2, hardened, agent)
        out += sc
        if agent and self.chance(0.7):
            out.append(f"{p}  volumeMounts:")
            for i in range(self.r.randint(1, 3)):
                out += [f"{p}    - name: host-{i}", f"{p}      mountPath: /host{self.pick(HOST_PATHS)}"]
                if self.chance(0.5):
                    out.append(f"{p}      readOnly: true")
        return out

    def security_context(self, ind, hardened, agent):
        p = " " * ind
        if hardened:
            return [f"{p}securityContext:", f"{p}  allowPrivilegeEscalation: false",
                    f"{p}  readOnlyRootFilesystem: true", f"{p}  runAsNonRoot: true",
                    f"{p}  runAsUser: {self.r.randint(1000, 65000)}",
                    f"{p}  capabilities:", f"{p}    drop: [\"ALL\"]",
                    f"{p}  seccompProfile:", f"{p}    type: RuntimeDefault"]
        if not agent and self.chance(0.4):
            return []  # no securityContext at all
        out = [f"{p}securityContext:"]
        if agent and self.chance(0.5):
            out.append(f"{p}  privileged: true")
        if self.chance(0.5):
            out.append(f"{p}  allowPrivilegeEscalation: {self.pick(['true', 'false'])}")
        if self.chance(0.4):
            out.append(f"{p}  runAsUser: {self.pick(['0', '1000', '65534'])}")
        if self.chance(0.3):
            out.append(f"{p}  readOnlyRootFilesystem: {self.pick(['true', 'false'])}")
        if agent or self.chance(0.3):
            out.append(f"{p}  capabilities:")
            adds = self.r.sample(CAPS, self.r.randint(1, 4))
            if self.chance(0.5):
                out.append(f"{p}    add: [{', '.join(adds)}]")
            else:
                out.append(f"{p}    add:")
                out += [f"{p}      - {a}" for a in adds]
            if self.chance(0.3):
                out.append(f"{p}    drop: [\"ALL\"]")
        if self.chance(0.15):
            out += [f"{p}  seLinuxOptions:", f"{p}    type: {self.pick(['spc_t', 'container_t'])}"]
        if self.chance(0.1):
            out += [f"{p}  procMount: Unmasked"]
        if len(out) == 1:
            out.append(f"{p}  runAsNonRoot: {self.pick(['true', 'false'])}")
        return out

    def pod_spec(self, c, ind, kind="Deployment", agent=False):
        """Lines of a PodSpec body at indentation `ind` (the keys of `spec:`)."""
        p = " " * ind
        hardened = (not agent) and self.chance(0.25)
        out = []
        if self.chance(0.5):
            out.append(f"{p}serviceAccountName: {c['name']}")
        if agent:
            for key in ("hostNetwork", "hostPID", "hostIPC"):
                if self.chance(0.4):
                    out.append(f"{p}{key}: true")
            if self.chance(0.5):
                out += [f"{p}tolerations:", f"{p}  - operator: Exists"]
            if self.chance(0.3):
                out.append(f"{p}priorityClassName: system-node-critical")
        if kind in ("CronJob", "Job"):
            out.append(f"{p}restartPolicy: {self.pick(['OnFailure', 'Never'])}")
        if hardened:
            out += [f"{p}securityContext:", f"{p}  runAsNonRoot: true",
                    f"{p}  seccompProfile:", f"{p}    type: RuntimeDefault"]
        elif self.chance(0.3):
            out += [f"{p}securityContext:", f"{p}  fsGroup: {self.r.randint(1000, 3000)}"]
            if self.chance(0.3):
                out += [f"{p}  sysctls:", f"{p}    - name: {self.pick(['net.core.somaxconn', 'kernel.shm_rmid_forced', 'net.ipv4.ip_forward'])}",
                        f"{p}      value: {q(str(self.r.randint(0, 4096)))}"]
        if self.chance(0.2):
            out.append(f"{p}initContainers:")
            out += self.container(c, ind + 2, "init", hardened, agent)
        out.append(f"{p}containers:")
        for i in range(self.r.choice([1, 1, 1, 2, 2, 3])):
            out += self.container(c, ind + 2, c["app"] if i == 0 else f"sidecar-{i}", hardened, agent)
        vols = []
        if agent:
            for i in range(self.r.randint(1, 4)):
                vols += [f"{p}  - name: host-{i}", f"{p}    hostPath:",
                         f"{p}      path: {self.pick(HOST_PATHS)}"]
                if self.chance(0.4):
                    vols.append(f"{p}      type: {self.pick(['Directory', 'DirectoryOrCreate', 'Socket', 'File'])}")
        if self.chance(0.4):
            vols += [f"{p}  - name: config", f"{p}    configMap:", f"{p}      name: {c['name']}-config"]
        if self.chance(0.2):
            vols += [f"{p}  - name: scratch", f"{p}    emptyDir: {{}}"]
        if self.chance(0.1):
            vols += [f"{p}  - name: data", f"{p}    persistentVolumeClaim:", f"{p}      claimName: {c['name']}-data"]
        if vols:
            out.append(f"{p}volumes:")
            out += vols
        if self.chance(0.3):
            out += [f"{p}nodeSelector:", f"{p}  kubernetes.io/os: {self.pick(['linux', 'linux', 'windows'])}"]
        return out

    def template(self, c, ind, kind, agent=False):
        p = " " * ind
        out = [f"{p}template:", f"{p}  metadata:", f"{p}    labels:",
               f"{p}      app.kubernetes.io/name: {c['app']}"]
        if self.chance(0.3):
            out += [f"{p}    annotations:",
                    f"{p}      prometheus.io/scrape: \"true\"",
                    f"{p}      prometheus.io/port: \"{self.r.choice([9090, 9100, 8080])}\""]
            if agent and self.chance(0.3):
                out.append(f"{p}      container.apparmor.security.beta.kubernetes.io/{c['app']}: unconfined")
        out.append(f"{p}  spec:")
        out += self.pod_spec(c, ind + 4, kind, agent)
        return out

    def selector(self, c, ind):
        p = " " * ind
        return [f"{p}selector:", f"{p}  matchLabels:", f"{p}    app.kubernetes.io/name: {c['app']}"]

    # ------------------------------------------------------------ kinds
    def deployment(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: apps/v1", f"{p}kind: Deployment"] + self.metadata(c, ind)
        out += [f"{p}spec:", f"{p}  replicas: {self.r.randint(1, 12)}"]
        if self.chance(0.3):
            out += [f"{p}  strategy:", f"{p}    type: RollingUpdate", f"{p}    rollingUpdate:",
                    f"{p}      maxSurge: 25%", f"{p}      maxUnavailable: 0"]
        out += self.selector(c, ind + 2) + self.template(c, ind + 2, "Deployment")
        return out

    def daemonset(self, c, ind=0):
        p = " " * ind
        c = dict(c, app=self.pick(AGENTS), ns=self.pick(["kube-system", "monitoring", "logging", "security"]))
        c["name"] = f"{c['app']}-{self.serial:06d}"
        out = [f"{p}apiVersion: apps/v1", f"{p}kind: DaemonSet"] + self.metadata(c, ind)
        out += [f"{p}spec:"] + self.selector(c, ind + 2)
        if self.chance(0.4):
            out += [f"{p}  updateStrategy:", f"{p}    type: RollingUpdate"]
        out += self.template(c, ind + 2, "DaemonSet", agent=True)
        return out

    def statefulset(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: apps/v1", f"{p}kind: StatefulSet"] + self.metadata(c, ind)
        out += [f"{p}spec:", f"{p}  serviceName: {c['name']}", f"{p}  replicas: {self.r.randint(1, 5)}"]
        out += self.selector(c, ind + 2) + self.template(c, ind + 2, "StatefulSet")
        out += [f"{p}  volumeClaimTemplates:", f"{p}    - metadata:", f"{p}        name: data",
                f"{p}      spec:", f"{p}        accessModes: [\"ReadWriteOnce\"]",
                f"{p}        storageClassName: {self.pick(['standard', 'gp3', 'premium-rwo'])}",
                f"{p}        resources:", f"{p}          requests:",
                f"{p}            storage: {self.r.choice([1, 10, 50, 100])}Gi"]
        return out

    def cronjob(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: batch/v1", f"{p}kind: CronJob"] + self.metadata(c, ind)
        out += [f"{p}spec:",
                f"{p}  schedule: {q('%d %d * * %s' % (self.r.randint(0, 59), self.r.randint(0, 23), self.pick(['*', '1-5', '0'])))}",
                f"{p}  concurrencyPolicy: {self.pick(['Forbid', 'Allow', 'Replace'])}",
                f"{p}  jobTemplate:", f"{p}    spec:", f"{p}      backoffLimit: {self.r.randint(0, 6)}"]
        out += self.template(c, ind + 6, "CronJob")
        return out

    def job(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: batch/v1", f"{p}kind: Job"] + self.metadata(c, ind)
        out += [f"{p}spec:", f"{p}  ttlSecondsAfterFinished: {self.r.randint(60, 86400)}"]
        out += self.template(c, ind + 2, "Job")
        return out

    def pod(self, c, ind=0):
        p = " " * ind
        agent = self.chance(0.3)
        out = [f"{p}apiVersion: v1", f"{p}kind: Pod"] + self.metadata(c, ind)
        out += [f"{p}spec:"] + self.pod_spec(c, ind + 2, "Pod", agent)
        return out

    def service(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: v1", f"{p}kind: Service"] + self.metadata(c, ind)
        typ = self.pick(["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"])
        out += [f"{p}spec:", f"{p}  type: {typ}", f"{p}  selector:",
                f"{p}    app.kubernetes.io/name: {c['app']}", f"{p}  ports:"]
        for port in self.r.sample([80, 443, 8080, 9090, 5432], self.r.randint(1, 3)):
            out += [f"{p}    - name: p{port}", f"{p}      port: {port}",
                    f"{p}      targetPort: {self.pick([port, 8080, 'http'])}"]
        return out

    def configmap(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: v1", f"{p}kind: ConfigMap"] + self.metadata(c, ind, name=c["name"] + "-config")
        out.append(f"{p}data:")
        for i in range(self.r.randint(1, 5)):
            if self.chance(0.4):
                out.append(f"{p}  {self.pick(WORDS)}-{i}.conf: |")
                for _ in range(self.r.randint(2, 12)):
                    out.append(f"{p}    {self.pick(WORDS)} = {q(self.pick(WORDS))}  # {self.pick(WORDS)}")
            else:
                out.append(f"{p}  {self.pick(WORDS).upper()}_{i}: {q(self.pick(WORDS) + ':' + str(self.r.randint(0, 65535)))}")
        return out

    def secret(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: v1", f"{p}kind: Secret"] + self.metadata(c, ind, name=c["name"] + "-secret")
        out += [f"{p}type: Opaque", f"{p}stringData:",
                f"{p}  username: {self.pick(WORDS)}", f"{p}  password: {q('%016x' % self.r.getrandbits(64))}"]
        return out

    def service_account(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: v1", f"{p}kind: ServiceAccount"] + self.metadata(c, ind)
        if self.chance(0.3):
            out.append(f"{p}automountServiceAccountToken: false")
        return out

    def rules(self, ind):
        p = " " * ind
        out = [f"{p}rules:"]
        if self.chance(0.05):
            return out + [f"{p}  - apiGroups: [\"*\"]", f"{p}    resources: [\"*\"]", f"{p}    verbs: [\"*\"]"]
        for _ in range(self.r.randint(1, 5)):
            group, res = self.pick(RESOURCES)
            verbs = self.r.sample(VERBS, self.r.randint(1, 4))
            out += [f"{p}  - apiGroups: [{q(group)}]", f"{p}    resources: [{res}]",
                    f"{p}    verbs: [{', '.join(verbs)}]"]
        return out

    def role(self, c, ind=0):
        p = " " * ind
        kind = self.pick(["Role", "ClusterRole"])
        out = [f"{p}apiVersion: rbac.authorization.k8s.io/v1", f"{p}kind: {kind}"]
        out += self.metadata(c, ind, namespaced=(kind == "Role"))
        return out + self.rules(ind)

    def binding(self, c, ind=0):
        p = " " * ind
        kind = self.pick(["RoleBinding", "ClusterRoleBinding"])
        out = [f"{p}apiVersion: rbac.authorization.k8s.io/v1", f"{p}kind: {kind}"]
        out += self.metadata(c, ind, namespaced=(kind == "RoleBinding"))
        role = "cluster-admin" if self.chance(0.05) else c["name"]
        out += [f"{p}roleRef:", f"{p}  apiGroup: rbac.authorization.k8s.io",
                f"{p}  kind: {'ClusterRole' if kind == 'ClusterRoleBinding' or self.chance(0.3) else 'Role'}",
                f"{p}  name: {role}", f"{p}subjects:", f"{p}  - kind: ServiceAccount",
                f"{p}    name: {c['name']}", f"{p}    namespace: {c['ns']}"]
        return out

    def ingress(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: networking.k8s.io/v1", f"{p}kind: Ingress"] + self.metadata(c, ind)
        host = f"{c['app']}.{c['team']}.example.com"
        out += [f"{p}spec:", f"{p}  ingressClassName: nginx", f"{p}  rules:", f"{p}    - host: {host}",
                f"{p}      http:", f"{p}        paths:", f"{p}          - path: /",
                f"{p}            pathType: Prefix", f"{p}            backend:", f"{p}              service:",
                f"{p}                name: {c['name']}", f"{p}                port:",
                f"{p}                  number: 80"]
        if self.chance(0.5):
            out += [f"{p}  tls:", f"{p}    - hosts: [{host}]", f"{p}      secretName: {c['name']}-tls"]
        return out

    def network_policy(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: networking.k8s.io/v1", f"{p}kind: NetworkPolicy"] + self.metadata(c, ind)
        out += [f"{p}spec:", f"{p}  podSelector:", f"{p}    matchLabels:",
                f"{p}      app.kubernetes.io/name: {c['app']}", f"{p}  policyTypes: [Ingress]",
                f"{p}  ingress:", f"{p}    - from:", f"{p}        - namespaceSelector: {{}}"]
        return out

    def hpa(self, c, ind=0):
        p = " " * ind
        out = [f"{p}apiVersion: autoscaling/v2", f"{p}kind: HorizontalPodAutoscaler"] + self.metadata(c, ind)
        out += [f"{p}spec:", f"{p}  scaleTargetRef:", f"{p}    apiVersion: apps/v1",
                f"{p}    kind: Deployment", f"{p}    name: {c['name']}",
                f"{p}  minReplicas: {self.r.randint(1, 3)}", f"{p}  maxReplicas: {self.r.randint(4, 50)}"]
        return out

    def list_doc(self, c, ind=0):
        """`kind: List`, as `kubectl get -o yaml` prints: items at two-space indent."""
        out = ["apiVersion: v1", "kind: List", "metadata:", "  resourceVersion: \"\"", "items:"]
        for _ in range(self.r.randint(1, 5)):
            kind = self.r.choices(LIST_ITEM_KINDS, LIST_ITEM_WEIGHTS)[0]
            body = getattr(self, kind)(self.ctx(), 4)
            body[0] = "  - " + body[0][4:]
            out += body
        return out

    def document(self):
        kind = self.r.choices(DOC_KINDS, DOC_WEIGHTS)[0]
        lines = getattr(self, kind)(self.ctx())
        if self.chance(0.1):
            lines.insert(0, f"# Source: {self.pick(TEAMS)}/templates/{kind}.yaml")
        elif self.chance(0.05):
            lines.insert(0, f"# {self.pick(WORDS)} {self.pick(WORDS)}: generated, do not edit")
        return "\n".join(lines) + "\n"


DOC_KINDS, DOC_WEIGHTS = zip(*[
    ("deployment", 22), ("daemonset", 10), ("statefulset", 5), ("cronjob", 5),
    ("job", 3), ("pod", 3), ("service", 14), ("configmap", 10), ("secret", 3),
    ("service_account", 5), ("role", 4), ("binding", 4), ("ingress", 4),
    ("network_policy", 2), ("hpa", 3), ("list_doc", 3),
])
LIST_ITEM_KINDS, LIST_ITEM_WEIGHTS = zip(*[
    ("deployment", 4), ("daemonset", 3), ("service", 3), ("configmap", 2),
    ("service_account", 1), ("role", 1),
])


def docs_per_file(rng):
    """1-50, skewed small: about 10 on average."""
    bucket = rng.random()
    if bucket < 0.40:
        return 1
    if bucket < 0.70:
        return rng.randint(2, 10)
    if bucket < 0.90:
        return rng.randint(11, 30)
    return rng.randint(31, 50)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100000, help="number of YAML documents (default 100000)")
    ap.add_argument("--out", required=True, help="output directory (replaced if it holds an INDEX.tsv)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args()
    if args.docs < 1:
        ap.error("--docs must be at least 1")

    if os.path.exists(args.out):
        if os.listdir(args.out) and not os.path.exists(os.path.join(args.out, "INDEX.tsv")):
            sys.exit(f"{args.out} exists and is not a generated corpus; refusing to replace it")
        shutil.rmtree(args.out)
    os.makedirs(args.out)

    # Separate streams: layout decisions and document contents, so that the
    # files of a smaller corpus are a prefix of a larger one's.
    layout = random.Random(f"layout-{args.seed}")
    gen = Gen(random.Random(f"docs-{args.seed}"))
    index = []
    remaining = args.docs
    file_no = 0
    total_bytes = 0
    while remaining > 0:
        n = min(docs_per_file(layout), remaining)
        team = layout.choice(TEAMS)
        sub = layout.choice(["base", "overlays/prod", "overlays/staging", "charts/rendered", "manifests"])
        ext = layout.choices(["yaml", "yml"], [9, 1])[0]
        rel = f"{team}/{file_no // 200:03d}/{sub}/{layout.choice(APPS)}-{file_no:06d}.{ext}"
        docs = [gen.document() for _ in range(n)]
        if n == 1 and layout.random() < 0.5:
            text = docs[0]
        else:
            text = "---\n" + "---\n".join(docs)  # multi-doc stream, leading separator
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = text.encode()
        with open(path, "wb") as f:
            f.write(data)
        index.append((rel, n, len(data)))
        total_bytes += len(data)
        remaining -= n
        file_no += 1

    with open(os.path.join(args.out, "INDEX.tsv"), "w") as f:
        f.write("path\tdocuments\tbytes\n")
        for rel, n, size in index:
            f.write(f"{rel}\t{n}\t{size}\n")
    print(f"wrote {args.docs} documents in {len(index)} files ({total_bytes / 1e6:.1f} MB) to {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
