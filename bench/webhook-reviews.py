#!/usr/bin/env python3
"""Writes the AdmissionReviews bench/webhook.sh sends: a restricted-compliant
two-container Pod CREATE, and a Deployment CREATE with the same template."""
import copy
import json
import sys

out = sys.argv[1]
spec = {
    "serviceAccountName": "web",
    "automountServiceAccountToken": False,
    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {"name": "web", "image": "registry.example.com/shop/web:1.4.2",
         "ports": [{"containerPort": 8080}],
         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
         "env": [{"name": "LOG_LEVEL", "value": "info"}],
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "capabilities": {"drop": ["ALL"]}},
         "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]},
        {"name": "envoy", "image": "registry.example.com/envoy:1.30",
         "ports": [{"containerPort": 9901}],
         "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "capabilities": {"drop": ["ALL"]}}},
    ],
    "volumes": [{"name": "tmp", "emptyDir": {}}],
}
pod = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-7d4b9c6f5-abcde", "namespace": "shop", "labels": {"app": "web"}},
       "spec": spec}
request = {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
           "kind": {"group": "", "version": "v1", "kind": "Pod"},
           "resource": {"group": "", "version": "v1", "resource": "pods"},
           "operation": "CREATE", "namespace": "shop",
           "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
           "object": pod, "dryRun": False}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
with open(f"{out}/pod-review.json", "w") as f:
    json.dump(review, f)
deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}}, "spec": copy.deepcopy(spec)}}}
review = copy.deepcopy(review)
review["request"]["kind"] = {"group": "apps", "version": "v1", "kind": "Deployment"}
review["request"]["resource"] = {"group": "apps", "version": "v1", "resource": "deployments"}
review["request"]["object"] = deployment
with open(f"{out}/dep-review.json", "w") as f:
    json.dump(review, f)
