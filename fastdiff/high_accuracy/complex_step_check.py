"""A check that a complex-step derivative is what ``f``'s complex arithmetic says.

The complex step is exact for ``f`` analytic *as computed*. Numba computes a
complex ``z ** k`` (any ``k`` but 2) as ``exp(k log z)``: for a negative real
base, ``log z`` has imaginary part near ``pi``, and the rounding error of
``sin(k pi)``, about ``eps |z**k|``, lands in the imaginary part of ``f``,
which the method divides by a step of ``1e-20``. The derivative is then
wrong by orders of magnitude, with no error from Numba.

:func:`check_complex_step` spends one evaluation to catch this: ``f`` at
``x + i s`` along a direction ``s`` that mixes every coordinate, with steps
``1e6`` times larger than the method's. For ``f`` whose complex arithmetic
is right, ``Im f(x + i s) = J s`` up to ``|s|**3``, far below the tolerance.
For the ``exp(k log z)`` trap the error of ``Im f`` is about ``eps |f|``
at either step, so the derivative (error divided by the small step) and the
directional value (divided by the large one) disagree by a factor ``1e6``.
"""

from __future__ import annotations

import numpy as np

#: Relative disagreement between ``J s`` and ``Im f(x + i s)`` above which
#: the derivative is rejected. Rounding in a correct complex evaluation stays
#: near ``eps``; the ``exp(k log z)`` trap gives errors of order 1 and more.
TOLERANCE = 1e-6

#: The check's step relative to ``max(1, |x_j|)``: large against the
#: method's 1e-20 (the trap's error shrinks with it), small enough that the
#: ``|s|**3`` term of an analytic ``f`` stays below rounding.
CHECK_STEP_SCALE = 1e-14


def check_direction(x: np.ndarray) -> np.ndarray:
    """Steps ``s_j = +-CHECK_STEP_SCALE * max(1, |x_j|) * (1 + (j mod 7) / 7)``.

    Signs alternate and sizes vary so that the errors of different
    coordinates do not cancel in ``J s``.
    """
    j = np.arange(x.shape[0])
    signs = np.where(j % 2 == 0, 1.0, -1.0)
    return signs * CHECK_STEP_SCALE * np.maximum(1.0, np.abs(x)) * (1.0 + (j % 7) / 7.0)


def check_complex_step(f, x: np.ndarray, derivative: np.ndarray, value) -> None:
    """Raise if ``derivative`` (gradient or Jacobian) disagrees with ``f`` along a complex direction.

    Parameters
    ----------
    f : callable
        The user's function, called once with a complex128 array.
    x : ndarray, shape (n,)
    derivative : ndarray, shape (n,) or (m, n)
        The complex-step gradient or Jacobian.
    value : float or ndarray or None
        ``f(x)`` if known (scales the rounding allowance).

    Raises
    ------
    ValueError
        Naming the likely cause (complex powers of negative numbers under
        Numba) and the remedies.
    """
    s = check_direction(x)
    z = x.astype(np.complex128)
    z += 1j * s
    directional = np.imag(np.asarray(f(z), dtype=np.complex128))
    projected = derivative @ s
    size = np.abs(derivative) @ np.abs(s)
    # Rounding of a correct evaluation: eps relative to f and to the step
    # (at a zero derivative, Im f is the |s|**3 term or exactly 0).
    eps = np.finfo(np.float64).eps
    size = size + eps * float(np.max(np.abs(s)))
    if value is not None:
        size = size + eps * np.abs(np.asarray(value, dtype=np.float64))
    mismatch = np.abs(directional - projected)
    if np.all(mismatch <= TOLERANCE * size):
        return
    raise ValueError(
        "method='complex' gave a derivative that f's own complex arithmetic contradicts "
        f"(relative disagreement {float(np.max(mismatch / np.maximum(size, 1e-300))):.1e} "
        "along a test direction): f is not evaluated accurately for complex input. "
        "The usual cause is a power of a negative number in Numba-compiled code: "
        "Numba computes complex z ** k (k != 2) as exp(k log z), whose rounding "
        "error the complex step magnifies. Write integer powers as products "
        "(x * x * x) and reciprocals as 1 / x, or use method='central'."
    )
