"""A user's problem for ``fastdiff bench --function MODULE:NAME``.

``MODULE`` is an importable module (the current directory is searched
first) or a path to a ``.py`` file. ``NAME`` is either

- a *factory*: ``NAME(n) -> (f, x0)``, the function for dimension ``n`` and
  the point, shape (n,), at which to differentiate it; or
- a Numba-compiled function ``f(x)`` itself, differentiated at
  ``x0 = full(n, 0.5)``.

``f(x)`` returns a number (gradient, Hessian) or a 1-D array (Jacobian).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
from numba.extending import is_jitted

from fastdiff.bench.problems import Problem


class ProblemSpecError(ValueError):
    """``--function`` names something that cannot be benchmarked."""


def load_problem(spec: str, n: int) -> Problem:
    """The problem named by ``spec`` (``MODULE:NAME``), checked at dimension ``n``.

    Raises
    ------
    ProblemSpecError
        With a one-line message: the module or name cannot be found, the
        factory fails or returns something other than ``(f, x0)``, or ``f``
        returns neither a number nor a 1-D array.
    """
    module_name, sep, name = spec.rpartition(":")
    if not sep or not module_name or not name:
        raise ProblemSpecError(
            f"--function must be MODULE:NAME (for example mymodel:make_problem); got {spec!r}"
        )
    module = _import(module_name, spec)
    try:
        target = getattr(module, name)
    except AttributeError:
        raise ProblemSpecError(f"{spec}: module {module_name!r} has no {name!r}") from None
    if not callable(target):
        raise ProblemSpecError(f"{spec}: {name} is a {type(target).__name__}, not a callable")

    if is_jitted(target):

        def build(size: int):
            return target, np.full(size, 0.5)

    else:

        def build(size: int):
            return _call_factory(target, name, size, spec)

    f, x0 = build(n)
    vector = _returns_vector(f, x0, spec)
    _check_accepted(f, vector, spec)
    return Problem(spec, build, vector, f"{spec} ({'vector' if vector else 'scalar'})")


def _import(module_name: str, spec: str):
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise ProblemSpecError(f"{spec}: no file {module_name!r}")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        loader = module_spec.loader
        try:
            loader.exec_module(module)
        except Exception as error:
            raise ProblemSpecError(
                f"{spec}: importing {module_name} raised {_one_line(error)}"
            ) from None
        return module
    # As `python -m` does: modules in the current directory are found first.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise ProblemSpecError(f"{spec}: cannot import module {module_name!r} ({error})") from None
    except Exception as error:
        raise ProblemSpecError(
            f"{spec}: importing {module_name!r} raised {_one_line(error)}"
        ) from None


def _call_factory(factory, name: str, n: int, spec: str):
    try:
        made = factory(n)
    except Exception as error:
        raise ProblemSpecError(f"{spec}: {name}({n}) raised {_one_line(error)}") from None
    if not (isinstance(made, tuple) and len(made) == 2 and callable(made[0])):
        raise ProblemSpecError(
            f"{spec}: {name}(n) must return (f, x0), a function and a start point; "
            f"{name}({n}) returned {type(made).__name__}"
        )
    f, x0 = made
    try:
        x0 = np.asarray(x0, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ProblemSpecError(f"{spec}: x0 must be an array of numbers ({error})") from None
    if x0.shape != (n,):
        raise ProblemSpecError(
            f"{spec}: {name}({n}) must return x0 of shape ({n},); got shape {x0.shape}"
        )
    return f, np.ascontiguousarray(x0)


def _returns_vector(f, x0: np.ndarray, spec: str) -> bool:
    try:
        value = np.asarray(f(x0.copy()))
    except Exception as error:
        raise ProblemSpecError(f"{spec}: f(x0) raised {_one_line(error)}") from None
    if value.ndim == 0 and value.dtype.kind in "biuf":
        return False
    if value.ndim == 1 and value.dtype.kind in "biuf":
        return True
    raise ProblemSpecError(
        f"{spec}: f(x0) must return a number or a 1-D array of numbers; "
        f"got {value.dtype} of shape {value.shape}"
    )


def _check_accepted(f, vector: bool, spec: str) -> None:
    import fastdiff

    try:
        # Prepares f once; the sweep reuses the preparation.
        (fastdiff.jac if vector else fastdiff.grad)(f)
    except (TypeError, ValueError) as error:
        raise ProblemSpecError(f"{spec}: {_one_line(error)}") from None


def _one_line(error: Exception) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
