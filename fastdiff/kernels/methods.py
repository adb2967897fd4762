"""One function per method and object, for use inside your own ``@njit`` code.

These run serially (so they are safe inside your ``prange`` loops), take the
jitted function itself, choose the default steps of :mod:`fastdiff.steps`
(or an absolute ``step`` you pass) and raise ``ValueError`` when ``f``
returns a non-finite value at a stencil point.

``f`` may take extra arguments after ``x``, given as a tuple right after the
required arguments: ``central_jacobian(F, y, (t, h, y_prev, params))``
evaluates ``F(y + ..., t, h, y_prev, params)``. Numba cannot close over
run-time values, so this is how data reaches ``f`` inside compiled code.
The tuple is passed by reference (nothing is copied, nothing allocated) and
may hold arrays, numbers and tuples of them. The older form with the step
third, ``forward_gradient(f, x, 1e-6)``, still works: a number in the place
of ``args`` is the step.

Each gradient and Jacobian comes in two forms with the same result, bit for
bit:

- ``central_gradient(f, x)`` returns a new array;
- ``central_gradient_into(f, x, out, work)`` writes into ``out`` and
  allocates nothing: ``work`` is a float64 buffer you allocate once, of
  length :func:`gradient_work_size` ``(n)`` (or :func:`jacobian_work_size`
  ``(n, m)``), that holds the perturbed copy of ``x`` and all scratch. Use
  it in hot loops; give each thread of a ``prange`` loop its own ``work``.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> from fastdiff.kernels import central_gradient, central_gradient_into, gradient_work_size
>>> @njit
... def f(x):
...     return x[0] ** 2 + 3.0 * x[1]
>>> @njit
... def descend(x):
...     for _ in range(100):
...         x = x - 0.1 * central_gradient(f, x)
...     return x
>>> float(np.round(descend(np.array([1.0, 0.0])), 6)[0])
0.0
>>> @njit
... def descend_in_place(x):
...     g = np.empty(x.shape[0])
...     work = np.empty(gradient_work_size(x.shape[0]))
...     for _ in range(100):
...         x -= 0.1 * central_gradient_into(f, x, g, work)
...     return x
>>> float(np.round(descend_in_place(np.array([1.0, 0.0])), 6)[0])
0.0
>>> @njit
... def distance(x, target, weight):
...     return weight * np.sum((x - target) ** 2)
>>> @njit
... def gradient_at(x, target):
...     return central_gradient(distance, x, (target, 0.5))
>>> np.round(gradient_at(np.array([1.0, 2.0]), np.array([0.0, 1.0])), 6)
array([1., 1.])
"""

import math

import numpy as np
from numba import carray, njit, types
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload

from fastdiff.kernels._calling import call_scalar, call_vector
from fastdiff.kernels.gradient import gradient_range
from fastdiff.kernels.hessian import hessian_serial
from fastdiff.kernels.jacobian import BLOCK_COLUMNS, jacobian_range
from fastdiff.status import OK, RAISED, WRONG_SHAPE
from fastdiff.stencils import FIRST_DERIVATIVE, HESSIAN, hessian_arrays
from fastdiff.steps import FLOAT64_EPS, default_step, representable_step

