import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tests import background

ROOT = Path(__file__).resolve().parents[1]
#: Test files that a full run hands to a second pytest process beside it.
#: Each of their tests compiles fastdiff's kernels again for its own jitted
#: functions (users' njit code, which no disk cache can share): the longest
#: single-core stretch of the suite, run on the other core instead.
OFFLOADED_FILES = (
    "tests/test_kernels.py",
    "tests/test_embedded_arguments.py",
    # Mostly waiting on worker processes (start-up, timeouts, kills): wall
    # time that the main session need not spend.
    "tests/reliability/test_workers.py",
    "tests/test_evaluate.py",
    # Compiles into empty caches in processes of its own: waiting, here.
    "tests/test_kernel_cache.py",
)
#: Set in that second process: it runs its files itself and starts nothing.
CHILD = "FASTDIFF_TESTS_CHILD"

# No "compiling fastdiff kernels" line in the output of tests and of the
# processes they start (tests/test_compile_notice.py clears it for its own).
os.environ.setdefault("FASTDIFF_QUIET", "1")
# The tests assert results, not speed: LLVM's level 1 optimisations compile
# in about 20 % less time than Numba's default 3 and give the same
# floating-point results (no fast-math either way). Kernels built so are
# cached apart from the optimised ones (the cache stamp includes the level),
# so a developer's cache never serves them to benchmarks or users. Set
# before Numba is imported, and inherited by every process the tests start.
os.environ.setdefault("NUMBA_OPT", "1")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "run_last: runs after every other test (it collects background work)"
    )


def pytest_sessionstart(session):
    if os.environ.get(CHILD):
        return
    # First in the background queue: fastdiff's kernels, compiled into the
    # disk cache on the second core while the first tests run.
    background.submit(
        background.run,
        [sys.executable, "-m", "tests.precompile"],
        900,
        cwd=ROOT,
    )


def pytest_collection_modifyitems(session, config, items):
    if not os.environ.get(CHILD):
        _offload(config, items)
    # Stable: the marked tests keep their order among themselves.
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


def _offload(config, items):
    """Run the selected tests of OFFLOADED_FILES in a second process, if others run here."""
    offloaded = [item for item in items if item.nodeid.split("::")[0] in OFFLOADED_FILES]
    if not offloaded or len(offloaded) == len(items):
        return  # only those files were asked for: run them here
    if not any(item.nodeid.startswith("tests/test_offloaded.py") for item in items):
        return  # nothing here would collect their outcome: run them here
    config.hook.pytest_deselected(items=offloaded)
    items[:] = [item for item in items if item not in set(offloaded)]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [item.nodeid for item in offloaded]
    env = dict(os.environ, **{CHILD: "1"})
    background.OFFLOADED[" ".join(OFFLOADED_FILES)] = background.submit_beside(
        background.run, command, 1800, cwd=ROOT, env=env
    )


def pytest_terminal_summary(terminalreporter):
    lines = background.timeline()
    if lines:
        terminalreporter.section("work beside the session (seconds since it started)")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session, exitstatus):
    background.stop()


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture
def quadratic(rng):
    """``(x, a, b)`` of a 5-dimensional :func:`tests.functions.quadratic_form`, ``a`` SPD."""
    # Imported here: tests.functions imports Numba, which must not happen
    # before NUMBA_OPT is set above.
    from tests.functions import quadratic_problem

    return quadratic_problem(rng, 5)
