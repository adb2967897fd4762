"""Optimizers whose whole loop runs compiled: gradient descent, momentum, Newton, secant, BFGS.

Every optimizer is called as ``optimizer(f, x0, **options)`` and returns a
``scipy.optimize.OptimizeResult``. For a ``@numba.njit`` function ``f`` the
function, its finite-difference derivatives and the updates all run in one
compiled call; a 2-D ``x0`` of shape (k, n) runs k solves in parallel and
returns the best with all runs attached. Plain Python functions run the same
iteration from Python.

The dynamics are exposed for study: ``history=True`` records every iterate,
:func:`sharpness` and :func:`learning_rate_bound` give the stability limit
of the learning rate, and :mod:`fastdiff.plotting` draws the histories.
"""

from fastdiff.optimize.curvature import LearningRateWarning, learning_rate_bound, sharpness
from fastdiff.optimize.gradient_descent import gradient_descent
from fastdiff.optimize.momentum import momentum
from fastdiff.optimize.newton import newton
from fastdiff.optimize.results import OptimizeHistory
from fastdiff.optimize.secant import bfgs, secant

__all__ = [
    "LearningRateWarning",
    "OptimizeHistory",
    "bfgs",
    "gradient_descent",
    "learning_rate_bound",
    "momentum",
    "newton",
    "secant",
    "sharpness",
]
