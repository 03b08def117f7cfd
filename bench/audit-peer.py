#!/usr/bin/env python3
"""The audit-log peer: Sigma's Kubernetes audit rules, converted by pySigma's DuckDB backend, run by DuckDB.

    python audit-peer.py convert RULES_DIR OUT.json      # Sigma YAML -> DuckDB SQL (+ check it binds)
    python audit-peer.py run LOG.jsonl QUERIES.json      # run them over an audit log (JSON lines)

Runs inside bench/.venv-sigma (bench/setup-audit-peer.sh); bench/audit-peer.sh wraps `run`
with GNU time. See the comments there for the whole recipe.

Conversion: pySigma + pySigma-backend-duckdb (`sigma_backend_duckdb.DuckDBBackend`, which
writes `SELECT * FROM logs WHERE ...` and double-quotes every field name that is not a plain
identifier, so `objectRef.resource` becomes the column "objectRef.resource"). Our processing
pipeline (PIPELINE below) maps the rules' field names onto raw audit.k8s.io/v1 JSON:

  Sigma field              column of view `logs`                           defined as
  verb, requestURI,        verb, requestURI, userAgent                     the top-level JSON keys
  userAgent
  objectRef.<x>            "objectRef.<x>"                                 objectRef.<x> (STRUCT field)
  responseStatus.code      "responseStatus.code"                           responseStatus.code (INTEGER)
  apiGroup (top level,     "objectRef.apiGroup"                            objectRef.apiGroup: raw audit events have
   2 rules)                                                                no top-level apiGroup; the rules mean this
  hostPath                 "requestObject.spec.volumes[].hostPath.path"    paths of the pod's hostPath volumes, comma-
                                                                           joined, NULL when none (rule: '*' = exists)
  capabilities             "requestObject.spec.containers[]                the containers' capabilities blocks, NULL
                            .securityContext.capabilities"                 when none (rule: '*' = exists)
  responseStatus.code:     "annotations.authorization.k8s.io/decision"     annotations['authorization.k8s.io/decision'],
   'ALLOW' (1 rule)         = 'allow'                                      the only place an audit event says "allowed";
                                                                           as written the rule compares the integer
                                                                           code with 'ALLOW' and can never match

The log is read with read_ndjson and an explicit schema (SCHEMA: the audit Event's fields,
with requestObject/responseObject as JSON, annotations as MAP) or, with --schema auto, with
DuckDB's own schema detection.

Modes (--mode):
  table   (default) load the log once into an in-memory table (CREATE TABLE events AS SELECT *
          FROM read_ndjson(...)), then run each converted rule as written, counting its rows:
          SELECT count(*) FROM (<rule SQL>). This is how the backend's output is meant to be
          used (one query per rule over a `logs` table).
  stream  one pass over the file, no table: SELECT count(*) FILTER (WHERE <rule condition>)
          for every rule in a single aggregate over read_ndjson (the WHERE clauses are the
          converted rules' conditions, unchanged).
"""

import argparse
import glob
import json
import os
import resource
import sys
import time

DECISION = "annotations.authorization.k8s.io/decision"
HOSTPATH = "requestObject.spec.volumes[].hostPath.path"
CAPS = "requestObject.spec.containers[].securityContext.capabilities"

FIELD_MAP = {
    "apiGroup": "objectRef.apiGroup",
    "hostPath": HOSTPATH,
    "capabilities": CAPS,
}

SCHEMA = {
    "kind": "VARCHAR",
    "apiVersion": "VARCHAR",
    "level": "VARCHAR",
    "auditID": "VARCHAR",
    "stage": "VARCHAR",
    "requestURI": "VARCHAR",
    "verb": "VARCHAR",
    "user": "STRUCT(username VARCHAR, uid VARCHAR, groups VARCHAR[], extra MAP(VARCHAR, VARCHAR[]))",
    "impersonatedUser": "STRUCT(username VARCHAR, uid VARCHAR, groups VARCHAR[], extra MAP(VARCHAR, VARCHAR[]))",
    "sourceIPs": "VARCHAR[]",
    "userAgent": "VARCHAR",
    "objectRef": "STRUCT(resource VARCHAR, namespace VARCHAR, name VARCHAR, uid VARCHAR, apiGroup VARCHAR, "
                 "apiVersion VARCHAR, resourceVersion VARCHAR, subresource VARCHAR)",
    "responseStatus": "STRUCT(code INTEGER, status VARCHAR, reason VARCHAR, message VARCHAR)",
    "requestObject": "JSON",
    "responseObject": "JSON",
    "requestReceivedTimestamp": "TIMESTAMPTZ",
    "stageTimestamp": "TIMESTAMPTZ",
    "annotations": "MAP(VARCHAR, VARCHAR)",
}

