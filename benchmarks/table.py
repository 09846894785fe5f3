#!/usr/bin/env python3
"""Writes the figures table of benchmarks/README.md (between the figures markers) from results/*.json."""
import glob, json, os, re

here = os.path.dirname(os.path.abspath(__file__))
order = ["intake-sqlite", "intake-sqlite-helpdesk", "intake-postgres", "intake-postgres-helpdesk", "intake-postgres-pgbench",
         "dashboard", "sla-sweep", "locate", "registry-import", "mixed-load-rss"]
rows = {json.load(open(p))["key"]: json.load(open(p)) for p in glob.glob(os.path.join(here, "results", "*.json"))}
keys = [k for k in order if k in rows] + sorted(k for k in rows if k not in order)
lines = ["| figure | ours | baseline (same run) | ratio | target | met | measured |", "|---|---|---|---|---|---|---|"]
for k in keys:
    r = rows[k]
    lines.append(f"| {r['figure']} | {r['ours']} | {r['baseline']} | {r['ratio']} | {r['target']} | {r['met']} | {r['date']}, {r['machine']} |")
table = "\n".join(lines)
path = os.path.join(here, "README.md")
text = open(path).read()
new = re.sub(r"<!-- figures -->.*?<!-- /figures -->", "<!-- figures -->\n" + table + "\n<!-- /figures -->", text, flags=re.S)
open(path, "w").write(new)
print(table)
