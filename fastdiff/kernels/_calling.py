"""How a kernel calls the user's function.

A kernel receives ``f`` in one of two forms and calls it through the two
helpers here, so its arithmetic is written once:

* a Numba-compiled function (a dispatcher): what users pass from their own
  ``@njit`` code. Numba specialises the kernel for that function and inlines
  the call, so there is no overhead, but the specialisation is compiled in
  every process.
* an integer: the address of the code Numba compiled for ``f`` (found by
  :mod:`fastdiff.compiled`). The kernel is then compiled once for all
  functions and cached on disk, and ``f`` is called through the pointer with
  Numba's calling convention, whose status word tells whether ``f`` raised.
  This is what the Python API uses.

Both helpers return a status code from :mod:`fastdiff.status` instead of
raising, so that parallel kernels can report failures per evaluation.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.callconv import ALLOC_FLAG_IDX, HASH_BUF_IDX, excinfo_t
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload

from fastdiff.status import NOT_FINITE, OK, RAISED, WRONG_SHAPE

#: What the native function of ``f`` takes: the kernels' points are 1-D,
#: C-contiguous float64 arrays.
POINT_TYPE = types.Array(types.float64, 1, "C")
#: What a vector ``f`` must return natively (other returns get an adapter).
VALUES_TYPE = types.Array(types.float64, 1, "C")


def _native_call(context, builder, address, x_value, args_type, args_value, return_type):
    """Call the Numba-compiled function at ``address`` with ``(x, *args)``: ``(status, value)``.

    The function is the one Numba compiled for ``f(POINT_TYPE, *args_type)
    -> return_type``, called with Numba's own calling convention (a pointer
    for the result, one for exception information, then the fields of each
    argument), as Numba calls one compiled function from another. The
    extra arguments are the members of the tuple ``args``, passed as they
    are (arrays by reference: nothing is copied); an empty tuple adds
    nothing to the call. On an exception the value is left zero (a null
    array for a vector ``f``). The kernels only report the status, so the
    information of an exception raised with run-time values is freed here
    (:func:`_free_exception_info`).
    """
    call_conv = context.call_conv
    argument_types = [POINT_TYPE, *args_type.types]
    argument_values = [x_value, *cgutils.unpack_tuple(builder, args_value, len(args_type))]
    function_type = call_conv.get_function_type(return_type, argument_types)
    function = builder.inttoptr(address, function_type.as_pointer())
    result_type = call_conv.get_return_type(return_type).pointee
    result = cgutils.alloca_once(builder, result_type)
    builder.store(cgutils.get_null_value(result_type), result)
    exception = cgutils.alloca_once(builder, ir.PointerType(excinfo_t), name="excinfo")
    packer = call_conv._get_arg_packer(argument_types)
    arguments = [result, exception, *packer.as_arguments(builder, argument_values)]
    code = builder.call(function, arguments)
    status = call_conv._get_return_status(builder, code, builder.load(exception))
    with builder.if_then(status.is_user_exc, likely=False):
        _free_exception_info(context, builder, builder.load(exception))
    i32 = ir.IntType(32)
    status_code = builder.select(status.is_ok, ir.Constant(i32, OK), ir.Constant(i32, RAISED))
    value = context.get_returned_value(builder, return_type, builder.load(result))
    return status_code, value


def _free_exception_info(context, builder, info):
    """Free what Numba allocated for an exception with run-time values.

    ``raise ValueError("bad", x[0])`` in ``f`` allocates (with NRT) a record of
    the exception and one of its run-time arguments, which Numba frees when it
    turns them into a Python exception. The kernels never do that, so without
    this each failed evaluation would leak about 60 bytes. An exception with
    constant arguments points to a constant record (allocation flag 0), which
    is left alone.
    """
    with builder.if_then(cgutils.is_not_null(builder, info)):
        record = builder.load(info)
        allocated = builder.extract_value(record, ALLOC_FLAG_IDX)
        with builder.if_then(builder.icmp_signed(">", allocated, ir.Constant(allocated.type, 0))):
            context.nrt.free(builder, builder.extract_value(record, HASH_BUF_IDX))
            context.nrt.free(builder, builder.bitcast(info, cgutils.voidptr_t))


def _check_point(x):
    # Read-only or not, the array has the fields of POINT_TYPE.
    if not (
        isinstance(x, types.Array) and x.dtype == types.float64 and x.ndim == 1 and x.layout == "C"
    ):
        raise TypingError(f"the point must be a 1-D C-contiguous float64 array; got {x}")


def _check_arguments(args):
    if not isinstance(args, types.BaseTuple):
        raise TypingError(f"args must be a tuple of extra arguments of f; got {args}")


@intrinsic
def _call_native_scalar(typingctx, address, x, args):
    """``(f(x, *args), status)`` for the native function of a scalar ``f`` at ``address``."""
    _check_point(x)
    _check_arguments(args)
    signature = types.Tuple((types.float64, types.int32))(types.intp, x, args)

    def codegen(context, builder, sig, llvm_args):
        address_value, x_value, args_value = llvm_args
        status, value = _native_call(
            context, builder, address_value, x_value, sig.args[2], args_value, types.float64
        )
        return context.make_tuple(builder, sig.return_type, [value, status])

    return signature, codegen


@intrinsic
def _call_native_vector(typingctx, address, x, args):
    """``(f(x, *args), status)`` for the native function of a vector ``f`` at ``address``.

    The array is a new reference (a null one, of length 0 to Numba's
    refcounting, if ``f`` raised).
    """
    _check_point(x)
    _check_arguments(args)
    signature = types.Tuple((VALUES_TYPE, types.int32))(types.intp, x, args)

    def codegen(context, builder, sig, llvm_args):
        address_value, x_value, args_value = llvm_args
        status, values = _native_call(
            context, builder, address_value, x_value, sig.args[2], args_value, VALUES_TYPE
        )
        return context.make_tuple(builder, sig.return_type, [values, status])

    return signature, codegen


@njit(cache=True, inline="always")
def _finite_or(status, value):
    # A successful call with a non-finite value is reported as such.
    if status == OK and not math.isfinite(value):
        return np.int32(NOT_FINITE)
    return np.int32(status)


def call_scalar(f, x, args):
    """Evaluate a scalar function, ``f(x, *args)``: returns ``(value, status)``.

    ``args`` is the tuple of extra arguments (``()`` for ``f(x)``).
    """


def call_vector(f, x, args):
    """Evaluate a vector function, ``f(x, *args)``: returns ``(values, status)``.

    ``values`` is ``f``'s own array (not to be used if ``status`` is not
    ``OK``); its length and finiteness are the caller's to check
    (:func:`combine_pair`).
    """


def accumulate_vector(f, x, args, weight, out):
    """Add ``weight * f(x, *args)`` to ``out``: returns a status code.

    One pass over the m outputs does the copy, the weighting and the
    finiteness check, which is what keeps a Jacobian near its floor.
    """


def combine_vector(f, x, args, weight, scale, first, out):
    """``out = (out + weight * f(x, *args)) * scale``, or ``(weight * f(x, *args)) * scale`` if ``first``.

    The general form of :func:`accumulate_vector` (``scale = 1``, which is
    exact, and ``first = False``): a Jacobian column starts with its first
    term and takes its scale with its last, so each column is one pass per
    evaluation and nothing else. Returns a status code.
    """


@overload(call_scalar)
def _call_scalar_impl(f, x, args):
    if isinstance(f, types.Integer):

        def impl(f, x, args):
            value, status = _call_native_scalar(f, x, args)
            return value, _finite_or(status, value)

        return impl

    def impl(f, x, args):
        value = np.float64(f(x, *args))
        return value, _finite_or(np.int32(OK), value)

    return impl


@overload(call_vector)
def _call_vector_impl(f, x, args):
    if isinstance(f, types.Integer):

        def impl(f, x, args):
            return _call_native_vector(f, x, args)

        return impl

    def impl(f, x, args):
        return f(x, *args), np.int32(OK)

    return impl


@overload(accumulate_vector)
def _accumulate_vector_impl(f, x, args, weight, out):
    def impl(f, x, args, weight, out):
        return combine_vector(f, x, args, weight, 1.0, False, out)

    return impl


@overload(combine_vector)
def _combine_vector_impl(f, x, args, weight, scale, first, out):
    if isinstance(f, types.Integer):

        def impl(f, x, args, weight, scale, first, out):
            values, status = _call_native_vector(f, x, args)
            if status != OK:
                return status
            return combine_values(values, weight, scale, first, out)

        return impl

    def impl(f, x, args, weight, scale, first, out):
        values = f(x, *args)
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


@njit(cache=True, inline="always")
def combine_pair(a, b, weight_a, weight_b, scale, out):
    """``out = (weight_a * a + weight_b * b) * scale`` in one pass, with the checks.

    The two-point stencil (central differences) of a Jacobian column, with
    the arithmetic of :func:`combine_values` applied to ``a`` then ``b``.
    Returns ``WRONG_SHAPE`` if a length differs from ``out``'s, else
    ``NOT_FINITE`` if a value is not finite, else ``OK``.
    """
    m = out.shape[0]
    if a.shape[0] != m or b.shape[0] != m:
        return np.int32(WRONG_SHAPE)
    finite = True
    for r in range(m):
        value_a = a[r]
        value_b = b[r]
        finite &= math.isfinite(value_a) and math.isfinite(value_b)
        out[r] = (weight_a * value_a + weight_b * value_b) * scale
    return np.int32(OK if finite else NOT_FINITE)