# The view the converted rules query: the raw columns plus one flat column per Sigma field.
VIEW = f"""
CREATE OR REPLACE VIEW logs AS SELECT e.*,
  e.objectRef.resource     AS "objectRef.resource",
  e.objectRef.subresource  AS "objectRef.subresource",
  e.objectRef.namespace    AS "objectRef.namespace",
  e.objectRef.name         AS "objectRef.name",
  e.objectRef.apiGroup     AS "objectRef.apiGroup",
  e.responseStatus.code    AS "responseStatus.code",
  e.annotations['authorization.k8s.io/decision'] AS "{DECISION}",
  nullif(array_to_string(json_extract_string(CAST(e.requestObject AS JSON), '$.spec.volumes[*].hostPath.path'), ','), '')
                           AS "{HOSTPATH}",
  nullif(array_to_string(json_extract_string(CAST(e.requestObject AS JSON), '$.spec.containers[*].securityContext.capabilities'), ';'), '')
                           AS "{CAPS}"
FROM events e
"""

PREFIX = "SELECT * FROM logs WHERE "


def pipeline():
    from sigma.processing.conditions import IncludeFieldCondition, RuleContainsDetectionItemCondition
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations import FieldMappingTransformation, ReplaceStringTransformation

    return ProcessingPipeline(
        name="Kubernetes audit.k8s.io/v1 JSON lines for DuckDB (rampart bench)",
        priority=20,
        items=[
            # Potential Enumeration Activity: responseStatus.code: 'ALLOW' -> the authorization decision
            ProcessingItem(identifier="k8s_allow_is_decision",
                           transformation=FieldMappingTransformation({"responseStatus.code": DECISION}),
                           rule_conditions=[RuleContainsDetectionItemCondition(field="responseStatus.code", value="ALLOW")]),
            ProcessingItem(identifier="k8s_allow_value",
                           transformation=ReplaceStringTransformation(regex="^ALLOW$", replacement="allow"),
                           field_name_conditions=[IncludeFieldCondition(fields=[DECISION])]),
            ProcessingItem(identifier="k8s_audit_fields", transformation=FieldMappingTransformation(FIELD_MAP)),
        ],
    )


