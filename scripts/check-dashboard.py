#!/usr/bin/env python3
"""check-dashboard.py DASHBOARD.json - the shipped Grafana dashboard, checked
without Grafana: valid JSON; a dashboard (title, uid, schemaVersion a
number of 36 or more, panels a list); every panel has an id unique in the
dashboard, a type, a gridPos with x, y, w, h inside Grafana's 24 columns
and at least one target; and every PromQL expression (panels and template
queries) names only metrics smtpprobe emits, read from the renderer's
source (probe/report/probe_report_prom.c), plus Prometheus' own "up".
Exit 0, or 1 with one line per problem."""
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDERER = os.path.join(TOP, "probe", "report", "probe_report_prom.c")
# PromQL words that look like names but are not metrics.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "inf", "nan"}
# Series Prometheus makes itself for every target.
BUILTIN = {"up"}


def emitted():
    with open(RENDERER, encoding="utf-8") as f:
        return set(re.findall(r'"(smtpprobe_[a-z_]+)"', f.read()))


def metric_names(expr):
    """The metric names of a PromQL expression, by elimination."""
    e = re.sub(r'"(\\.|[^"\\])*"', '""', expr)          # strings
    e = re.sub(r"\{[^}]*\}", "", e)                      # matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                     # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*"
               r"\([^)]*\)", " ", e)                    # label lists
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue                                     # a function
        if re.fullmatch(r"\d+[smhdwy]?", word):
            continue
        names.add(word)
    return names


def exprs(d):
    for p in d.get("panels", []):
        for t in p.get("targets", []):
            yield "panel %s" % p.get("id"), t.get("expr", "")
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query", "")
        if v.get("type") == "query" and isinstance(q, str):
            m = re.fullmatch(r"label_values\((.*),\s*\w+\)", q.strip())
            yield "variable %s" % v.get("name"), m.group(1) if m else q


def check(path):
    bad = []
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        return ["%s: not valid JSON: %s" % (path, e)]
    if not isinstance(d, dict) or not d.get("title") or not d.get("uid"):
        bad.append("no title or uid")
    sv = d.get("schemaVersion")
    if not isinstance(sv, int) or sv < 36:
        bad.append("schemaVersion missing or below 36: %r" % (sv,))
    panels = d.get("panels")
    if not isinstance(panels, list) or not panels:
        return bad + ["no panels"]
    ids = set()
    for p in panels:
        pid = p.get("id")
        if not isinstance(pid, int) or pid in ids:
            bad.append("panel id missing or repeated: %r" % (pid,))
        ids.add(pid)
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "xywh") or \
                g.get("x", 0) + g.get("w", 0) > 24:
            bad.append("panel %r: gridPos outside 24 columns: %r" % (pid, g))
        if not p.get("type") or not p.get("targets"):
            bad.append("panel %r: no type or no targets" % (pid,))
    known = emitted() | BUILTIN
    if len(known) < 10:
        bad.append("found only %d metric names in %s" % (len(known),
                                                          RENDERER))
    for where, expr in exprs(d):
        if not expr:
            bad.append("%s: an empty expression" % where)
        for name in sorted(metric_names(expr) - known):
            bad.append("%s: %s is not a metric smtpprobe emits" % (where,
                                                                     name))
    return bad


def main():
    if len(sys.argv) != 2:
        print("usage: check-dashboard.py DASHBOARD.json", file=sys.stderr)
        return 3
    bad = check(sys.argv[1])
    for b in bad:
        print("check-dashboard: %s" % b, file=sys.stderr)
    if not bad:
        print("check-dashboard: ok: %s" % sys.argv[1])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
