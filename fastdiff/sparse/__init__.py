"""Sparse Jacobians and Hessians: colour the columns, perturb a colour at once.

When no row of a Jacobian has nonzeros in both column ``i`` and column
``j``, one evaluation of ``f`` at ``x + h_i e_i + h_j e_j`` yields both
columns: each row of the difference belongs to one of them (Curtis, Powell
& Reid 1974). Grouping the columns so (a *colouring*, computed in compiled
code by :mod:`fastdiff.kernels.coloring`) brings a Jacobian from ``n``
evaluations per stencil point down to the number of colours: 3 for a
tridiagonal matrix of any size.

The pattern is a promise: entries outside it are **not computed** and come
back as structural zeros, right or wrong. ``check=True`` compares with the
dense derivative (small problems only) and names the largest entry the
pattern misses.

Hessians come in two ways:

* from ``f`` alone, the second-difference stencil is evaluated on the pairs
  of the pattern only: ``1 + 2 n + 2 E`` evaluations for central
  differences, ``1 + 2 n + E`` for one-sided (``E`` off-diagonal pairs
  ``i < j``) instead of ``n**2 + n + 1``. Every evaluation of a scalar
  ``f`` gives one number, so grouping cannot reduce this further: the
  one-sided count is the least any method needs.
* from a ``gradient=`` function, differences of the gradient along the
  colour groups of a *star colouring* (Coleman & Moré 1984) give the
  entries directly, using symmetry: ``2 * n_colors`` gradient evaluations
  for central differences (``n_colors + 1`` one-sided), e.g. 6 for a
  tridiagonal Hessian of any size.

Results are ``scipy.sparse.csr_matrix`` with exactly the pattern (for
Hessians, the pattern plus its diagonal, which costs nothing extra).

A Numba-compiled function is evaluated in the kernels of
:mod:`fastdiff.kernels.sparse_jacobian` and
:mod:`fastdiff.kernels.sparse_hessian`; any other callable gets all its
points (one per colour group and stencil point) as one batch through a
:class:`~fastdiff.Evaluator`, so ``vectorized``, ``workers`` and
``executor`` work as for the dense derivatives. Both paths combine the
values with the same compiled code and agree to the last bit.

Where things live: :mod:`~fastdiff.sparse.api` (the public functions),
:mod:`~fastdiff.sparse.jacobian_function` and
:mod:`~fastdiff.sparse.hessian_function` (the prepared callables),
:mod:`~fastdiff.sparse.coloring`, :mod:`~fastdiff.sparse.patterns`,
:mod:`~fastdiff.sparse.points` (what is evaluated where, and which point
failed), :mod:`~fastdiff.sparse.column_stencils` (a stencil per column,
within bounds), :mod:`~fastdiff.sparse.evaluation` (how) and
:mod:`~fastdiff.sparse.validation`. Options, evaluators, the threads policy
and error messages are the dense derivatives' own
(:mod:`fastdiff.options`, :mod:`fastdiff.backends`, :mod:`fastdiff.threads`,
:mod:`fastdiff.errors`).
"""

from fastdiff.sparse.api import hess, hessian, jac, jacobian
from fastdiff.sparse.coloring import ORDERINGS, Coloring, color_hessian, color_jacobian
from fastdiff.sparse.hessian_function import SparseHessianFunction
from fastdiff.sparse.jacobian_function import SparseJacobianFunction
from fastdiff.sparse.patterns import CHECK_RELATIVE_TOLERANCE as CHECK_RELATIVE_TOLERANCE

__all__ = [
    "ORDERINGS",
    "Coloring",
    "SparseHessianFunction",
    "SparseJacobianFunction",
    "color_hessian",
    "color_jacobian",
    "hess",
    "hessian",
    "jac",
    "jacobian",
]
