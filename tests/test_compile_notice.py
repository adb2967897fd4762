"""The one-line notice on stderr while fastdiff compiles its kernels.

A fresh process with an empty cache folder compiles the smallest kernels
(buffer sizes: it costs little more than an import) with the notice
switched off and on. The listener itself is tested in this process with
the events Numba sends it.
"""

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest
from numba.core import event, types

import fastdiff
from fastdiff import compile_notice
from fastdiff.kernels import gradient_work_size

ROOT = Path(__file__).resolve().parents[1]
# In one process with an empty cache: the smallest kernels compile silenced
# by each switch, then two compile with the notice on (one line). Between
# the steps a marker line on stderr shows where the notice appeared. That
# nothing is printed when the kernels load from the cache is tested in
# tests/test_kernel_cache.py, in its processes.
SCRIPT = """
import os, sys
import fastdiff
from fastdiff.kernels import gradient_work_size, jacobian_work_size
gradient_work_size(10)  # FASTDIFF_QUIET=1 is set
print("environment", file=sys.stderr)
del os.environ["FASTDIFF_QUIET"]
fastdiff.set_compile_notice(False)
jacobian_work_size(3, 3)
print("function", file=sys.stderr)
fastdiff.set_compile_notice(True)
gradient_work_size(10.0)  # a float: a second version compiles
jacobian_work_size(3.0, 3.0)
print("on", file=sys.stderr)
"""


def test_one_line_when_kernels_compile_and_none_when_switched_off(tmp_path):
    env = dict(os.environ, FASTDIFF_CACHE_DIR=str(tmp_path), FASTDIFF_QUIET="1")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"environment\nfunction\n{compile_notice.INSTALL_NOTICE}\non\n"
    assert len(list(tmp_path.rglob("*work_size*.nbi"))) == 2  # both compiled and cached


def _compiling(dispatcher, args) -> event.Event:
    """What Numba passes to listeners when a dispatcher starts compiling."""
    data = {"dispatcher": dispatcher, "args": args, "return_type": None}
    return event.Event("numba:compile", event.EventStatus.START, data=data)


@numba.njit
def _users_function(x):
    return x


@pytest.fixture
def fresh_notice(monkeypatch, capsys):
    """The listener's state as in a new process; yields a function returning what it printed."""
    monkeypatch.setattr(compile_notice, "_shown", set())
    monkeypatch.delenv("FASTDIFF_QUIET", raising=False)
    previous = fastdiff.set_compile_notice(True)
    yield lambda: capsys.readouterr().err
    fastdiff.set_compile_notice(previous)


def test_kernels_compiled_for_a_users_function_say_so_once(fresh_notice):
    listener = compile_notice.CompileListener()
    of_function = (types.Dispatcher(_users_function), types.float64[::1])
    for _ in range(2):
        listener.on_start(_compiling(gradient_work_size, of_function))
    listener.on_start(_compiling(gradient_work_size, (types.int64,)))
    lines = fresh_notice().splitlines()
    assert lines == [compile_notice.FUNCTION_NOTICE, compile_notice.INSTALL_NOTICE]
    assert "again in every process: Numba cannot cache these" in lines[0]


def test_users_own_functions_and_uncached_adapters_say_nothing(fresh_notice):
    listener = compile_notice.CompileListener()
    listener.on_start(_compiling(_users_function, (types.float64[::1],)))
    uncached = numba.njit(lambda x: x)
    uncached.py_func.__module__ = "fastdiff.compiled"  # like the per-function adapters
    listener.on_start(_compiling(uncached, (types.float64,)))
    assert fresh_notice() == ""


def test_switches(fresh_notice, monkeypatch):
    listener = compile_notice.CompileListener()
    assert fastdiff.set_compile_notice(False) is True
    listener.on_start(_compiling(gradient_work_size, (types.int64,)))
    assert fastdiff.set_compile_notice(True) is False
    monkeypatch.setenv("FASTDIFF_QUIET", "1")
    listener.on_start(_compiling(gradient_work_size, (types.int64,)))
    assert fresh_notice() == ""
    monkeypatch.setenv("FASTDIFF_QUIET", "0")
    listener.on_start(_compiling(gradient_work_size, (types.int64,)))
    assert fresh_notice() == compile_notice.INSTALL_NOTICE + "\n"


def test_switch_takes_a_bool():
    with pytest.raises(TypeError, match="enabled must be True or False; got 'no'"):
        fastdiff.set_compile_notice("no")
