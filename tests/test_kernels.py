"""The compiled kernels called from users' own @njit code."""

import warnings

import numpy as np
import pytest
from numba import njit, prange

import fastdiff
from fastdiff import kernels
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    relative_error,
    trigonometric_map,
    trigonometric_map_jacobian,
)
from tests.test_docstrings import COMPILED_FOR_USERS, run_examples

METHODS = ["central", "forward", "backward"]


# The tests of embedding (kernels inside users' @njit code and prange loops)
# pass the jitted functions themselves: each kernel is compiled again for
# each function, in every process. They share one scalar f (exp_sin_log) and
# one vector f (chemistry) with read-only points (a kernel that wrote into x
# would not compile), so that a kernel compiled by one test serves the next.
# The tests of the kernels' logic pass the address of f's code instead
# (fastdiff.native_function): one compiled version of each kernel, for every
# function, cached on disk.


def _read_only(x):
    x = np.array(x, dtype=np.float64)
    x.flags.writeable = False
    return x


@njit
def _all_derivatives(x):
    # Every embeddable form, each method; the into forms of the gradient and
    # the Jacobian next to the allocating ones (with which they share code).
    n = x.shape[0]
    g = (
        kernels.central_gradient(exp_sin_log, x),
        kernels.forward_gradient(exp_sin_log, x),
        kernels.backward_gradient(exp_sin_log, x),
    )
    size = kernels.gradient_work_size(n)
    g_into = (
        kernels.central_gradient_into(exp_sin_log, x, np.empty(n), np.empty(size)),
        kernels.forward_gradient_into(exp_sin_log, x, np.empty(n), np.empty(size)),
        kernels.backward_gradient_into(exp_sin_log, x, np.empty(n), np.empty(size)),
    )
    j = (
        kernels.central_jacobian(chemistry, x),
        kernels.forward_jacobian(chemistry, x),
        kernels.backward_jacobian(chemistry, x),
    )
    size = kernels.jacobian_work_size(n, 4)
    j_into = (
        kernels.central_jacobian_into(chemistry, x, np.empty((4, n)), np.empty(size)),
        kernels.forward_jacobian_into(chemistry, x, np.empty((4, n)), np.empty(size)),
        kernels.backward_jacobian_into(chemistry, x, np.empty((4, n)), np.empty(size)),
    )
    h = (
        kernels.central_hessian(exp_sin_log, x),
        kernels.forward_hessian(exp_sin_log, x),
        kernels.backward_hessian(exp_sin_log, x),
    )
    return g, g_into, j, j_into, h


def test_kernels_inside_njit_equal_the_python_api():
    x = _read_only([0.3, 2e-5, 0.04])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradients, gradients_into, jacobians, jacobians_into, hessians = _all_derivatives(x)
    for k, method in enumerate(METHODS):
        assert np.array_equal(gradients[k], fastdiff.gradient(exp_sin_log, x, method=method))
        assert np.array_equal(gradients_into[k], gradients[k])
        assert np.array_equal(jacobians[k], fastdiff.jacobian(chemistry, x, method=method))
        assert np.array_equal(jacobians_into[k], jacobians[k])
        assert np.array_equal(hessians[k], fastdiff.hessian(exp_sin_log, x, method=method))
    assert relative_error(gradients[0], exp_sin_log_gradient(x)) < 1e-8
    assert relative_error(jacobians[0], chemistry_jacobian(x)) < 1e-6
    assert relative_error(hessians[0], exp_sin_log_hessian(x)) < 1e-6


@njit(parallel=True)
def _gradients_in_prange(points):
    # Both forms in one parallel function: one compilation of the loop.
    allocated = np.empty_like(points)
    into = np.empty_like(points)
    work = np.empty((points.shape[0], kernels.gradient_work_size(points.shape[1])))
    for k in prange(points.shape[0]):
        allocated[k] = kernels.central_gradient(exp_sin_log, points[k])
        kernels.central_gradient_into(exp_sin_log, points[k], into[k], work[k])
    return allocated, into


