"""Complex-step kernels: gradient and Jacobian of functions that accept complex input.

For ``f`` analytic in each coordinate, ``f(x + i h e_j) = f(x) + i h df/dx_j
- h**2 / 2 d2f/dx_j2 + O(h**3)``, so ``df/dx_j = Im f(x + i h e_j) / h`` up
to ``h**2``. Nothing is subtracted, hence nothing cancels: the step can be
tiny (default ``1e-20 * max(1, |x_j|)``, far below any truncation error) and
the result is exact to rounding. One evaluation per coordinate.

``f`` must compute with complex numbers the way it does with reals: ``abs``,
comparisons and ``.real`` break analyticity silently, and a function that
writes into a float array fails to compile for complex input (the Python
layer turns that into a ``TypeError``). One trap is Numba's own: a complex
``z ** k`` (any exponent but 2, integer or not, also ``np.power``) is
computed as ``exp(k log z)``, whose rounding error, about ``eps |z**k|``,
lands in the imaginary part and is divided by ``h``: the derivative is then
wrong by a factor of ``1e4`` and more. Write ``z * z * z`` and ``1 / z``.
The public functions catch it with one more evaluation
(:mod:`fastdiff.high_accuracy.complex_step_check`); these kernels do not.

As in the finite-difference kernels, ``f`` is either a Numba-compiled
function (inlined; what users pass from their own ``@njit`` code) or the
address of a C wrapper built by :func:`fastdiff.compiled.prepare_complex`
with the signature ``int32 f(complex128 *x, intp n, complex128 *out, intp m)``
(``m = 1`` for a scalar function), which compiles the kernels once and
caches them.

Shapes: ``x``, ``h`` (n,) float64; gradient ``out`` (n,), Jacobian ``out``
(m, n); ``status`` (n,) int8, one code of :mod:`fastdiff.status` per
coordinate; ``buffer`` complex128 (m,), private to a thread.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.status import NOT_FINITE, OK, WRONG_SHAPE
from fastdiff.steps import default_step

#: Default step ``COMPLEX_STEP_SCALE * max(1, |x_j|)``. Any step below about
#: ``1e-8 * max(1, |x_j|)`` makes the h**2 term vanish in float64; a much
#: smaller one keeps it vanishing for functions with large higher derivatives.
COMPLEX_STEP_SCALE = 1e-20


@intrinsic
def _call_complex_address(typingctx, address, z_address, n, out_address, m):
    """Call ``int32 f(complex128 *z, intp n, complex128 *out, intp m)`` at ``address``."""
    sig = types.int32(types.intp, types.intp, types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        fn_address, z_ptr, length, out_ptr, out_length = args
        complex_ptr = ir.LiteralStructType([ir.DoubleType(), ir.DoubleType()]).as_pointer()
        i64 = ir.IntType(64)
        fn_type = ir.FunctionType(ir.IntType(32), [complex_ptr, i64, complex_ptr, i64])
        fn = builder.inttoptr(fn_address, fn_type.as_pointer())
        return builder.call(
            fn,
            [
                builder.inttoptr(z_ptr, complex_ptr),
                length,
                builder.inttoptr(out_ptr, complex_ptr),
                out_length,
            ],
        )

    return sig, codegen


def store_complex(values, out):
    """Copy ``f``'s result (a number or a 1-D array) into ``out``: returns a status code.

    A number fills ``out[0]``; an array must have ``out``'s length. Non-finite
    real or imaginary parts give ``NOT_FINITE``.
    """


@overload(store_complex)
def _store_complex_impl(values, out):
    if isinstance(values, types.Array):

        def impl(values, out):
            if values.shape[0] != out.shape[0]:
                return np.int32(WRONG_SHAPE)
            finite = True
            for r in range(out.shape[0]):
                value = complex(values[r])
                finite &= math.isfinite(value.real) and math.isfinite(value.imag)
                out[r] = value
            return np.int32(OK if finite else NOT_FINITE)

        return impl

    def impl(values, out):
        value = complex(values)
        out[0] = value
        finite = math.isfinite(value.real) and math.isfinite(value.imag)
        return np.int32(OK if finite else NOT_FINITE)

    return impl


def call_complex(f, z, out):
    """Evaluate ``f`` at the complex point ``z`` into ``out`` (m,): returns a status code."""


@overload(call_complex)
def _call_complex_impl(f, z, out):
    if isinstance(f, types.Integer):

        def impl(f, z, out):
            return _call_complex_address(
                f, z.ctypes.data, z.shape[0], out.ctypes.data, out.shape[0]
            )

        return impl

    def impl(f, z, out):
        return store_complex(f(z), out)

    return impl


@njit(cache=True, inline="always")
def complex_steps(x, step, h):
    """Fill ``h`` with the user's ``step`` (n,), or the default where ``step`` is empty."""
    if step.shape[0] == 0:
        for j in range(x.shape[0]):
            h[j] = default_step(x[j], COMPLEX_STEP_SCALE)
    else:
        for j in range(x.shape[0]):
            h[j] = step[j]
    return h


@njit(cache=True)
def _complex_columns(f, z_work, h, lo, hi, out, status, buffer):
    # z_work is private to the caller's thread; the imaginary part of each
    # coordinate is set for one evaluation and reset to exactly 0 after it.
    # ``out`` is (m, n); a gradient is passed as a (1, n) view.
    for j in range(lo, hi):
        x_j = z_work[j].real
        z_work[j] = complex(x_j, h[j])
        code = call_complex(f, z_work, buffer)
        z_work[j] = complex(x_j, 0.0)
        for r in range(buffer.shape[0]):
            out[r, j] = buffer[r].imag / h[j]
        status[j] = code


