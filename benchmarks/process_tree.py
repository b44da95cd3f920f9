"""Runs a command and measures its wall time and the peak memory of its whole process tree.

`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` reports the largest single process, not the
tree: a dbt build with a Python model running beside a DuckDB query would be under-counted. So
a thread polls /proc every 0.2 s and sums the proportional set size (PSS) of the command and
every descendant alive at that moment; the peak of those sums is what a machine must have free.
PSS, not RSS: the Python models fork worker processes, and a forked child shares its parent's
pages, which RSS would count once in each process (a spike shorter than the poll interval can
still be missed). Where the kernel has no smaps_rollup, RSS is summed instead.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.2
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    """One command's outcome: exit code, combined stdout+stderr, wall seconds, peak tree memory bytes (PSS)."""

    returncode: int
    output: str
    seconds: float
    peak_memory_bytes: int


def _parent_ids() -> dict[int, int]:
    """pid -> parent pid for every process visible in /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process ended between listing and reading
            continue
        # The command name (field 2) may contain spaces and parentheses; fields after the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def _memory_bytes(pid: int) -> int:
    """The process's proportional set size (shared pages divided among their sharers), else its
    resident set size; 0 when it has ended."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def tree_memory_bytes(root_pid: int) -> int:
    """Memory of root_pid and all its descendants, in bytes: the sum of their PSS (see
    _memory_bytes)."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parent_ids().items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _memory_bytes(pid)
        stack.extend(children.get(pid, []))
    return total


def run_measured(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None
) -> Measured:
    """Run command in cwd, returning its exit code, output, wall seconds and peak tree memory (PSS)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_memory_bytes(process.pid))
            done.wait(POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    finally:
        done.set()
        poller.join()
    return Measured(process.returncode, output, time.perf_counter() - started, peak)
