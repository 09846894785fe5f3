#!/usr/bin/env python3
"""Crash safety: intake under load, the server killed with SIGKILL at random moments, restarted;
every case whose creation was acknowledged (2xx received) must exist with its full first timeline
entry, and `civicgrid verify-trail` must be clean.

  reliability/crash_safety.py --db sqlite   --kills 20
  reliability/crash_safety.py --db postgres --kills 20 --database-url postgres://…

Prints one line of figures at the end (and --json FILE writes them)."""
import argparse
import base64
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "demo1234"


def call(base, path, body=None, token=None, timeout=5):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read().decode() or "null")


def wait_up(base, proc, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("server exited while starting")
        try:
            if call(base, "/health", timeout=1)[0] == 200:
                return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--database-url", default=os.environ.get("CRASH_DATABASE_URL", ""))
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--port", type=int, default=8093)
    ap.add_argument("--bin", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args.bin or os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=root, text=True).strip(), "civicgrid")
    work = tempfile.mkdtemp(prefix="civicgrid-crash-")
    env = dict(os.environ, UPLOAD_DIR=os.path.join(work, "uploads"), LOG_LEVEL="warning", BCRYPT_COST="4",
               CIVICGRID_SECRET=base64.b64encode(os.urandom(48)).decode(),  # `serve` runs only on a real secret
               PUBLIC_URL=f"http://127.0.0.1:{args.port}")
    if args.db == "sqlite":
        env["DATABASE_PATH"] = os.path.join(work, "crash.sqlite")
        env.pop("DATABASE_URL", None)
    else:
        if not args.database_url:
            raise SystemExit("--database-url is needed for postgres")
        env["DATABASE_URL"] = args.database_url
        subprocess.run([binary, "migrate", "--revert", "--yes"], cwd=root, env=env, capture_output=True)
    base = f"http://127.0.0.1:{args.port}"
    # A small city, seeded once; then plain `serve` after every kill.
    seed = subprocess.run([binary, "demo", "--no-serve", "--cases", "50", "--people-per-grid", "5"], cwd=root, env=env, capture_output=True, text=True)
    if seed.returncode != 0:
        raise SystemExit("seeding failed:\n" + seed.stdout[-2000:] + seed.stderr[-2000:])

    def start():
        p = subprocess.Popen([binary, "serve", "--port", str(args.port)], cwd=root, env=env,
                             stdout=open(os.path.join(work, "server.log"), "a"), stderr=subprocess.STDOUT)
        wait_up(base, p)
        return p

    server = start()
    token = call(base, "/api/v1/auth/token", {"username": "qu-zx", "password": PASSWORD})[1]["token"]
    categories = call(base, "/api/v1/categories", token=token)[1]
    category = next(c["id"] for c in categories if c["code"] == "SZ01")
    grids = sorted({c["gridID"] for c in call(base, "/api/v1/cases?pageSize=100", token=token)[1]["items"]})

    acknowledged = {}   # id -> title
    lock = threading.Lock()
    attempts = {"sent": 0, "refused": 0, "lost_connection": 0}
    refusals = {}
    stop = threading.Event()

    def writer(n):
        rng = random.Random(n)
        i = 0
        while not stop.is_set():
            i += 1
            title = f"崩溃测试 {n}-{i}-{rng.randrange(10**6)}"
            body = {"categoryID": category, "title": title, "channel": "wechatGroup", "description": "SIGKILL 之前确认的事件必须存在",
                    "gridID": rng.choice(grids)}
            try:
                with lock:
                    attempts["sent"] += 1
                status, answer = call(base, "/api/v1/cases", body, token, timeout=5)
                if 200 <= status < 300:
                    with lock:
                        acknowledged[answer["id"]] = title
            except urllib.error.HTTPError as e:
                with lock:
                    attempts["refused"] += 1
                    refusals[e.code] = refusals.get(e.code, 0) + 1
            except Exception:
                with lock:
                    attempts["lost_connection"] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(args.writers)]
    for t in threads:
        t.start()
    rng = random.Random(42)
    for k in range(args.kills):
        time.sleep(rng.uniform(0.3, 2.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = start()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    time.sleep(0.5)

    # Every acknowledged case is there, with its first timeline entry.
    missing, no_trail = [], []
    for cid, title in acknowledged.items():
        try:
            status, case = call(base, f"/api/v1/cases/{cid}", token=token, timeout=10)
        except urllib.error.HTTPError:
            missing.append(cid)
            continue
        timeline = case.get("timeline") or []
        if case.get("case", {}).get("title") != title:
            missing.append(cid)
        elif not timeline or timeline[0].get("action") != "report":
            no_trail.append(cid)
    server.send_signal(signal.SIGTERM)
    server.wait()
    trail = subprocess.run([binary, "verify-trail"], cwd=root, env=env, capture_output=True, text=True)
    figures = {"database": args.db, "kills": args.kills, "writers": args.writers, "requests": attempts["sent"],
               "acknowledged": len(acknowledged), "refused": attempts["refused"], "refused_by_status": refusals, "lost": len(missing), "without_trail": len(no_trail),
               "connection_errors": attempts["lost_connection"], "verify_trail_clean": trail.returncode == 0}
    print(json.dumps(figures, ensure_ascii=False))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, ensure_ascii=False)
    if missing or no_trail or trail.returncode != 0 or not acknowledged:
        print("FAILED: lost", missing[:5], "without trail", no_trail[:5], trail.stdout[-500:], trail.stderr[-500:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
