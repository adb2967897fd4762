"""Each cached kernel ends the test run with one compiled version per kind of use.

A second compiled version of a kernel (a read-only point, another memory
layout, an int instead of a float) costs its full compile time again in
every fresh environment and hides a conversion the Python layer should make
once. The versions that do not count: those specialised for a jitted ``f``
passed in from users' own ``@njit`` code (one per function, by design), those
for constants of users' code (Numba types a constant argument of a call
from ``@njit`` code as a literal first), one version per types of the extra
arguments ``args``, the complex version of a function that the complex
step evaluates, and the serial (``threads=None``) and parallel versions of
a driver that takes ``threads`` (Numba leaves the unused branch out of
each, so a serial call never compiles the parallel kernels).
"""

import inspect
import sys

import pytest
from numba import types
from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher


def _cached_dispatchers():
    for name, module in list(sys.modules.items()):
        if not (name == "fastdiff" or name.startswith("fastdiff.")):
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, CPUDispatcher) and not isinstance(value._cache, NullCache):
                if value.py_func.__module__ == name:  # where it is defined, once
                    yield f"{name}.{attribute}", value


def _is_function_type(t) -> bool:
    return isinstance(t, (types.Dispatcher, types.FunctionType, types.WrapperAddressProtocol))


def _is_complex_array(t) -> bool:
    return isinstance(t, types.Array) and isinstance(t.dtype, types.Complex)


def _split(dispatcher, signature):
    """``(kind of use, the other types)``, or None for a version specialised for one ``f``."""
    if any(_is_function_type(t) or isinstance(t, types.Literal) for t in signature):
        return None
    names = list(inspect.signature(dispatcher.py_func).parameters)
    extra = tuple(t for p, t in enumerate(signature) if p < len(names) and names[p] == "args")
    extra += (any(_is_complex_array(t) for t in signature),)
    extra += tuple(
        isinstance(t, types.NoneType)
        for p, t in enumerate(signature)
        if p < len(names) and names[p] == "threads"
    )
    other = tuple(t for p, t in enumerate(signature) if p >= len(names) or names[p] != "args")
    return extra, other


@pytest.mark.run_last
def test_each_cached_kernel_has_one_version_per_use():
    duplicated = {}
    for name, dispatcher in _cached_dispatchers():
        versions: dict[tuple, set] = {}
        for signature in dispatcher.signatures:
            split = _split(dispatcher, signature)
            if split is not None:
                versions.setdefault(split[0], set()).add(split[1])
        for other in versions.values():
            if len(other) > 1:
                duplicated[name] = _differences(dispatcher, other)
    assert not duplicated, "\n".join(f"{name}: {diff}" for name, diff in duplicated.items())


def _differences(dispatcher, signatures) -> list[str]:
    """The parameters whose types differ between ``signatures``, with those types."""
    names = list(inspect.signature(dispatcher.py_func).parameters)
    names = [name for name in names if name != "args"]
    columns = list(zip(*signatures))
    return [
        f"{names[p] if p < len(names) else p}: {sorted({str(t) for t in column})}"
        for p, column in enumerate(columns)
        if len(set(column)) > 1
    ]
