import sys
from pathlib import Path

import numpy as np
import pytest

from tests import background

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "run_last: runs after every other test (it collects background work)"
    )


def pytest_sessionstart(session):
    # First in the background queue: fastdiff's kernels, compiled into the
    # disk cache on the second core while the first tests run.
    background.submit(
        background.run,
        [sys.executable, "-m", "tests.precompile"],
        900,
        cwd=ROOT,
    )


def pytest_collection_modifyitems(session, config, items):
    # Stable: the marked tests keep their order among themselves.
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


def pytest_sessionfinish(session, exitstatus):
    background.stop()


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)