def connect(threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def read_sql(log, schema):
    path = log.replace("'", "''")
    if schema == "explicit":
        cols = ", ".join(f"'{k}': '{v}'" for k, v in SCHEMA.items())
        return f"read_ndjson('{path}', columns = {{{cols}}}, maximum_object_size = 268435456)"
    return f"read_ndjson('{path}', maximum_object_size = 268435456)"


def convert(args):
    from sigma.collection import SigmaCollection
    from sigma_backend_duckdb import DuckDBBackend

    backend = DuckDBBackend(processing_pipeline=pipeline())
    files = sorted(glob.glob(os.path.join(args.rules, "**", "*.yml"), recursive=True))
    if not files:
        sys.exit(f"no *.yml under {args.rules}")
    out, failed = [], []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        try:
            coll = SigmaCollection.from_yaml(text)
            rule = coll.rules[0]
            sql = backend.convert(coll)
            if len(sql) != 1:
                raise ValueError(f"{len(sql)} queries")
            out.append({"file": os.path.basename(f), "id": str(rule.id), "title": rule.title,
                        "author": rule.author, "level": str(rule.level.name.lower() if rule.level else ""),
                        "sql": sql[0]})
        except Exception as e:  # noqa: BLE001 - report and go on
            failed.append({"file": os.path.basename(f), "error": f"{type(e).__name__}: {e}"})
    # Check that every query binds against the view (an empty events table with the schema).
    con = connect(1)
    cols = ", ".join(f'"{k}" {v}' for k, v in SCHEMA.items())
    con.execute(f"CREATE TABLE events ({cols})")
    con.execute(VIEW)
    for q in out:
        con.execute(f"SELECT count(*) FROM ({q['sql']})").fetchall()
        if not q["sql"].startswith(PREFIX):
            raise SystemExit(f"{q['file']}: unexpected query shape: {q['sql'][:80]}")
    from importlib.metadata import version

    import duckdb
    doc = {"rules_dir": os.path.abspath(args.rules), "pysigma": version("pysigma"),
           "pysigma_backend_duckdb": version("pysigma-backend-duckdb"), "duckdb": duckdb.__version__,
           "field_map": FIELD_MAP, "fixes": {"responseStatus.code: 'ALLOW'": f"{DECISION} = 'allow'"},
           "queries": out, "failed": failed}
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
    print(f"{len(out)} rules converted, {len(failed)} failed -> {args.out}", file=sys.stderr)
    for f in failed:
        print(f"  FAILED {f['file']}: {f['error']}", file=sys.stderr)
    return 0 if out else 1


def run(args):
    doc = json.load(open(args.queries, encoding="utf-8"))
    queries = doc["queries"]
    con = connect(args.threads)
    src = read_sql(args.log, args.schema)
    t0 = time.perf_counter()
    per_rule = []
    if args.mode == "table":
        con.execute(f"CREATE TABLE events AS SELECT * FROM {src}")
        t_load = time.perf_counter() - t0
        con.execute(VIEW)
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        for q in queries:
            t = time.perf_counter()
            n = con.execute(f"SELECT count(*) FROM ({q['sql']})").fetchone()[0]
            per_rule.append((q, n, time.perf_counter() - t))
    else:
        con.execute(f"CREATE VIEW events AS SELECT * FROM {src}")
        con.execute(VIEW)
        filters = ",\n  ".join(f"count(*) FILTER (WHERE {q['sql'][len(PREFIX):]})" for q in queries)
        row = con.execute(f"SELECT count(*),\n  {filters}\nFROM logs").fetchone()
        t_load = None
        events = row[0]
        per_rule = [(q, n, None) for q, n in zip(queries, row[1:])]
    wall = time.perf_counter() - t0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = os.path.getsize(args.log)
    result = {"log": args.log, "bytes": size, "events": events, "mode": args.mode, "schema": args.schema,
              "threads": args.threads, "rules": len(queries), "seconds": round(wall, 3),
              "load_seconds": round(t_load, 3) if t_load is not None else None,
              "events_per_s": round(events / wall) if wall else None, "peak_rss_kib_self": rss_kib,
              "duckdb": doc.get("duckdb"), "pysigma": doc.get("pysigma"),
              "pysigma_backend_duckdb": doc.get("pysigma_backend_duckdb"),
              "matches": [{"file": q["file"], "title": q["title"], "author": q["author"], "matches": n,
                           "seconds": round(s, 3) if s is not None else None} for q, n, s in per_rule]}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    w = max(len(q["title"]) for q in queries)
    print(f"{'rule (Sigma, DRL 1.1)':<{w}}  {'matches':>8}  {'query s':>7}  author", file=sys.stderr)
    for q, n, s in per_rule:
        st = f"{s:7.3f}" if s is not None else "      -"
        print(f"{q['title']:<{w}}  {n:>8}  {st}  {q['author']}", file=sys.stderr)
    load = f", load {t_load:.2f} s" if t_load is not None else ""
    print(f"duckdb {doc.get('duckdb')} {args.mode}/{args.schema}: {events} events, {len(queries)} rules, "
          f"{wall:.2f} s in DuckDB{load}, {events / wall:,.0f} events/s, {sum(n for _, n, _ in per_rule)} matches",
          file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert", help="convert the Sigma rules to DuckDB SQL")
    c.add_argument("rules", help="folder of Sigma rules (*.yml, searched recursively)")
    c.add_argument("out", help="output JSON (queries and metadata)")
    r = sub.add_parser("run", help="run converted rules over an audit log")
    r.add_argument("log", help="audit log, JSON lines")
    r.add_argument("queries", help="output of convert")
    r.add_argument("--mode", choices=["table", "stream"], default="table")
    r.add_argument("--schema", choices=["explicit", "auto"], default="explicit")
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--json", help="write the result as JSON here")
    args = ap.parse_args()
    return convert(args) if args.cmd == "convert" else run(args)


if __name__ == "__main__":
    sys.exit(main())
