#!/usr/bin/env python3
"""Prints, for the hot queries on the partitioned cases table, how many partitions the plan reads
(EXPLAIN, JSON), and fails if pruning does not happen where it must."""
import json, subprocess, sys

url = sys.argv[1]


def psql(q):
    return subprocess.run(["psql", url, "-qtAc", q], capture_output=True, text=True, check=True).stdout.strip()


total = int(psql("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r' AND c.relname LIKE 'cases_p_%'"))
region = int(psql("SELECT region_id FROM cases_p GROUP BY region_id ORDER BY count(*) DESC LIMIT 1"))
month = psql("SELECT to_char(date_trunc('month', max(reported_at)) - interval '1 month', 'YYYY-MM-DD') FROM cases_p")
nxt = psql(f"SELECT to_char(date '{month}' + interval '1 month', 'YYYY-MM-DD')")
rows = int(psql("SELECT count(*) FROM cases_p"))


def scanned(query):
    # ANALYZE: partitions pruned when the executor starts (now()) are then absent from the plan.
    plan = json.loads(psql("EXPLAIN (ANALYZE, FORMAT JSON) " + query))[0]["Plan"]
    found = set()
    def walk(node):
        name = node.get("Relation Name", "")
        if name.startswith("cases_p_"): found.add(name)
        for child in node.get("Plans", []): walk(child)
    walk(plan)
    return len(found)


checks = [
    ("one street, one month (monthly report of a street)",
     f"SELECT count(*) FROM cases_p WHERE region_id = {region} AND reported_at >= '{month}' AND reported_at < '{nxt}'", 1),
    ("one street, last 30 days, open cases (street board; now() pruned when the executor starts)",
     f"SELECT id FROM cases_p WHERE region_id = {region} AND reported_at >= now() - interval '30 days' AND status <> 'closed' LIMIT 50", 2),
    ("whole city, one month (city statistics)",
     f"SELECT status, count(*) FROM cases_p WHERE reported_at >= '{month}' AND reported_at < '{nxt}' GROUP BY status", None),
    ("a case by id alone (no partition key: every partition probed)",
     "SELECT * FROM cases_p WHERE id = '00000000-0000-0000-0000-000000000001'", total),
]
print(f"cases_p: {rows:,} cases in {total} partitions (months × streets + a default per month)")
worst = 0
ok = True
for name, q, expected in checks:
    n = scanned(q)
    if expected is None:
        per_month = int(psql(f"SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                             f"WHERE c.relname LIKE 'cases_p_{month[:4]}{month[5:7]}_%'"))
        expected = per_month
    mark = "ok" if n <= expected else "NOT PRUNED"
    ok &= n <= expected
    print(f"  {name}: reads {n} of {total} partitions ({mark})")
if not ok:
    sys.exit("partition pruning did not happen where it must")
subprocess.run(["benchmarks/record.py", "partitioning", f"partition pruning, cases by month × street ({rows:,} cases, PostgreSQL)",
                f"one street's month reads 1 of {total} partitions", f"unpartitioned: the whole table", f"{total}×",
                "pruning shown in the plans", "yes"], check=True)
