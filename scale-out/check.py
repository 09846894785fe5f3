#!/usr/bin/env python3
"""Checks two CivicGrid instances behind a load balancer on one PostgreSQL (see run.sh).
Fails with a message naming what went wrong; prints what it saw."""
import argparse, json, subprocess, sys, time, urllib.error, urllib.request
from collections import Counter

ap = argparse.ArgumentParser()
ap.add_argument("--lb"); ap.add_argument("--a"); ap.add_argument("--b"); ap.add_argument("--database-url")
args = ap.parse_args()


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try: return e.code, json.loads(raw)
        except Exception: return e.code, raw.decode(errors="replace")


def sql(query):
    out = subprocess.run(["psql", args.database_url, "-qtAc", query], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def fail(message):
    print("FAIL:", message); sys.exit(1)


def token(base, username):
    status, body = call(base, "POST", "/api/v1/auth/token", body={"username": username, "password": "demo1234"})
    if status != 200: fail(f"sign-in of {username} answered {status}: {body}")
    return body["token"]


# 1. The balancer spreads requests over both instances.
seen = Counter(call(args.lb, "GET", "/health")[1]["instance"] for _ in range(20))
if len(seen) != 2: fail(f"requests through the balancer reached {dict(seen)}, expected two instances")
print("balancer: 20 requests reached", dict(seen))

# 2. A token issued through one instance works on the other (sessions live in the database).
op = token(args.a, "sq01-zx")
status, me = call(args.b, "GET", "/api/v1/me", op)
if status != 200: fail(f"a token from instance a is refused by b: {status}")
community = me["roles"][0]["areaID"]; old_name = me["roles"][0]["areaName"]

# 3. A change through instance a is seen by b at once: rename the operator's community on a, read /me on b.
admin = token(args.a, "admin")
status, body = call(args.a, "PATCH", f"/api/v1/areas/{community}", admin, {"name": old_name + "（更名）"})
if status >= 300: fail(f"renaming the area answered {status}: {body}")
status, me = call(args.b, "GET", "/api/v1/me", op)
if me["roles"][0]["areaName"] != old_name + "（更名）":
    fail(f"instance b still shows {me['roles'][0]['areaName']!r} after the rename on a")
call(args.a, "PATCH", f"/api/v1/areas/{community}", admin, {"name": old_name})
print(f"reference data: a rename on instance a was seen by b on the next request")

# 4. A role taken away on a stops working on b at once.
worker = token(args.b, "wg001")
status, _ = call(args.b, "GET", "/api/v1/cases?limit=1", worker)
if status != 200: fail(f"the grid worker could not list cases before: {status}")
user_id = sql("SELECT id FROM users WHERE username = 'wg001'")
assignment = sql(f"SELECT id FROM role_assignments WHERE user_id = '{user_id}' AND role = 'gridWorker'")
status, body = call(args.a, "DELETE", f"/api/v1/users/{user_id}/roles/{assignment}", admin)
if status >= 300: fail(f"removing the role answered {status}: {body}")
status, me = call(args.b, "GET", "/api/v1/me", worker)
if any(r["role"] == "gridWorker" for r in me["roles"]): fail("instance b still lists the removed role")
print("roles: a role removed on instance a was gone on b on the next request")

# 5. The sweepers of both instances (every 2 s) mark each missed deadline exactly once.
before_negative = int(sql("SELECT COUNT(*) FROM negative_list_entries"))
sql("""UPDATE case_deadlines SET due_at = now() - interval '1 minute'
       WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL""")
deadline = time.time() + 30
while time.time() < deadline:
    left = int(sql("SELECT COUNT(*) FROM case_deadlines WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL AND due_at < now()"))
    if left == 0: break
    time.sleep(1)
else:
    fail(f"{left} missed deadlines still unmarked after 30 s")
time.sleep(5)  # more sweeps by both instances: nothing may be counted twice
marked_now = int(sql("SELECT COUNT(*) FROM negative_list_entries")) - before_negative
dupes = sql("SELECT COUNT(*) FROM (SELECT deadline_id FROM negative_list_entries GROUP BY deadline_id HAVING COUNT(*) > 1) d")
if int(dupes) != 0: fail(f"{dupes} deadlines are on the negative list more than once")
print(f"sweeper: {marked_now} missed deadlines marked once each by the two instances' sweepers (none twice)")
print("scale-out: ok")