# Compile-time constants: Numba freezes global arrays and tuples into the code.
_FORWARD = FIRST_DERIVATIVE["forward"]
_BACKWARD = FIRST_DERIVATIVE["backward"]
_CENTRAL = FIRST_DERIVATIVE["central"]
# One stencil row, shared by all coordinates (shape (1, k)).
_FORWARD_OFFSETS, _FORWARD_WEIGHTS = (
    np.array([_FORWARD.offsets]),
    np.array([_FORWARD.weights]),
)
_BACKWARD_OFFSETS, _BACKWARD_WEIGHTS = (
    np.array([_BACKWARD.offsets]),
    np.array([_BACKWARD.weights]),
)
_CENTRAL_OFFSETS, _CENTRAL_WEIGHTS = (
    np.array([_CENTRAL.offsets]),
    np.array([_CENTRAL.weights]),
)
_STENCIL_WIDTH = max(len(stencil.offsets) for stencil in FIRST_DERIVATIVE.values())
_FORWARD_HESSIAN = tuple(np.array(a) for a in hessian_arrays("forward"))
_BACKWARD_HESSIAN = tuple(np.array(a) for a in hessian_arrays("backward"))
_CENTRAL_HESSIAN = tuple(np.array(a) for a in hessian_arrays("central"))
# The default steps are scale * max(1, |x_i|) with scale = eps**exponent
# (fastdiff.steps.relative_steps); the scales are computed here, once, because
# the power costs a third of the whole overhead of a gradient at n = 10.
_FORWARD_SCALE = FLOAT64_EPS**_FORWARD.step_exponent
_BACKWARD_SCALE = FLOAT64_EPS**_BACKWARD.step_exponent
_CENTRAL_SCALE = FLOAT64_EPS**_CENTRAL.step_exponent
_FORWARD_HESSIAN_SCALE = FLOAT64_EPS ** HESSIAN["forward"].step_exponent
_BACKWARD_HESSIAN_SCALE = FLOAT64_EPS ** HESSIAN["backward"].step_exponent
_CENTRAL_HESSIAN_SCALE = FLOAT64_EPS ** HESSIAN["central"].step_exponent


@njit(cache=True)
def gradient_work_size(n):
    """Length of the ``work`` buffer of the ``*_gradient_into`` functions.

    Parameters
    ----------
    n : int
        Length of ``x``.

    Returns
    -------
    int
        ``3 n + 2``: the perturbed copy of ``x``, the steps, the status of
        each entry and the values of ``f`` at one coordinate's stencil.

    Examples
    --------
    >>> from fastdiff.kernels import gradient_work_size
    >>> gradient_work_size(10)
    32
    """
    return 3 * n + _STENCIL_WIDTH


@njit(cache=True)
def jacobian_work_size(n, m):
    """Length of the ``work`` buffer of the ``*_jacobian_into`` functions.

    Parameters
    ----------
    n : int
        Length of ``x``.
    m : int
        Length of ``f(x)``.

    Returns
    -------
    int
        ``3 n + b (m + 1)`` with ``b = min(n, 32)``: the perturbed copy of
        ``x``, the steps, the status of each column, and a block of ``b``
        columns (see :data:`fastdiff.kernels.jacobian.BLOCK_COLUMNS`).

    Examples
    --------
    >>> from fastdiff.kernels import jacobian_work_size
    >>> jacobian_work_size(3, 3)
    21
    """
    return 3 * n + min(n, BLOCK_COLUMNS) * (m + 1)


@njit(cache=True, error_model="numpy", inline="always")
def _raise_on_failure(code):
    if code == WRONG_SHAPE:
        raise ValueError("fastdiff: f returned an array of the wrong length at a stencil point")
    if code != OK:
        raise ValueError("fastdiff: f raised or returned a non-finite value at a stencil point")


@njit(cache=True, error_model="numpy", inline="always")
def _value_at(f, x, extra):
    # f(x) of a scalar f, a jitted function or the address of its code
    # (fastdiff.kernels.address_of): both forms go through the call helpers.
    value, code = call_scalar(f, x, extra)
    if code == RAISED:
        raise ValueError("fastdiff: f raised an exception at x")
    if code != OK:
        raise ValueError("fastdiff: f(x) is not finite")
    return value


@njit(cache=True, error_model="numpy", inline="always")
def _values_at(f, x, extra):
    # f(x) of a vector f, either form (see _value_at).
    values, code = call_vector(f, x, extra)
    if code != OK:
        raise ValueError("fastdiff: f raised an exception at x")
    return values


