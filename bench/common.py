"""Shared by the benchmarks: machine description, percentiles, child processes, and writing a dated report."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (a uvicorn supervisor and its workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the processes, in MB (VmRSS; shared pages count once per process)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def py_spy(pid: int, seconds: int, out: Path, *, rate: int = 200) -> list[str]:
    """The py-spy command sampling ``pid`` for ``seconds`` into ``out`` (collapsed stacks, for speedscope or
    flamegraph.pl). py-spy is the one beside this interpreter (the project's virtualenv), not whatever PATH
    finds; ``--nonblocking`` leaves the process running at full speed."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(rate), "--nonblocking",
            "--format", "raw", "--output", str(out)]  # fmt: skip


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child process in its own session (so ``stop`` ends it with its children), output to ``log``."""
    handle = open(log, "ab")  # noqa: SIM115 - handed to the child
    return subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Linux {platform.release()}, Python {platform.python_version()}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def git_rev() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "unknown"


def write_report(
    name: str, title: str, rows: list[tuple[str, str, str, str]], notes: str = "", raw: dict | None = None
) -> Path:
    """rows: (figure, measured, goal, met?)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    path = RESULTS / f"{name}-{stamp}.md"
    lines = [
        f"# {title}",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git_rev()}",
        f"- machine: {machine()}",
        "",
        "| figure | measured | goal | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if notes:
        lines += ["", notes]
    if raw is not None:
        lines += ["", "```json", json.dumps(raw, indent=2, ensure_ascii=False), "```"]
    path.write_text("\n".join(lines) + "\n")
    print(path.read_text())
    return path
