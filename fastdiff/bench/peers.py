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

For fastdiff's ``method="richardson"`` the peer is numdifftools' default
(Richardson extrapolation over a sequence of steps), and for
``method="complex"`` numdifftools' complex step; scipy and optimagic have no
counterpart there.
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
_STENCILS = ("central", "forward", "backward")
_PEER_METHODS = {
    "scipy": _STENCILS,
    "numdifftools": (*_STENCILS, "richardson", "complex"),
    "optimagic": _STENCILS,
}


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
    if method not in _PEER_METHODS[name]:
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

    transform = {
        "gradient": numdifftools.Gradient,
        "jacobian": numdifftools.Jacobian,
        "hessian": numdifftools.Hessian,
    }[kind]
    if method == "richardson":
        derivative = transform(f)
        return lambda: derivative(x)
    if method == "complex":
        derivative = transform(f, method="complex")
        return lambda: derivative(x)
    order = 2 if method == "central" else 1
    if kind == "hessian":
        step = FLOAT64_EPS ** HESSIAN[method].step_exponent
        derivative = transform(f, step=step, method=method)
    else:
        step = FLOAT64_EPS ** FIRST_DERIVATIVE[method].step_exponent
        derivative = transform(f, step=step, method=method, order=order)
    return lambda: derivative(x)


def _optimagic(kind, method, f, x):
    import optimagic

    if kind == "hessian":
        second = "central_cross" if method == "central" else method
        return lambda: optimagic.second_derivative(f, x, method=second).derivative
    return lambda: optimagic.first_derivative(f, x, method=method).derivative


_BUILDERS = {"scipy": _scipy, "numdifftools": _numdifftools, "optimagic": _optimagic}
