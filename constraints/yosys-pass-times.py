#!/usr/bin/env python3
"""Per-pass wall times from a Yosys log written with `yosys -t -l LOG` (as `sparsetile synth` does:
<work dir>/yosys.<target>.log.full). Usage: yosys-pass-times.py LOG [DEPTH]  (DEPTH 2 = "2.42.")"""
import re, sys
from collections import defaultdict
log, depth = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2
rx = re.compile(r"^\[(\d+\.\d+)\] (\d+(?:\.\d+)*)\. Executing (.*)$")
ev = []
last = 0.0
for line in open(log, errors="replace"):
    m = rx.match(line)
    if line.startswith("[") and "]" in line:
        try: last = float(line[1:line.index("]")])
        except ValueError: pass
    if m and m.group(2).count(".") + 1 == depth:
        ev.append((float(m.group(1)), m.group(2), m.group(3)))
tot = defaultdict(float); cnt = defaultdict(int)
for i, (t, num, what) in enumerate(ev):
    end = ev[i + 1][0] if i + 1 < len(ev) else last
    name = re.sub(r"\s*\(.*", "", what).replace(" pass", "")
    tot[name] += end - t; cnt[name] += 1
s = sum(tot.values()) or 1
for name, v in sorted(tot.items(), key=lambda kv: -kv[1])[:20]:
    print(f"{v:9.1f} s {100*v/s:5.1f}%  {cnt[name]:3d}x  {name}")
print(f"{s:9.1f} s total (log span {last:.1f} s)")
