"""Memory kept by failing calls of a compiled f that raises with run-time values.

Bounded measurements with generous ceilings; the precise figures come from
``benchmarks/leak_raising_f.py``.
"""

import gc
import textwrap
import tracemalloc

import numba
import numpy as np
import pytest

import fastdiff
from tests.reliability.processes import run_script

pytestmark = pytest.mark.reliability

X = np.full(10, 0.5)


@numba.njit
def raises_everywhere(x):
    if x[0] > -1e300:
        raise ValueError("f failed at x[0] =", x[0])
    return 0.0


@numba.njit
def raises_above(x):
    # The forward point of coordinate 0 raises; the backward formula works.
    if x[0] > 0.5:
        raise ValueError("f failed at x[0] =", x[0])
    return np.sum(x**2)


def _raising_call():
    with pytest.raises(ValueError, match="f failed at x"):
        fastdiff.gradient(raises_everywhere, X)


def _fallback_call():
    assert np.allclose(fastdiff.gradient(raises_above, X), 2 * X, atol=1e-6)


def _traced_bytes_per_call(call, calls: int = 300) -> float:
    for _ in range(50):
        call()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(calls):
            call()
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / calls
    finally:
        tracemalloc.stop()


def test_a_fallback_around_raising_points_keeps_no_python_memory():
    # Before: every failed coordinate was called again from Python (~1.2 KB a call).
    assert _traced_bytes_per_call(_fallback_call) < 200


def test_a_failing_gradient_calls_f_from_python_once():
    # Numba itself keeps ~0.5 KB per raising call from Python (its own leak);
    # before, each failing gradient did that for every coordinate (~7.7 KB).
    assert _traced_bytes_per_call(_raising_call) < 2000


NRT_SCRIPT = """
import numpy as np, numba, fastdiff
from numba.core.runtime import rtsys
from tests.reliability.test_leaks import X, raises_above, raises_everywhere

def outstanding():
    stats = rtsys.get_allocation_stats()
    return stats.alloc - stats.free

fastdiff.gradient(raises_above, X)
before = outstanding()
for _ in range(50):
    fastdiff.gradient(raises_above, X)
    try:
        fastdiff.gradient(raises_everywhere, X)
    except ValueError:
        pass
print(outstanding() - before)
"""


def test_kernels_free_the_exception_information(tmp_path):
    # Numba's own count of its allocations: each failed evaluation in a
    # kernel used to leave two (about 60 bytes).
    script = tmp_path / "nrt_stats.py"
    script.write_text(textwrap.dedent(NRT_SCRIPT))
    out = run_script(script, seconds=600, environment={"NUMBA_NRT_STATS": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-1] == "0"
