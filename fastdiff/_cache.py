"""Keeping Numba's disk cache of fastdiff's kernels consistent.

Numba checks a cached function against its own source file only, not against
the files of the functions it inlines. After an edit of one kernel module
(or a ``git pull`` into an editable install) another module's cache could
still hold the old code, with an old argument list: a crash, not an error.
So at import fastdiff fingerprints all its compiled sources and, when the
fingerprint changed, deletes its own cache files before anything loads them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_STAMP = "fastdiff-sources.stamp"


def _fingerprint() -> str:
    digest = hashlib.sha1()
    for path in sorted(_PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(_PACKAGE)}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()


def refresh_kernel_cache() -> None:
    """Delete fastdiff's Numba cache files if any source changed since they were written."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return  # caches elsewhere are the user's to manage
    cache_dir = _PACKAGE / "__pycache__"
    try:
        fingerprint = _fingerprint()
        stamp = cache_dir / _STAMP
        if stamp.is_file() and stamp.read_text() == fingerprint:
            return
        for pattern in ("*.nbi", "*.nbc"):
            for path in _PACKAGE.rglob(pattern):
                path.unlink(missing_ok=True)
        cache_dir.mkdir(exist_ok=True)
        stamp.write_text(fingerprint)
    except OSError:
        pass  # a read-only install: Numba then does not cache there either
