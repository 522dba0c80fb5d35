#!/usr/bin/env python3
"""CPU-seconds and peak memory of each node of a `samen bench` run, per phase.

Runs `SAMEN bench --households N [--aligned] --dir D --json J`, samples every node
process (`samen node run`, children of the bench) every few milliseconds from /proc
(utime + stime, VmHWM), and afterwards cuts the CPU samples at each node's phase
boundaries, read from its transcript (`phase` records carry a wall-clock `t` in ms; the
phase ends `seconds` later, from the bench's JSON). CPU-seconds do not depend on the
machine's load the way wall-clock time does, so runs taken on a busy machine still
compare. Linux only; the resolution of the CPU figures is one clock tick (10 ms).

Usage: phase_cpu.py SAMEN HOUSEHOLDS [--aligned] [--runs K] [--out FILE.json]
Prints one JSON object per run; with --out, writes the list of runs too.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def children_nodes(dir_):
    """PIDs of `samen node run` processes whose command line names the run folder."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        args = [c.decode(errors="replace") for c in cmd if c]
        if len(args) >= 3 and args[1:3] == ["node", "run"] and any(dir_ in a for a in args):
            for a in args:
                for party in ("svb", "uwv", "bd"):
                    if a.endswith(f"/{party}/node.toml"):
                        out[int(pid)] = party
    return out


def sample(pid):
    """(cpu seconds, VmHWM kB) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        hwm = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        return cpu, hwm
    except (OSError, IndexError, ValueError):
        return None


def phase_windows(dir_, summary):
    """{party: {phase: (start_s, end_s)}} from the transcripts and the bench JSON."""
    windows = {}
    for p in summary["parties"]:
        party = p["party"]
        seconds = {ph["name"]: ph["seconds"] for ph in p["phases"]}
        out = os.path.join(dir_, party, "out")
        starts = {}
        for name in os.listdir(out):
            if name.startswith("transcript-") and name.endswith(".samen"):
                with open(os.path.join(out, name)) as f:
                    for line in f:
                        rec = json.loads(line)
                        if rec.get("type") == "phase":
                            starts[rec["name"]] = rec["t"] / 1000.0
        windows[party] = {
            ph: (t, t + seconds.get(ph, 0.0)) for ph, t in starts.items()
        }
    return windows


def cpu_at(samples, t):
    """CPU seconds at wall time t, linearly interpolated between samples."""
    prev = None
    for ts, cpu, _ in samples:
        if ts >= t:
            if prev is None:
                return cpu
            (t0, c0) = prev
            return c0 + (cpu - c0) * ((t - t0) / (ts - t0) if ts > t0 else 0.0)
        prev = (ts, cpu)
    return prev[1] if prev else 0.0


def run_once(samen, households, aligned):
    dir_ = tempfile.mkdtemp(prefix="samen-phase-cpu-")
    json_path = os.path.join(dir_, "bench.json")
    run_dir = os.path.join(dir_, "run")
    cmd = [samen, "bench", "--households", str(households), "--dir", run_dir, "--json", json_path]
    if aligned:
        cmd.append("--aligned")
    load_before = os.getloadavg()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = {}
    parties = {}
    while proc.poll() is None:
        if len(parties) < 3:  # scanning /proc costs CPU: only until the three nodes are found
            for pid, party in children_nodes(run_dir).items():
                parties[pid] = party
        now = time.time()
        for pid in list(parties):
            s = sample(pid)
            if s is not None:
                samples.setdefault(pid, []).append((now, s[0], s[1]))
        time.sleep(0.01)
    if proc.returncode != 0:
        raise SystemExit(f"bench failed with exit code {proc.returncode}")
    with open(json_path) as f:
        summary = json.load(f)
    windows = phase_windows(run_dir, summary)
    result = {
        "households": households,
        "aligned": aligned,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "circuit_seconds": summary["circuit_seconds"],
        "circuit_households_per_second": summary["circuit_households_per_second"],
        "circuit_bytes_per_household": summary["circuit_bytes_per_household"],
        "circuit_rounds": summary["circuit_rounds"],
        "protocol_seconds": summary["protocol_seconds"],
        "matches_reference": summary["matches_reference"],
        "nodes": {},
    }
    for pid, party in parties.items():
        s = samples.get(pid, [])
        if not s:
            continue
        node = {
            "cpu_seconds_total": s[-1][1],
            "peak_rss_mb": max(x[2] for x in s) / 1024.0,
            "phase_cpu_seconds": {},
        }
        for ph, (a, b) in windows.get(party, {}).items():
            node["phase_cpu_seconds"][ph] = round(cpu_at(s, b) - cpu_at(s, a), 3)
        result["nodes"][party] = node
    return result


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    samen, households = args[0], int(args[1])
    aligned = "--aligned" in args
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
    out = args[args.index("--out") + 1] if "--out" in args else None
    results = []
    for _ in range(runs):
        r = run_once(samen, households, aligned)
        print(json.dumps(r), flush=True)
        results.append(r)
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
