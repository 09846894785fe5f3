#!/usr/bin/env python3
"""Keeps one benchmark figure: benchmarks/results/<key>.json, read by table.py into the README.
   record.py KEY "figure" "ours" "baseline" RATIO "target" MET(yes|no|-) [note]"""
import json, os, sys, datetime, platform, subprocess

key, figure, ours, baseline, ratio, target, met = sys.argv[1:8]
note = sys.argv[8] if len(sys.argv) > 8 else ""
out = os.environ.get("BENCH_RESULTS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
os.makedirs(out, exist_ok=True)
cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
with open(os.path.join(out, key + ".json"), "w") as f:
    json.dump({"key": key, "figure": figure, "ours": ours, "baseline": baseline, "ratio": ratio, "target": target, "met": met,
               "note": note, "date": datetime.date.today().isoformat(), "machine": f"{cpu} vCPU, {mem} GiB, {platform.system()} {platform.release()}"},
              f, ensure_ascii=False, indent=1, sort_keys=True)
print(f"| {figure} | {ours} | {baseline} | {ratio} | {target} | {met} |")