@njit(cache=True, nogil=True)
def complex_gradient_serial(f, x, h, out, status):
    """Gradient of scalar ``f`` at ``x`` by complex step, one thread (n evaluations).

    Parameters
    ----------
    f : jitted function or int
        Function of a 1-D complex128 array returning a number, or the address
        of its complex wrapper.
    x, h : ndarray, shape (n,)
        Point and (positive) steps.
    out : ndarray, shape (n,)
        Receives the gradient.
    status : ndarray of int8, shape (n,)
        Receives the status of each entry.

    Returns
    -------
    float
        ``Re f(x + i h_j e_j)`` for the last coordinate ``j``: ``f(x)`` to
        rounding, since the real part differs from it by ``h**2 / 2`` times a
        second derivative (NaN if that evaluation failed).
    """
    n = x.shape[0]
    z_work = x.astype(np.complex128)
    buffer = np.empty(1, dtype=np.complex128)
    _complex_columns(f, z_work, h, np.intp(0), x.shape[0], out.reshape((1, n)), status, buffer)
    return _last_value(buffer, status)


@njit(cache=True, nogil=True, parallel=True)
def complex_gradient_parallel(f, x, h, out, status, threads):
    """Same as :func:`complex_gradient_serial`, coordinates split across threads.

    Each thread perturbs its own complex copy of ``x``: the result is bit for
    bit the serial one. Do not call it inside a ``prange`` loop of your own.
    """
    n = x.shape[0]
    chunks = chunk_count(n, threads)
    last = np.empty(1, dtype=np.complex128)
    rows = out.reshape((1, n))
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        z_work = x.astype(np.complex128)
        buffer = np.empty(1, dtype=np.complex128)
        _complex_columns(f, z_work, h, lo, hi, rows, status, buffer)
        if hi == n:
            last[0] = buffer[0]
    return _last_value(last, status)


@njit(cache=True, nogil=True)
def complex_jacobian_serial(f, x, h, out, status):
    """Jacobian of ``f: R^n -> R^m`` at ``x`` by complex step, one thread (n evaluations).

    Parameters
    ----------
    f : jitted function or int
        Function of a 1-D complex128 array returning a 1-D array of length m,
        or the address of its complex wrapper.
    x, h : ndarray, shape (n,)
        Point and (positive) steps.
    out : ndarray, shape (m, n)
        Receives the Jacobian.
    status : ndarray of int8, shape (n,)
        Receives the status of each column.
    """
    z_work = x.astype(np.complex128)
    buffer = np.empty(out.shape[0], dtype=np.complex128)
    _complex_columns(f, z_work, h, np.intp(0), x.shape[0], out, status, buffer)


@njit(cache=True, nogil=True, parallel=True)
def complex_jacobian_parallel(f, x, h, out, status, threads):
    """Same as :func:`complex_jacobian_serial`, columns split across threads."""
    n = x.shape[0]
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        z_work = x.astype(np.complex128)
        buffer = np.empty(out.shape[0], dtype=np.complex128)
        _complex_columns(f, z_work, h, lo, hi, out, status, buffer)


@njit(cache=True, inline="always")
def _last_value(buffer, status):
    n = status.shape[0]
    if n == 0 or status[n - 1] != OK:
        return np.nan
    return buffer[0].real


@njit(cache=True, inline="always")
def first_non_finite(x):
    for j in range(x.shape[0]):
        if not math.isfinite(x[j]):
            return j
    return -1


@njit(cache=True, inline="always")
def _failures(status):
    count = 0
    for s in status:
        if s != OK:
            count += 1
    return count


@njit(cache=True, nogil=True)
def complex_gradient_driver(f, x, step, threads, h, out, status):
    """Complex-step gradient in one compiled call, for the Python API.

    Parameters
    ----------
    f : int
        Address from :func:`fastdiff.compiled.prepare_complex` (kind "scalar").
    x : ndarray, shape (n,)
    step : ndarray, shape (n,) or (0,)
        Absolute steps, or empty for the default ``COMPLEX_STEP_SCALE * max(1, |x_j|)``.
    threads : int or None
        None for the serial kernel (the parallel one is then left out of the
        compiled code), else the number of chunks for the parallel one.
    h, out : ndarray, shape (n,)
        Receive the steps and the gradient.
    status : ndarray of int8, shape (n,)
        Receives the status of each entry.

    Returns
    -------
    value : float
        ``f(x)`` to rounding (see :func:`complex_gradient_serial`), or NaN.
    bad_coordinate : int
        First non-finite entry of ``x``, or -1 (then nothing was evaluated).
    failures : int
        Number of entries whose status is not OK.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return np.nan, bad, 0
    complex_steps(x, step, h)
    if threads is not None:
        value = complex_gradient_parallel(f, x, h, out, status, threads)
    else:
        value = complex_gradient_serial(f, x, h, out, status)
    return value, -1, _failures(status)


@njit(cache=True, nogil=True)
def complex_jacobian_driver(f, x, step, threads, h, out, status):
    """Complex-step Jacobian in one compiled call; ``out`` is (m, n).

    Same arguments as :func:`complex_gradient_driver` with ``f`` of kind
    "vector"; returns ``(bad_coordinate, failures)``.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return bad, 0
    complex_steps(x, step, h)
    if threads is not None:
        complex_jacobian_parallel(f, x, h, out, status, threads)
    else:
        complex_jacobian_serial(f, x, h, out, status)
    return -1, _failures(status)
