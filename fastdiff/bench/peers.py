"""The tools fastdiff is compared with, called on the same function and point.

Each peer is configured for the same difference formula as fastdiff, with a
single step, so that a ratio of times measures engine overhead and not
extra accuracy work:

- ``scipy``: ``scipy.optimize._numdiff.approx_derivative`` with ``"3-point"``
  (central) or ``"2-point"`` (forward; backward by an upper bound at ``x``,
  which makes scipy step downwards); the Hessian is ``approx_derivative``
  applied to its own gradient.
- ``numdifftools``: ``Gradient`` / ``Jacobian`` / ``Hessian`` with a fixed
  step (its default adds Richardson extrapolation over many steps).
- ``optimagic``: ``first_derivative`` / ``second_derivative`` with their
  default steps (``"central_cross"`` for a central Hessian).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

from fastdiff.stencils import FIRST_DERIVATIVE, HESSIAN
from fastdiff.steps import FLOAT64_EPS

#: Peers in the order they are reported.
PEERS = ("scipy", "numdifftools", "optimagic")

_MODULES = {"scipy": "scipy.optimize", "numdifftools": "numdifftools", "optimagic": "optimagic"}
_PEER_METHODS = ("central", "forward", "backward")


def missing_peers(names: tuple[str, ...]) -> dict[str, str]:
    """The peers among ``names`` that cannot be imported, with the reason."""
    missing = {}
    for name in names:
        try:
            importlib.import_module(_MODULES[name])
        except ImportError as error:
            missing[name] = f"not installed ({error})"
    return missing


def peer_version(name: str) -> str:
    """The installed version of peer ``name``."""
    module = importlib.import_module(name)
    return str(getattr(module, "__version__", "?"))


def peer_derivative(
    name: str, kind: str, method: str, f: Callable, x: np.ndarray
) -> Callable[[], object] | None:
    """A call computing ``kind`` of ``f`` at ``x`` with peer ``name``.

    Parameters
    ----------
    name : {"scipy", "numdifftools", "optimagic"}
    kind : {"gradient", "jacobian", "hessian"}
    method : str
        fastdiff's method name.
    f : callable
        The function, called from Python by the peer.
    x : ndarray, shape (n,)

    Returns
    -------
    callable or None
        A function of no arguments; None when the peer has no equivalent of
        ``method``.
    """
    if method not in _PEER_METHODS:
        return None
    return _BUILDERS[name](kind, method, f, x)


def _scipy(kind, method, f, x):
    from scipy.optimize._numdiff import approx_derivative

    scheme = "3-point" if method == "central" else "2-point"
    # An upper bound at x makes scipy's 2-point scheme step downwards.
    bounds = (-np.inf, np.inf) if method != "backward" else (-np.inf, x.copy())

    def derivative(g, y):
        return approx_derivative(g, y, method=scheme, bounds=bounds)

    if kind == "hessian":
        return lambda: derivative(lambda y: derivative(f, y), x)
    return lambda: derivative(f, x)


def _numdifftools(kind, method, f, x):
    import numdifftools

    order = 2 if method == "central" else 1
    if kind == "hessian":
        step = FLOAT64_EPS ** HESSIAN[method].step_exponent
        derivative = numdifftools.Hessian(f, step=step, method=method)
    else:
        step = FLOAT64_EPS ** FIRST_DERIVATIVE[method].step_exponent
        transform = numdifftools.Jacobian if kind == "jacobian" else numdifftools.Gradient
        derivative = transform(f, step=step, method=method, order=order)
    return lambda: derivative(x)


def _optimagic(kind, method, f, x):
    import optimagic

    if kind == "hessian":
        second = "central_cross" if method == "central" else method
        return lambda: optimagic.second_derivative(f, x, method=second).derivative
    return lambda: optimagic.first_derivative(f, x, method=method).derivative


_BUILDERS = {"scipy": _scipy, "numdifftools": _numdifftools, "optimagic": _optimagic}
