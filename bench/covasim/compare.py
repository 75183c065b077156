"""Runs our simulator's bench example and Covasim at the same sizes; prints both side by side.

Usage: compare.py --bench PATH --python PATH --days N --people N [--people N ...]
"""
import argparse
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return fields(out.strip().splitlines()[-1])


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return f"{os.cpu_count()} cores, {model}, {mem_kb / 2**20:.1f} GiB, {platform.platform()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--people", type=int, action="append", required=True)
    ap.add_argument("--threads", type=int, action="append")
    a = ap.parse_args()
    print(f"machine: {machine()}")
    for people in a.people:
        ours = {}
        for threads in a.threads or [0]:
            ours[threads] = run([a.bench, "--people", str(people), "--days", str(a.days),
                                 "--threads", str(threads), "--quiet"])
        theirs = run([a.python, os.path.join(HERE, "covasim_run.py"), "--people", str(people),
                      "--days", str(a.days)])
        print(f"\n{people:,} people x {a.days} days")
        print(f"{'':28}{'covasim 4.0.1 (hybrid)':>24}" + "".join(
            f"{'sim, threads=' + (str(t) if t else 'all'):>22}" for t in ours))
        rows = [
            ("wall seconds (setup+run)", "seconds", "{:.1f}"),
            ("setup seconds", "setup_seconds", "{:.1f}"),
            ("person-days / second", "person_days_per_second", "{:,.0f}"),
            ("peak RSS bytes / person", "bytes_per_person", "{:,.0f}"),
            ("infections", "infections", "{:,.0f}"),
        ]
        for label, key, fmt in rows:
            line = f"{label:28}{fmt.format(float(theirs[key])):>24}"
            for o in ours.values():
                line += f"{fmt.format(float(o[key])):>22}"
            print(line)
        for t, o in ours.items():
            speed = float(theirs["seconds"]) / float(o["seconds"])
            mem = float(theirs["peak_rss_bytes"]) / float(o["peak_rss_bytes"])
            print(f"ratio covasim/sim (threads={t or 'all'}): wall time x{speed:.1f}, peak memory x{mem:.1f}")


if __name__ == "__main__":
    main()