@njit(cache=True, error_model="numpy", inline="always")
def _check(status):
    # status: 1-D, codes of fastdiff.status (as floats when kept in work).
    for i in range(status.shape[0]):
        _raise_on_failure(status[i])


@njit(cache=True, error_model="numpy", inline="always")
def _uses_center(offsets, weights):
    for k in range(offsets.shape[1]):
        if offsets[0, k] == 0.0 and weights[0, k] != 0.0:
            return True
    return False


def _is_absent(option):
    return option is None or isinstance(option, (types.NoneType, types.Omitted))


def _extra_arguments(args):
    """The tuple of extra arguments of ``f`` given as ``args`` (see :func:`_fill_steps`)."""


@overload(_extra_arguments)
def _extra_arguments_impl(args):
    # Decided from the types when the caller is compiled: nothing is left at run time.
    if isinstance(args, types.BaseTuple):
        return lambda args: args
    if _is_absent(args) or isinstance(args, (types.Float, types.Integer)):
        return lambda args: ()
    raise TypingError(
        "fastdiff: args must be a tuple of the extra arguments of f, such as (data,) "
        f"for f(x, data); got {args}"
    )


def _fill_steps(x, args, step, scale, h):
    """Steps into ``h``: the rule of :func:`fastdiff.steps.relative_steps` or ``step``.

    ``scale`` is ``eps**exponent``. A number given in the place of ``args``
    is the absolute step (the signature ``(f, x, step)`` of the versions
    before extra arguments).
    """


@overload(_fill_steps)
def _fill_steps_impl(x, args, step, scale, h):
    if isinstance(args, (types.Float, types.Integer)):
        if not _is_absent(step):
            raise TypingError("fastdiff: step is given twice (in the place of args and as step)")

        def legacy_step(x, args, step, scale, h):
            for i in range(x.shape[0]):
                h[i] = representable_step(x[i], args)

        return legacy_step
    if _is_absent(step):

        def default_steps(x, args, step, scale, h):
            for i in range(x.shape[0]):
                h[i] = representable_step(x[i], default_step(x[i], scale))

        return default_steps

    def absolute_step(x, args, step, scale, h):
        for i in range(x.shape[0]):
            h[i] = representable_step(x[i], step)

    return absolute_step