def test_serial_kernels_inside_a_users_prange(rng):
    points = _read_only(rng.uniform(-1, 1, (16, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        allocated, into = _gradients_in_prange(points)
    for k in range(points.shape[0]):
        expected = fastdiff.gradient(exp_sin_log, points[k], parallel=False)
        assert np.array_equal(allocated[k], expected)
        assert np.array_equal(into[k], expected)
        assert relative_error(into[k], exp_sin_log_gradient(points[k])) < 1e-8


@njit
def _central_gradient(x):
    return kernels.central_gradient(exp_sin_log, x)


def test_kernel_raises_on_non_finite_values_inside_njit():
    # exp(x / 2) overflows beyond x = 1420: f is infinite at every stencil point of x[0].
    with pytest.raises(ValueError, match="non-finite"):
        _central_gradient(_read_only([1500.0, 0.5]))


def test_explicit_step():
    native = fastdiff.native_function(exp_sin_log)
    x = np.array([0.1, 0.2])
    # A number in the place of args is the step (the signature before args).
    g = kernels.forward_gradient(native.address, x, 1e-3)
    assert np.array_equal(g, fastdiff.gradient(exp_sin_log, x, method="forward", step=1e-3))
    # The forward difference with step h is g + h/2 diag(H) + O(h**2): h is 1e-3.
    expected = exp_sin_log_gradient(x) + 0.5e-3 * np.diag(exp_sin_log_hessian(x))
    assert relative_error(g, expected) < 1e-6


def test_low_level_parallel_driver_equals_serial(rng):
    from fastdiff import stencils

    x = rng.uniform(-1, 1, 33)
    h = np.full(33, 1e-5)
    offsets, weights = stencils.first_derivative_table("central", 33)
    serial, parallel = np.empty(33), np.empty(33)
    status = np.empty(33, dtype=np.int8)
    # The drivers as the Python API calls them, with the address of f's code.
    f = fastdiff.native_function(exp_sin_log).address
    kernels.gradient_serial(f, x, (), h, offsets, weights, np.nan, serial, status)
    kernels.gradient_parallel(f, x, (), h, offsets, weights, np.nan, parallel, status, 2)
    assert np.array_equal(serial, parallel)
    assert relative_error(serial, exp_sin_log_gradient(x)) < 1e-8


# --- Allocation-free forms: caller-owned out and work ------------------------

GRADIENT_FORMS = [
    (kernels.central_gradient, kernels.central_gradient_into),
    (kernels.forward_gradient, kernels.forward_gradient_into),
    (kernels.backward_gradient, kernels.backward_gradient_into),
]
JACOBIAN_FORMS = [
    (kernels.central_jacobian, kernels.central_jacobian_into),
    (kernels.forward_jacobian, kernels.forward_jacobian_into),
    (kernels.backward_jacobian, kernels.backward_jacobian_into),
]


def _step_arguments(step):
    """Trailing arguments of the allocating and the into form for an explicit ``step``.

    The step goes in the place of args (the signature before args) and the
    into form gets ``step=None`` as the allocating form passes it on: one
    compiled version of each kernel serves both calls
    (tests/test_compiled_signatures.py).
    """
    return ((), ()) if step is None else ((step,), (step, None))


@pytest.mark.parametrize("step", [None, 1e-4])
@pytest.mark.parametrize("forms", GRADIENT_FORMS, ids=METHODS)
def test_gradient_into_equals_the_allocating_form(forms, step):
    allocating, into = forms
    f = fastdiff.native_function(exp_sin_log).address
    x = np.array([0.3, 2e-5, 0.04])
    out, work = np.empty(3), np.empty(kernels.gradient_work_size(3))
    allocating_step, into_step = _step_arguments(step)
    expected = allocating(f, x, *allocating_step)
    assert into(f, x, out, work, *into_step) is out
    assert np.array_equal(out, expected)
    assert np.array_equal(x, [0.3, 2e-5, 0.04])
    assert relative_error(out, exp_sin_log_gradient(x)) < (1e-4 if step else 1e-6)


@pytest.mark.parametrize(
    "f, jacobian, x",
    [
        (chemistry, chemistry_jacobian, [0.3, 2e-5, 0.04]),
        # 37 columns: a full block of 32 and a short one; 37 rows: not a multiple of 4
        (trigonometric_map, trigonometric_map_jacobian, np.linspace(-1.0, 1.0, 37)),
    ],
    ids=["chemistry", "trigonometric"],
)
@pytest.mark.parametrize("forms", JACOBIAN_FORMS, ids=METHODS)
def test_jacobian_into_equals_the_allocating_form(forms, f, jacobian, x):
    allocating, into = forms
    address = fastdiff.native_function(f).address
    x = np.array(x, dtype=np.float64)
    before = x.copy()
    expected = allocating(address, x)
    m, n = expected.shape
    out, work = np.empty((m, n)), np.empty(kernels.jacobian_work_size(n, m))
    assert into(address, x, out, work) is out
    assert np.array_equal(out, expected)
    assert np.array_equal(x, before)
    # Central differences are second order; one-sided ones meet the curvature 6e7 of chemistry.
    assert relative_error(out, jacobian(x)) < (
        1e-6 if allocating is kernels.central_jacobian else 1e-3
    )


def test_work_sizes():
    assert kernels.gradient_work_size(10) == 32
    assert kernels.jacobian_work_size(3, 4) == 3 * 3 + 3 * 5
    assert kernels.jacobian_work_size(100, 7) == 3 * 100 + 32 * 8


def test_into_forms_write_nothing_beyond_their_buffers():
    x = np.array([0.3, 2e-5, 0.04])
    size = kernels.gradient_work_size(3)
    work = np.full(size + 5, 7.0)
    scalar = fastdiff.native_function(exp_sin_log)
    kernels.central_gradient_into(scalar.address, x, np.empty(3), work[:size])
    assert np.all(work[size:] == 7.0)
    size = kernels.jacobian_work_size(3, 4)
    work = np.full(size + 5, 7.0)
    vector = fastdiff.native_function(chemistry)
    kernels.forward_jacobian_into(vector.address, x, np.empty((4, 3)), work[:size])
    assert np.all(work[size:] == 7.0)


@njit
def _repeat_gradient_into(x, out, work, repeats):
    for _ in range(repeats):
        kernels.central_gradient_into(exp_sin_log, x, out, work)


@njit
def _repeat_gradient(x, repeats):
    for _ in range(repeats):
        kernels.central_gradient(exp_sin_log, x)


@pytest.fixture
def allocation_count():
    """Number of NRT allocations made by a call (Numba's statistics, private API)."""
    nrt = pytest.importorskip("numba.core.runtime._nrt_python")
    from numba.core.runtime import rtsys

    was_enabled = nrt.memsys_stats_enabled()
    nrt.memsys_enable_stats()

    def count(call):
        before = rtsys.get_allocation_stats().alloc
        call()
        return rtsys.get_allocation_stats().alloc - before

    yield count
    if not was_enabled:
        nrt.memsys_disable_stats()


def test_gradient_into_allocates_nothing(allocation_count):
    x = _read_only(np.linspace(-1.0, 1.0, 10))
    out, work = np.empty(10), np.empty(kernels.gradient_work_size(10))
    _repeat_gradient_into(x, out, work, 1)
    _repeat_gradient(x, 1)
    # Each call from Python boxes its arguments; 100 calls inside njit add nothing.
    baseline = allocation_count(lambda: _repeat_gradient_into(x, out, work, 0))
    assert allocation_count(lambda: _repeat_gradient_into(x, out, work, 100)) == baseline
    # The allocating form: the result and the work buffer.
    baseline = allocation_count(lambda: _repeat_gradient(x, 0))
    assert allocation_count(lambda: _repeat_gradient(x, 100)) - baseline == 2 * 100


def test_into_forms_reject_bad_buffers():
    x = np.array([0.3, 2e-5, 0.04])
    f = fastdiff.native_function(exp_sin_log).address
    work = np.empty(kernels.gradient_work_size(3))
    with pytest.raises(ValueError, match="out must have the length of x"):
        kernels.central_gradient_into(f, x, np.empty(2), work)
    with pytest.raises(ValueError, match=r"work is too short.*gradient_work_size"):
        kernels.central_gradient_into(f, x, np.empty(3), work[:-1])
    # A strided work is another type: the jitted f (its own compiled version,
    # not a second one of the shared kernel).
    with pytest.raises(ValueError, match="contiguous"):
        kernels.central_gradient_into(
            exp_sin_log, _read_only(x), np.empty(3), np.empty(2 * work.size)[::2]
        )
    f = fastdiff.native_function(chemistry).address
    work = np.empty(kernels.jacobian_work_size(3, 4))
    with pytest.raises(ValueError, match=r"out must have shape \(m, len\(x\)\)"):
        kernels.central_jacobian_into(f, x, np.empty((4, 2)), work)
    with pytest.raises(ValueError, match=r"work is too short.*jacobian_work_size"):
        kernels.central_jacobian_into(f, x, np.empty((4, 3)), work[:-1])
    with pytest.raises(ValueError, match="f\\(x\\) must have length m"):
        kernels.forward_jacobian_into(f, x, np.empty((3, 3)), work)


@njit
def _log_of_first(x):
    return np.log(x[0])


@njit
def _log_first_and_second(x):
    return np.array([np.log(x[0]), x[1]])


def test_into_forms_raise_on_non_finite_values():
    x = np.array([0.0, 1.0])
    scalar = fastdiff.native_function(_log_of_first)
    with pytest.raises(ValueError, match="non-finite"):
        kernels.central_gradient_into(scalar.address, x, np.empty(2), np.empty(9))
    with pytest.raises(ValueError, match=r"f\(x\) is not finite"):
        kernels.forward_gradient_into(scalar.address, x, np.empty(2), np.empty(9))
    vector = fastdiff.native_function(_log_first_and_second)
    work = np.empty(kernels.jacobian_work_size(2, 2))
    with pytest.raises(ValueError, match="non-finite"):
        kernels.central_jacobian_into(vector.address, x, np.empty((2, 2)), work)
    with pytest.raises(ValueError, match=r"f\(x\) is not finite"):
        kernels.forward_jacobian(vector.address, x)


@njit
def _longer_away_from_zero(x):
    # Two values at x[0] = 0, three at every stencil point of x[0].
    return np.zeros(2 if x[0] == 0.0 else 3)


def test_jacobian_kernels_raise_on_outputs_of_the_wrong_length():
    x = np.array([0.0, 0.0])
    native = fastdiff.native_function(_longer_away_from_zero)
    work = np.empty(kernels.jacobian_work_size(2, 2))
    with pytest.raises(ValueError, match="wrong length"):
        kernels.central_jacobian_into(native.address, x, np.empty((2, 2)), work)


# --- The Jacobian kernel and the Python path share one formula --------------


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_kernel_equals_the_batch_formula(method, rng):
    from fastdiff import stencils
    from fastdiff.kernels.formulas import combine_jacobian

    n = 70
    x = rng.uniform(-1, 1, n)
    h = np.full(n, 1e-5) * rng.uniform(0.5, 2.0, n)
    offsets, weights = stencils.first_derivative_table(method, n)
    f0 = trigonometric_map(x)
    values = np.empty((n, offsets.shape[1], n))
    for i in range(n):
        for k, o in enumerate(offsets[i]):
            point = x.copy()
            point[i] = x[i] + o * h[i]
            values[i, k] = trigonometric_map(point)
    batch = np.empty((n, n))
    combine_jacobian(values, offsets, weights, f0, h, batch)
    # The drivers as the Python API calls them, with the address of f's code
    # (the same kernels it compiles and caches, not a specialisation for f).
    f = fastdiff.native_function(trigonometric_map).address
    status = np.empty(n, dtype=np.int8)
    # Contiguous columns (F order, the API's layout) are summed in place. (A
    # C-ordered out, the embeddable forms' layout, goes through the same
    # column blocks: tests of central_jacobian_into and friends cover it,
    # without a second compiled version of these drivers.)
    columns = np.empty((n, n)).T
    kernels.jacobian_serial(f, x, (), h, offsets, weights, f0, columns, status)
    assert np.all(status == 0)
    assert np.array_equal(columns, batch)
    for threads in (2, 3):
        columns = np.empty((n, n)).T
        kernels.jacobian_parallel(f, x, (), h, offsets, weights, f0, columns, status, threads)
        assert np.all(status == 0)
        assert np.array_equal(columns, batch)


def test_jacobian_into_accepts_contiguous_columns():
    # The jitted f: for the address, the kernels' one compiled version takes
    # the C-ordered out of the allocating forms.
    x = np.linspace(-1.0, 1.0, 37)
    work = np.empty(kernels.jacobian_work_size(37, 37))
    out = np.empty((37, 37)).T
    kernels.forward_jacobian_into(trigonometric_map, x, out, work)
    native = fastdiff.native_function(trigonometric_map)
    assert np.array_equal(out, kernels.forward_jacobian(native.address, x))
    assert relative_error(out, trigonometric_map_jacobian(x)) < 1e-6


@pytest.mark.parametrize("name", COMPILED_FOR_USERS)
def test_docstring_examples(name, tmp_path):
    # Here rather than in tests/test_docstrings.py: they compile the kernels
    # for the examples' own jitted functions, the work of this file.
    run_examples(name, tmp_path)
