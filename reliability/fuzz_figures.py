#!/usr/bin/env python3
"""Figures of a fuzzing run from schemathesis' NDJSON reports: requests sent, by status class, and
failures (5xx or a response that does not match its documented schema), per user and in total."""
import collections
import glob
import json
import os
import sys

work, examples = sys.argv[1], int(sys.argv[2])
total = collections.Counter()
users = {}
failures = []
for path in sorted(glob.glob(os.path.join(work, "*.ndjson"))):
    user = os.path.basename(path)[:-len(".ndjson")]
    counts = collections.Counter()
    for line in open(path):
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, interaction in (recorder.get("interactions") or {}).items():
            status = (interaction.get("response") or {}).get("status_code")
            counts["requests"] += 1
            counts[f"{status // 100}xx" if status else "no response"] += 1
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") == "failure":
                    counts["failures"] += 1
                    failures.append({"user": user, "operation": recorder.get("label"), "check": check.get("name")})
    users[user] = dict(counts)
    total.update(counts)
print(json.dumps({"examples_per_operation": examples, "total": dict(total), "by_user": users, "failures": failures[:50]},
                 ensure_ascii=False, indent=2, sort_keys=True))
