"""How a kernel calls the user's function.

A kernel receives ``f`` in one of two forms and calls it through the two
helpers here, so its arithmetic is written once:

* a Numba-compiled function (a dispatcher): what users pass from their own
  ``@njit`` code. Numba specialises the kernel for that function and inlines
  the call, so there is no overhead, but the specialisation is compiled in
  every process.
* an integer: the address of a C wrapper of ``f`` built by
  :mod:`fastdiff.compiled`. The kernel is then compiled once for all
  functions and cached on disk, and ``f`` is called through the pointer. This
  is what the Python API uses.

Both helpers return a status code from :mod:`fastdiff.status` instead of
raising, so that parallel kernels can report failures per evaluation.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from fastdiff.status import NOT_FINITE, OK, WRONG_SHAPE


@intrinsic
def _call_scalar_address(typingctx, address, x_address, n, out_address):
    """Call ``int32 f(double *x, int64 n, double *out)`` at ``address``."""
    sig = types.int32(types.intp, types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        fn_address, x_ptr, length, out_ptr = args
        double_ptr = ir.DoubleType().as_pointer()
        fn_type = ir.FunctionType(ir.IntType(32), [double_ptr, ir.IntType(64), double_ptr])
        fn = builder.inttoptr(fn_address, fn_type.as_pointer())
        return builder.call(
            fn,
            [
                builder.inttoptr(x_ptr, double_ptr),
                length,
                builder.inttoptr(out_ptr, double_ptr),
            ],
        )

    return sig, codegen


@intrinsic
def _combine_vector_address(typingctx, address, x_address, n, out_address, m, weight, scale, first):
    """Call ``int32 f(double *x, int64 n, double *out, int64 m, double w, double s, int64 first)``."""
    sig = types.int32(
        types.intp,
        types.intp,
        types.intp,
        types.intp,
        types.intp,
        types.float64,
        types.float64,
        types.intp,
    )

    def codegen(context, builder, signature, args):
        fn_address, x_ptr, length, out_ptr, out_length, w, s, first_flag = args
        double_ptr = ir.DoubleType().as_pointer()
        i64 = ir.IntType(64)
        fn_type = ir.FunctionType(
            ir.IntType(32),
            [double_ptr, i64, double_ptr, i64, ir.DoubleType(), ir.DoubleType(), i64],
        )
        fn = builder.inttoptr(fn_address, fn_type.as_pointer())
        return builder.call(
            fn,
            [
                builder.inttoptr(x_ptr, double_ptr),
                length,
                builder.inttoptr(out_ptr, double_ptr),
                out_length,
                w,
                s,
                first_flag,
            ],
        )

    return sig, codegen


@njit(cache=True, inline="always")
def _finite_or(status, value):
    # A successful call with a non-finite value is reported as such.
    if status == OK and not math.isfinite(value):
        return np.int32(NOT_FINITE)
    return np.int32(status)


def call_scalar(f, x, buffer):
    """Evaluate a scalar function: returns ``(value, status)``.

    ``buffer`` is a float64 array of length >= 1 used by the address form.
    """


def accumulate_vector(f, x, weight, out):
    """Add ``weight * f(x)`` to ``out``: returns a status code.

    One pass over the m outputs does the copy, the weighting and the
    finiteness check, which is what keeps a Jacobian near its floor.
    """


def combine_vector(f, x, weight, scale, first, out):
    """``out = (out + weight * f(x)) * scale``, or ``(weight * f(x)) * scale`` if ``first``.

    The general form of :func:`accumulate_vector` (``scale = 1``, which is
    exact, and ``first = False``): a Jacobian column starts with its first
    term and takes its scale with its last, so each column is one pass per
    evaluation and nothing else. Returns a status code.
    """


@overload(call_scalar)
def _call_scalar_impl(f, x, buffer):
    if isinstance(f, types.Integer):

        def impl(f, x, buffer):
            status = _call_scalar_address(f, x.ctypes.data, x.shape[0], buffer.ctypes.data)
            return buffer[0], _finite_or(status, buffer[0])

        return impl

    def impl(f, x, buffer):
        value = np.float64(f(x))
        return value, _finite_or(np.int32(OK), value)

    return impl


@overload(accumulate_vector)
def _accumulate_vector_impl(f, x, weight, out):
    def impl(f, x, weight, out):
        return combine_vector(f, x, weight, 1.0, False, out)

    return impl


@overload(combine_vector)
def _combine_vector_impl(f, x, weight, scale, first, out):
    if isinstance(f, types.Integer):

        def impl(f, x, weight, scale, first, out):
            return _combine_vector_address(
                f,
                x.ctypes.data,
                x.shape[0],
                out.ctypes.data,
                out.shape[0],
                weight,
                scale,
                1 if first else 0,
            )

        return impl

    def impl(f, x, weight, scale, first, out):
        values = f(x)
        return combine_values(values, weight, scale, first, out)

    return impl


@njit(cache=True, inline="always")
def accumulate_values(values, weight, out):
    """``out += weight * values`` with the checks of :func:`accumulate_vector`."""
    return combine_values(values, weight, 1.0, False, out)


@njit(cache=True, inline="always")
def combine_values(values, weight, scale, first, out):
    """The arithmetic and checks of :func:`combine_vector` on computed ``values``."""
    if values.shape[0] != out.shape[0]:
        return np.int32(WRONG_SHAPE)
    finite = True
    if first:
        for r in range(out.shape[0]):
            value = values[r]
            finite &= math.isfinite(value)
            out[r] = (weight * value) * scale
    else:
        for r in range(out.shape[0]):
            value = values[r]
            finite &= math.isfinite(value)
            out[r] = (out[r] + weight * value) * scale
    return np.int32(OK if finite else NOT_FINITE)
