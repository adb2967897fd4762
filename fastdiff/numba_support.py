"""Which Numba releases fastdiff runs on, checked once at import.

The kernels call the code Numba compiled for a user's function through
Numba's own calling convention (:mod:`fastdiff.kernels`), and
fastdiff's cache locator (:mod:`fastdiff.kernel_cache`) plugs into Numba's
caching machinery. Both use parts of Numba that are not public API and can
change between releases, so fastdiff declares the releases its test suite
ran on and refuses others at import with one clear message, rather than
failing deep inside a kernel.
"""

from __future__ import annotations

import re

#: Oldest Numba release the test suite ran on (inclusive).
OLDEST_SUPPORTED = (0, 68)
#: First Numba release not yet tested (exclusive).
FIRST_UNTESTED = (0, 69)


def supported_range() -> str:
    """The supported Numba releases as pip would write them, e.g. ``>=0.68,<0.69``."""
    oldest = ".".join(map(str, OLDEST_SUPPORTED))
    untested = ".".join(map(str, FIRST_UNTESTED))
    return f">={oldest},<{untested}"


def check_numba_version(version: str) -> None:
    """Raise ImportError unless ``version`` is a supported Numba release.

    Parameters
    ----------
    version : str
        A Numba version string such as ``"0.68.1"`` or ``"0.69.0rc1"``.

    Raises
    ------
    ImportError
        The release is outside :func:`supported_range`, or the string is
        not a version.
    """
    match = re.match(r"(\d+)\.(\d+)", version)
    release = (int(match.group(1)), int(match.group(2))) if match else None
    if release is None or not OLDEST_SUPPORTED <= release < FIRST_UNTESTED:
        raise ImportError(
            f"fastdiff needs numba{supported_range()} (it uses parts of Numba's calling "
            f"convention that change between releases); found numba {version}. "
            f'Install a supported release: pip install "numba{supported_range()}"'
        )
