"""A Python f returning a string or a complex number is refused, not converted."""

import numpy as np
import pytest

import fastdiff

pytestmark = pytest.mark.reliability

X = np.array([0.5, -1.0])


def returns_text(x):
    return "1.5"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1.5", r"str '1\.5'"),
        (b"1.5", r"bytes b'1\.5'"),
        (1.5 + 0.0j, r"complex \(1\.5\+0j\)"),
        (np.complex128(1.5 + 2j), r"complex128"),
        (np.array(1.5 + 2j), r"ndarray"),
        (np.array("1.5"), r"ndarray"),
    ],
)
@pytest.mark.parametrize("derivative", [fastdiff.gradient, fastdiff.hessian])
def test_scalar_f_returning_text_or_complex_is_a_type_error(derivative, value, shown):
    def f(x):
        return value

    with _no_warning():
        with pytest.raises(
            TypeError,
            match=rf"f must return a real number .* for a gradient or Hessian; f \(f\) returned {shown}",
        ):
            derivative(f, X)


def test_the_message_names_f_and_says_why_complex_is_refused():
    with pytest.raises(TypeError, match=r"f \(returns_text\) returned str"):
        fastdiff.gradient(returns_text, X)
    with pytest.raises(TypeError, match="imaginary part would be dropped; method='complex'"):
        fastdiff.gradient(lambda x: complex(x[0], 1.0), X)
    # Real NumPy scalars and ints are still taken, and the complex step still
    # takes complex values (exact for these polynomials).
    assert np.allclose(fastdiff.gradient(lambda x: np.float64(x @ x), X), 2 * X, atol=1e-7)
    assert np.array_equal(fastdiff.gradient(lambda x: 3, X), [0.0, 0.0])
    gradient = fastdiff.gradient(lambda z: z[0] * z[0] + z[1] * z[1] * z[1], X, method="complex")
    assert np.allclose(gradient, [2 * X[0], 3 * X[1] ** 2], rtol=1e-14)


@pytest.mark.parametrize(
    "values",
    [
        lambda x: np.array([x[0], 1j]),
        lambda x: [complex(x[0]), 1.0],
        lambda x: np.array(["1.5", "2.5"]),
    ],
)
def test_vector_f_returning_complex_or_text_is_a_type_error(values):
    with pytest.raises(
        TypeError,
        match=r"f must return a 1-D array of real numbers for a Jacobian; f \(<lambda>\) returned dtype",
    ):
        fastdiff.jacobian(values, X)


def test_vectorized_f_returning_complex_is_a_type_error():
    with pytest.raises(
        TypeError, match=r"a vectorized f must return an array of real numbers; .* dtype complex128"
    ):
        fastdiff.gradient(lambda points: points[:, 0] + 0j, X, vectorized=True)


class _no_warning:
    """Fail on any warning (a dropped imaginary part warns before today's fix)."""

    def __enter__(self):
        import warnings

        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc_info):
        return self._catcher.__exit__(*exc_info)
