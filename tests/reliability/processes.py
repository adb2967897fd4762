"""Child processes of the test process, and scripts run in a fresh interpreter."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fastdiff
from tests import background


def child_pids() -> list[int]:
    """Live (not zombie) processes whose parent is this process.

    The test session's own background processes (:mod:`tests.background`)
    are not counted: they are not fastdiff's.
    """
    me = str(os.getpid())
    ignored = background.running_pids()
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # "pid (comm) state ppid ...": comm may hold spaces
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[1] == me and fields[0] != "Z" and int(entry) not in ignored:
            children.append(int(entry))
    return children


def assert_no_children(seconds: float = 5.0) -> None:
    """No child process remains (a short grace for the reaping of stopped ones)."""
    deadline = time.monotonic() + seconds
    while (child_pids() or multiprocessing.active_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child_pids() == [], f"child processes remain: {child_pids()}"
    assert multiprocessing.active_children() == []


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_gone(pids, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def kill_all(pids) -> None:
    """Clean up after a failed scenario: no orphan outlives the test."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_script(
    path: Path, seconds: float, environment: dict | None = None
) -> subprocess.CompletedProcess:
    """Run a Python script with the fastdiff under test (and its tests), with a deadline."""
    root = str(Path(fastdiff.__file__).resolve().parents[1])
    environment = {
        **os.environ,
        **(environment or {}),
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        timeout=seconds,
        cwd=path.parent,
        env=environment,
    )