@intrinsic
def _data_pointer(typingctx, array, start):
    """Address of ``array[start]`` as a ``float64 *`` (1-D float64 arrays only)."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.float64):
        return None
    sig = types.CPointer(types.float64)(array, types.intp)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.gep(data, [args[1]])

    return sig, codegen


@njit(cache=True, error_model="numpy", inline="always")
def _scratch(work, start, shape):
    # A view of work that is not reference counted. f is called with x_work
    # once per stencil point, and each call with a counted array costs two
    # atomic operations: 40 ns of a 0.1 us budget at n = 10. Safe only while
    # a caller holds work: use it in functions that receive work as an
    # argument (or inlined into one), never where work is allocated.
    return carray(_data_pointer(work, start), shape)


@njit(cache=True, error_model="numpy", inline="always")
def _check_work(work, size, message):
    if work.shape[0] < size:
        raise ValueError(message)
    if not work.flags.c_contiguous:
        raise ValueError("fastdiff: work must be a contiguous float64 array")


@njit(cache=True, error_model="numpy", inline="always")
def _gradient_into(f, x, out, work, args, step, offsets, weights, scale):
    n = x.shape[0]
    if out.shape[0] != n:
        raise ValueError("fastdiff: out must have the length of x")
    _check_work(
        work,
        gradient_work_size(n),
        "fastdiff: work is too short: it needs gradient_work_size(len(x)) entries",
    )
    # Layout of work: x_work | h | status | values.
    x_work = _scratch(work, 0, n)
    h = _scratch(work, n, n)
    status = _scratch(work, 2 * n, n)
    values = _scratch(work, 3 * n, _STENCIL_WIDTH)
    x_work[:] = x
    _fill_steps(x, args, step, scale, h)
    extra = _extra_arguments(args)
    f0 = np.nan
    if _uses_center(offsets, weights):
        f0 = _value_at(f, x_work, extra)
    gradient_range(f, x_work, extra, h, offsets, weights, f0, np.intp(0), n, out, status, values)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def _jacobian_into(f, x, out, work, args, step, offsets, weights, scale, f0):
    # f0 = f(x, *args) is read only by stencils with a centre point.
    n = x.shape[0]
    m = out.shape[0]
    if out.shape[1] != n:
        raise ValueError("fastdiff: out must have shape (m, len(x))")
    _check_work(
        work,
        jacobian_work_size(n, m),
        "fastdiff: work is too short: it needs jacobian_work_size(len(x), m) entries",
    )
    if _uses_center(offsets, weights):
        if f0.shape[0] != m:
            raise ValueError("fastdiff: f(x) must have length m = out.shape[0]")
        for r in range(m):
            if not math.isfinite(f0[r]):
                raise ValueError("fastdiff: f(x) is not finite")
    # Layout of work: x_work | h | status | scales | block (b rows of length m).
    b = min(n, BLOCK_COLUMNS)
    x_work = _scratch(work, 0, n)
    h = _scratch(work, n, n)
    status = _scratch(work, 2 * n, n)
    scales = _scratch(work, 3 * n, b)
    block = _scratch(work, 3 * n + b, (b, m))
    x_work[:] = x
    _fill_steps(x, args, step, scale, h)
    jacobian_range(
        f,
        x_work,
        _extra_arguments(args),
        h,
        offsets,
        weights,
        f0,
        np.intp(0),
        n,
        out,
        status,
        block,
        scales,
    )
    _check(status)
    return out


@njit(cache=True, error_model="numpy", inline="always")
def _jacobian(f, x, args, step, offsets, weights, scale):
    f0 = _values_at(f, x, _extra_arguments(args))  # also gives m
    n = x.shape[0]
    m = f0.shape[0]
    out = np.empty((m, n))
    work = np.empty(jacobian_work_size(n, m))
    return _jacobian_into(f, x, out, work, args, step, offsets, weights, scale, f0)


@njit(cache=True, error_model="numpy")
def _hessian(f, x, args, step, stencil, scale):
    n = x.shape[0]
    x = np.ascontiguousarray(x)
    h = np.empty(n)
    _fill_steps(x, args, step, scale, h)
    extra = _extra_arguments(args)
    out = np.empty((n, n))
    status = np.empty((n, n), dtype=np.int8)
    hessian_serial(f, x, extra, h, stencil, _value_at(f, x, extra), out, status)
    _check(status.ravel())
    return out


@njit(cache=True, error_model="numpy")
def forward_gradient(f, x, args=(), step=None):
    """Forward-difference gradient of scalar ``f`` at ``x`` (n + 1 evaluations).

    Parameters
    ----------
    f : jitted function or int
        ``f(x, *args) -> float`` for a 1-D float64 array ``x``, or the
        address of its code (:func:`fastdiff.native_function`).
    x : ndarray, shape (n,)
        Point of differentiation.
    args : tuple, optional
        Extra arguments of ``f`` (not differentiated); ``()`` for ``f(x)``.
    step : float, optional
        Absolute step; default ``sqrt(eps) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``f`` returns a non-finite value at ``x`` or at a stencil point.
    """
    n = x.shape[0]
    return forward_gradient_into(f, x, np.empty(n), np.empty(gradient_work_size(n)), args, step)


@njit(cache=True, error_model="numpy")
def backward_gradient(f, x, args=(), step=None):
    """Backward-difference gradient (n + 1 evaluations); see :func:`forward_gradient`."""
    n = x.shape[0]
    return backward_gradient_into(f, x, np.empty(n), np.empty(gradient_work_size(n)), args, step)


@njit(cache=True, error_model="numpy")
def central_gradient(f, x, args=(), step=None):
    """Central-difference gradient (2n evaluations); default step ``eps**(1/3) * max(1, |x_i|)``.

    See :func:`forward_gradient` for the parameters.
    """
    n = x.shape[0]
    return central_gradient_into(f, x, np.empty(n), np.empty(gradient_work_size(n)), args, step)


@njit(cache=True, error_model="numpy")
def forward_gradient_into(f, x, out, work, args=(), step=None):
    """:func:`forward_gradient` written into ``out``, without allocating (n + 1 evaluations).

    Parameters
    ----------
    f : jitted function or int
        ``f(x, *args) -> float`` for a 1-D float64 array ``x``, or the
        address of its code (:func:`fastdiff.native_function`).
    x : ndarray, shape (n,)
        Point of differentiation; not modified (``f`` is evaluated at a
        perturbed copy of ``x`` kept in ``work``).
    out : ndarray, shape (n,)
        Receives the gradient.
    work : ndarray of float64, shape (>= gradient_work_size(n),)
        Scratch, overwritten; it must not overlap ``x`` or ``out``. One per
        thread when called inside ``prange``.
    args : tuple, optional
        Extra arguments of ``f``, passed by reference (nothing allocated).
    step : float, optional
        Absolute step; default ``sqrt(eps) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n,)
        ``out``; bit for bit the result of :func:`forward_gradient`.

    Raises
    ------
    ValueError
        If ``out`` does not have length n, ``work`` is shorter than
        :func:`gradient_work_size` ``(n)``, or ``f`` returns a non-finite
        value at ``x`` or at a stencil point.

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> from fastdiff.kernels import forward_gradient_into, gradient_work_size
    >>> @njit
    ... def f(x):
    ...     return x[0] * x[1]
    >>> x = np.array([2.0, 3.0])
    >>> g = forward_gradient_into(f, x, np.empty(2), np.empty(gradient_work_size(2)))
    >>> np.round(g, 6)
    array([3., 2.])
    """
    return _gradient_into(
        f, x, out, work, args, step, _FORWARD_OFFSETS, _FORWARD_WEIGHTS, _FORWARD_SCALE
    )


@njit(cache=True, error_model="numpy")
def backward_gradient_into(f, x, out, work, args=(), step=None):
    """:func:`backward_gradient` written into ``out`` (n + 1 evaluations).

    See :func:`forward_gradient_into` for the parameters.
    """
    return _gradient_into(
        f, x, out, work, args, step, _BACKWARD_OFFSETS, _BACKWARD_WEIGHTS, _BACKWARD_SCALE
    )


@njit(cache=True, error_model="numpy")
def central_gradient_into(f, x, out, work, args=(), step=None):
    """:func:`central_gradient` written into ``out`` (2n evaluations).

    See :func:`forward_gradient_into` for the parameters; the default step
    is ``eps**(1/3) * max(1, |x_i|)``.
    """
    return _gradient_into(
        f, x, out, work, args, step, _CENTRAL_OFFSETS, _CENTRAL_WEIGHTS, _CENTRAL_SCALE
    )


@njit(cache=True, error_model="numpy")
def forward_jacobian(f, x, args=(), step=None):
    """Forward-difference Jacobian of ``f: R^n -> R^m`` (n + 1 evaluations).

    Parameters
    ----------
    f : jitted function or int
        ``f(x, *args) -> ndarray (m,)`` for a 1-D float64 array ``x``, or the
        address of its code (:func:`fastdiff.native_function`).
    x : ndarray, shape (n,)
        Point of differentiation.
    args : tuple, optional
        Extra arguments of ``f`` (not differentiated); ``()`` for ``f(x)``.
    step : float, optional
        Absolute step; default ``sqrt(eps) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (m, n)

    Raises
    ------
    ValueError
        If ``f`` returns a non-finite value at ``x`` or at a stencil point,
        or an array whose length is not that of ``f(x)``.
    """
    return _jacobian(f, x, args, step, _FORWARD_OFFSETS, _FORWARD_WEIGHTS, _FORWARD_SCALE)


@njit(cache=True, error_model="numpy")
def backward_jacobian(f, x, args=(), step=None):
    """Backward-difference Jacobian (n + 1 evaluations); see :func:`forward_jacobian`."""
    return _jacobian(f, x, args, step, _BACKWARD_OFFSETS, _BACKWARD_WEIGHTS, _BACKWARD_SCALE)


@njit(cache=True, error_model="numpy")
def central_jacobian(f, x, args=(), step=None):
    """Central-difference Jacobian (2n + 1 evaluations: ``f(x)`` gives m).

    See :func:`forward_jacobian` for the parameters.
    """
    return _jacobian(f, x, args, step, _CENTRAL_OFFSETS, _CENTRAL_WEIGHTS, _CENTRAL_SCALE)


@njit(cache=True, error_model="numpy")
def forward_jacobian_into(f, x, out, work, args=(), step=None):
    """:func:`forward_jacobian` written into ``out`` (n + 1 evaluations).

    Allocates nothing itself (``f`` allocates the arrays it returns).

    Parameters
    ----------
    f : jitted function or int
        ``f(x, *args) -> ndarray (m,)`` for a 1-D float64 array ``x``, or the
        address of its code (:func:`fastdiff.native_function`).
    out : ndarray, shape (m, n)
        Receives the Jacobian; its first dimension gives m. With contiguous
        columns (F order, e.g. ``np.empty((n, m)).T``) each column is
        summed in place, which is faster for large m.
    x, work, args, step
        As in :func:`forward_gradient_into`, with ``work`` of length
        :func:`jacobian_work_size` ``(n, m)`` at least.

    Returns
    -------
    ndarray, shape (m, n)
        ``out``; bit for bit the result of :func:`forward_jacobian`.

    Raises
    ------
    ValueError
        If ``out`` does not have n columns, ``work`` is shorter than
        :func:`jacobian_work_size` ``(n, m)``, or ``f`` returns a
        non-finite value or an array whose length is not m.

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> from fastdiff import native_function
    >>> from fastdiff.kernels import forward_jacobian_into, jacobian_work_size
    >>> @njit
    ... def f(x):
    ...     return np.array([x[0] * x[1], x[1] ** 2])
    >>> x = np.array([2.0, 3.0])
    >>> out, work = np.empty((2, 2)), np.empty(jacobian_work_size(2, 2))

    ``f`` itself, or the address of its code: the kernels are then compiled
    once for all functions and cached on disk (keep ``native`` while its
    address is used).

    >>> native = native_function(f)
    >>> np.round(forward_jacobian_into(native.address, x, out, work), 6)
    array([[3., 2.],
           [0., 6.]])
    """
    return _jacobian_into(
        f,
        x,
        out,
        work,
        args,
        step,
        _FORWARD_OFFSETS,
        _FORWARD_WEIGHTS,
        _FORWARD_SCALE,
        _values_at(f, x, _extra_arguments(args)),
    )


@njit(cache=True, error_model="numpy")
def backward_jacobian_into(f, x, out, work, args=(), step=None):
    """:func:`backward_jacobian` written into ``out`` (n + 1 evaluations).

    See :func:`forward_jacobian_into` for the parameters.
    """
    return _jacobian_into(
        f,
        x,
        out,
        work,
        args,
        step,
        _BACKWARD_OFFSETS,
        _BACKWARD_WEIGHTS,
        _BACKWARD_SCALE,
        _values_at(f, x, _extra_arguments(args)),
    )


@njit(cache=True, error_model="numpy")
def central_jacobian_into(f, x, out, work, args=(), step=None):
    """:func:`central_jacobian` written into ``out`` (2n evaluations: m comes from ``out``).

    See :func:`forward_jacobian_into` for the parameters.
    """
    # No centre point: f(x) is not needed, an empty view stands for it.
    return _jacobian_into(
        f, x, out, work, args, step, _CENTRAL_OFFSETS, _CENTRAL_WEIGHTS, _CENTRAL_SCALE, work[:0]
    )


@njit(cache=True, error_model="numpy")
def forward_hessian(f, x, args=(), step=None):
    """Forward-difference Hessian of scalar ``f`` (1 + n (n + 3) / 2 evaluations).

    Parameters
    ----------
    f : jitted function or int
        ``f(x, *args) -> float`` for a 1-D float64 array ``x``, or the
        address of its code (:func:`fastdiff.native_function`).
    x : ndarray, shape (n,)
        Point of differentiation.
    args : tuple, optional
        Extra arguments of ``f`` (not differentiated); ``()`` for ``f(x)``.
    step : float, optional
        Absolute step; default ``eps**(1/3) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric.
    """
    return _hessian(f, x, args, step, _FORWARD_HESSIAN, _FORWARD_HESSIAN_SCALE)


@njit(cache=True, error_model="numpy")
def backward_hessian(f, x, args=(), step=None):
    """Backward-difference Hessian; see :func:`forward_hessian`."""
    return _hessian(f, x, args, step, _BACKWARD_HESSIAN, _BACKWARD_HESSIAN_SCALE)


@njit(cache=True, error_model="numpy")
def central_hessian(f, x, args=(), step=None):
    """Central-difference Hessian (n**2 + n + 1 evaluations).

    Default step ``eps**(1/4) * max(1, |x_i|)``; see :func:`forward_hessian`.
    """
    return _hessian(f, x, args, step, _CENTRAL_HESSIAN, _CENTRAL_HESSIAN_SCALE)


# --- Complex step: f must also accept a complex128 array (see kernels.complex_step).
from fastdiff.kernels.complex_step import (  # noqa: E402 - kept next to its only users
    complex_gradient_serial,
    complex_jacobian_serial,
    complex_steps,
)


@njit(cache=True, error_model="numpy", inline="always")
def _complex_step_sizes(x, step):
    h = np.empty(x.shape[0])
    if step is None:
        return complex_steps(x, np.empty(0), h)
    for j in range(x.shape[0]):
        h[j] = step
    return h


@njit(cache=True, error_model="numpy")
def complex_step_gradient(f, x, step=None):
    """Gradient of scalar ``f`` by complex step, ``Im f(x + i h e_j) / h`` (n evaluations).

    Exact to rounding for ``f`` analytic in each coordinate; ``f`` is
    compiled for a complex128 array too (no ``abs``, comparisons or writes
    into float arrays on the path from ``x`` to the result, and no complex
    ``z ** k`` other than ``k = 2``: Numba computes it as ``exp(k log z)``,
    which ruins the result; write ``z * z * z``).

    Parameters
    ----------
    f : jitted function or int
        ``f(z) -> number`` for a 1-D complex128 array ``z``.
    x : ndarray, shape (n,)
        Real point of differentiation.
    step : float, optional
        Imaginary step; default ``1e-20 * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n,)
    """
    n = x.shape[0]
    h = _complex_step_sizes(x, step)
    out = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    complex_gradient_serial(f, x, h, out, status)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def complex_step_jacobian(f, x, step=None):
    """Jacobian of ``f: R^n -> R^m`` by complex step (n + 1 evaluations: ``f(x)`` gives m).

    See :func:`complex_step_gradient`; ``f(z)`` returns a 1-D complex array.

    Returns
    -------
    ndarray, shape (m, n)
    """
    n = x.shape[0]
    h = _complex_step_sizes(x, step)
    m = f(x.astype(np.complex128)).shape[0]
    out = np.empty((m, n))
    status = np.empty(n, dtype=np.int8)
    complex_jacobian_serial(f, x, h, out, status)
    _check(status)
    return out
