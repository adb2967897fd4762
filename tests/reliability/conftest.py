import pytest

import fastdiff


@pytest.fixture
def no_pools():
    """Start and end without worker pools (other tests may leave the shared ones running)."""
    fastdiff.shutdown_workers()
    yield
    fastdiff.shutdown_workers()
