"""A compiled f that raises in a Hessian: the user gets f's own exception."""

import numba
import numpy as np
import pytest

import fastdiff

pytestmark = pytest.mark.reliability

X = np.array([0.5, 1.0])


@numba.njit
def raises_beyond_one(x):
    if x[1] > 1.0:  # the points that move x[1] forward
        raise KeyError("x[1] beyond 1")
    return x[0] ** 2 + x[1] ** 2


@pytest.mark.parametrize(
    "options",
    [{}, {"bounds": ([-5.0, -5.0], [5.0, 5.0])}, {"method": "forward"}],
    ids=["fast path", "bounds (careful path)", "forward"],
)
def test_hessian_raises_the_exception_of_f_with_its_point(options):
    with pytest.raises(KeyError, match="x\\[1\\] beyond 1") as info:
        fastdiff.hessian(raises_beyond_one, X, **options)
    notes = getattr(info.value, "__notes__", [])
    assert any("h[1] * e[1]" in note and "Hessian entry (0, 1)" in note for note in notes), notes
    # A full result reports the failed entries instead of raising.
    result = fastdiff.hessian(raises_beyond_one, X, full_output=True, **options)
    assert result.derivative[0, 0] == pytest.approx(2.0, abs=1e-5)
    assert np.isnan(result.derivative[1, 1]) and np.isnan(result.derivative[0, 1])
