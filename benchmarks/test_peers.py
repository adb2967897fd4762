"""pytest-benchmark suite: fastdiff against numdifftools and optimagic (run on demand).

Run: python -m pytest benchmarks/test_engine.py benchmarks/test_peers.py --benchmark-group-by=group
Groups ("gradient n=100", ...) are shared with test_engine.py, so running
both files puts fastdiff serial, parallel and default, scipy, numdifftools
and optimagic side by side on the same function and point.
Peers use the same difference formula as fastdiff with one step (see
fastdiff.bench.peers).
"""

import numpy as np
import pytest

import fastdiff
from fastdiff.bench.peers import peer_derivative
from fastdiff.bench.problems import problem

CASES = [("gradient", n) for n in (10, 100, 1000)]
CASES += [("jacobian", n) for n in (10, 100, 1000)]
# A central Hessian costs peers 2 n**2 Python calls: 80 000 at n = 200.
CASES += [("hessian", n) for n in (10, 50)]
TRANSFORMS = {"gradient": fastdiff.grad, "jacobian": fastdiff.jac, "hessian": fastdiff.hess}


def _case(kind, n):
    f, start, _ = problem(kind)
    return f, start(n)


@pytest.mark.parametrize(("kind", "n"), CASES)
def test_fastdiff_default(benchmark, kind, n):
    f, x = _case(kind, n)
    benchmark.group = f"{kind} n={n}"
    result = benchmark(TRANSFORMS[kind](f), x)
    assert np.all(np.isfinite(result))


@pytest.mark.parametrize(("kind", "n"), CASES)
@pytest.mark.parametrize("peer", ["numdifftools", "optimagic"])
def test_peer(benchmark, peer, kind, n):
    pytest.importorskip(peer)
    f, x = _case(kind, n)
    benchmark.group = f"{kind} n={n}"
    call = peer_derivative(peer, kind, "central", f, x)
    expected = TRANSFORMS[kind](f)(x)
    result = np.asarray(benchmark(call)).reshape(expected.shape)
    # Same formula, so agreement to finite-difference accuracy (optimagic's
    # default Hessian step leaves about 1e-5 relative).
    assert np.max(np.abs(result - expected)) <= 1e-4 * max(1.0, np.max(np.abs(expected)))
