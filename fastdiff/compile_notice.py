"""One line on stderr while fastdiff compiles its kernels, so that a first call does not look hung.

Each path of fastdiff (gradients, Hessians, the Python path, users' ``@njit``
code calling :mod:`fastdiff.kernels`, ...) compiles its kernels on its first
use, which takes seconds to tens of seconds. Kernels called from Python are
then cached on disk (:mod:`fastdiff.kernel_cache`) and later processes load
them in milliseconds; kernels compiled into a user's own ``@njit`` function
for its jitted ``f`` cannot be cached and compile in every process.

Numba broadcasts a ``"numba:compile"`` event (:mod:`numba.core.event`) when a
dispatcher compiles, and not when it loads the code from its disk cache.
:func:`install_compile_notice` listens to it; the first event of a process
for one of fastdiff's cached functions writes one line to stderr (a second
line, once, if kernels are later compiled for a user's jitted function).
Functions that are never cached (small adapters compiled per user function)
say nothing.

``FASTDIFF_QUIET=1`` in the environment, or :func:`set_compile_notice`
(``False``), silences it.
"""

from __future__ import annotations

import os
import sys
import threading

from numba.core import caching, event, types

#: Printed the first time a process compiles kernels that are then cached.
INSTALL_NOTICE = (
    "compiling fastdiff kernels (once per install: later runs load them from the disk "
    "cache; FASTDIFF_QUIET=1 hides this) ..."
)
#: Printed the first time a process compiles kernels for a user's jitted function
#: (``fastdiff.kernels`` called with it, from the user's ``@njit`` code or Python).
FUNCTION_NOTICE = (
    "compiling fastdiff kernels for a jitted function given to fastdiff.kernels (again in "
    "every process: Numba cannot cache these; FASTDIFF_QUIET=1 hides this) ..."
)

_PACKAGE = __name__.split(".")[0]
_lock = threading.Lock()
_shown: set[str] = set()
_enabled = True


def set_compile_notice(enabled: bool) -> bool:
    """Switch the compile notice on or off for this process.

    Parameters
    ----------
    enabled : bool
        False: never print the notice (as ``FASTDIFF_QUIET=1`` does).
        True: print it, unless ``FASTDIFF_QUIET=1`` is set.

    Returns
    -------
    bool
        The previous setting.

    Raises
    ------
    TypeError
        ``enabled`` is not True or False.

    Examples
    --------
    >>> import fastdiff
    >>> previous = fastdiff.set_compile_notice(False)
    >>> fastdiff.set_compile_notice(previous)
    False
    """
    global _enabled
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False; got {enabled!r}")
    previous, _enabled = _enabled, enabled
    return previous


def notice_enabled() -> bool:
    """Whether the notice would be printed now (the switch and ``FASTDIFF_QUIET``)."""
    return _enabled and os.environ.get("FASTDIFF_QUIET", "") in ("", "0")


def _compiles_our_cached_function(dispatcher) -> bool:
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    if module != _PACKAGE and not module.startswith(_PACKAGE + "."):
        return False
    return not isinstance(getattr(dispatcher, "_cache", None), caching.NullCache)


def _takes_a_function(argument_types) -> bool:
    function_types = (types.Dispatcher, types.FunctionType, types.WrapperAddressProtocol)
    return any(isinstance(t, function_types) for t in argument_types)


class CompileListener(event.Listener):
    """Numba compile-event listener that prints the notice (see the module notes)."""

    def on_start(self, compile_event: event.Event) -> None:
        """Print the notice if one of fastdiff's cached functions starts compiling."""
        data = compile_event.data or {}
        if not _compiles_our_cached_function(data.get("dispatcher")):
            return
        kind = "function" if _takes_a_function(data.get("args", ())) else "install"
        with _lock:
            if kind in _shown or not notice_enabled():
                return
            _shown.add(kind)
        message = FUNCTION_NOTICE if kind == "function" else INSTALL_NOTICE
        try:
            print(message, file=sys.stderr, flush=True)
        except (OSError, ValueError, AttributeError):
            pass  # no usable stderr (closed, or None under pythonw): say nothing

    def on_end(self, compile_event: event.Event) -> None:
        """Nothing: the notice is printed when compilation starts."""


_LISTENER = CompileListener()
_installed = False


def install_compile_notice() -> None:
    """Listen to Numba's compile events (once per process; before any kernel compiles)."""
    global _installed
    with _lock:
        if not _installed:
            event.register("numba:compile", _LISTENER)
            _installed = True
