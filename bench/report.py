#!/usr/bin/env python3
"""Turn bench/out/{results,reports}.tsv into the Markdown report (called by bench/run.sh).

    python3 bench/report.py bench/out BIG_CORPUS SUBSET_CORPUS SMALL_CORPUS
"""

import csv
import os
import sys


def load(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt(x, spec="{:,.2f}", missing="n/a"):
    if x is not None and spec == "{:,.0f}" and abs(x) < 100:
        spec = "{:,.1f}"  # small rates (checkov) keep a decimal
    return missing if x is None else spec.format(x)


def main():
    out, big, subset, small = sys.argv[1:5]
    rows = load(os.path.join(out, "results.tsv"))
    reports = {r["corpus"]: r for r in load(os.path.join(out, "reports.tsv"))}
    res = {(r["corpus"], r["tool"]): r for r in rows}

    def get(corpus, tool, field):
        r = res.get((corpus, tool))
        return num(r[field]) if r else None

    def rate(corpus, tool):
        docs, mean = get(corpus, tool, "documents"), get(corpus, tool, "mean_s")
        return docs / mean if docs and mean else None

    lines = ["## Results", ""]
    with open(os.path.join(out, "machine.txt")) as f:
        blocks = f.read().split("\n\n")
        machine = blocks[0] + "".join("\n" + l for b in blocks[1:] for l in b.splitlines() if l.startswith("load average"))
    lines += ["```", machine.strip(), "```", ""]

    lines += ["| corpus | tool | files | documents | wall time (s) | documents/s | peak RSS (MiB) | measured with |",
              "|---|---|--:|--:|--:|--:|--:|---|"]
    ck_sub = rate(subset, "checkov")
    big_docs = get(big, "rampart-full", "documents")
    for i, r in enumerate(rows):
        mean, sd, rss = num(r["mean_s"]), num(r["stddev_s"]), num(r["peak_rss_kib"])
        wall = "n/a" if mean is None else (f"{mean:.3f} ± {sd:.3f}" if sd else f"{mean:.2f}")
        lines.append(f"| {r['corpus']} | {r['tool']} | {int(num(r['files']) or 0):,} | {fmt(num(r['documents']), '{:,.0f}')} "
                     f"| {wall} | {fmt(rate(r['corpus'], r['tool']), '{:,.0f}')} | {fmt(rss and rss / 1024, '{:,.1f}')} | {r['method']} |")
        last_of_big = r["corpus"] == big and (i + 1 == len(rows) or rows[i + 1]["corpus"] != big)
        # checkov on the big corpus, extrapolated from the subset's per-document throughput.
        if last_of_big and ck_sub and big_docs:
            lines.append(f"| {big} | checkov, **extrapolated** from {subset} | | {big_docs:,.0f} "
                         f"| ~{big_docs / ck_sub:,.0f} | ~{ck_sub:,.0f} | n/a | {subset}'s documents/s |")
    lines.append("")

    if reports:
        lines += ["What each full scan reported (one extra run writing the JSON report to a file):", "",
                  "| corpus | files | documents | objects | findings | input errors | skipped | JSON report (MB) |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|"]
        for c, r in reports.items():
            lines.append(f"| {c} | {r['files']} | {r['documents']} | {r['objects']} | {r['findings']} | {r['errors']} "
                         f"| {r['skipped']} | {fmt(num(r['json_bytes']) / 1e6)} |")
        lines.append("")

    def verdict(ok):
        return "n/a" if ok is None else ("**yes**" if ok else "**no**")

    lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for corpus, what in (("shared", "shared corpus, same files"),
                         (subset, f"{subset}, same files"),
                         (big, f"{big} vs checkov extrapolated")):
        ours = rate(corpus, "rampart-full")
        theirs = rate(corpus, "checkov") if corpus != big else ck_sub
        ratio = ours / theirs if ours and theirs else None
        lines.append(f"| ≥100× checkov's documents/s ({what}) | {fmt(ratio, '{:,.0f}×')} "
                     f"({fmt(ours, '{:,.0f}')} vs {fmt(theirs, '{:,.1f}')} docs/s) | {verdict(ratio and ratio >= 100)} |")
    for corpus in ("shared", big):
        full, parse = get(corpus, "rampart-full", "mean_s"), get(corpus, "rampart-parse-only", "mean_s")
        ratio = full / parse if full and parse else None
        lines.append(f"| full scan ≤ 2× parse-only time ({corpus}) | {fmt(ratio, '{:.2f}×')} "
                     f"({fmt(full, '{:.3f}')} s vs {fmt(parse, '{:.3f}')} s) | {verdict(ratio and ratio <= 2)} |")
    for tool in ("rampart-parse-only", "rampart-full"):
        a, b = get(small, tool, "peak_rss_kib"), get(big, tool, "peak_rss_kib")
        fa, fb = get(small, tool, "files"), get(big, tool, "files")
        ratio = b / a if a and b else None
        extra = ""
        if tool == "rampart-full" and small in reports and big in reports:
            ja, jb = num(reports[small]["json_bytes"]), num(reports[big]["json_bytes"])
            extra = f"; JSON report {ja / 1e6:,.1f} → {jb / 1e6:,.1f} MB"
        lines.append(f"| peak RSS flat in the number of files, {tool} ({small} → {big}: "
                     f"{fmt(fa, '{:,.0f}')} → {fmt(fb, '{:,.0f}')} files) | {fmt(a and a / 1024, '{:,.1f}')} → "
                     f"{fmt(b and b / 1024, '{:,.1f}')} MiB ({fmt(ratio, '{:.2f}×')}{extra}) | {verdict(ratio and ratio <= 1.5)} |")
    lines.append("")
    lines.append("Memory is judged 'flat' when 10× the files costs at most 1.5× the peak RSS.")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
