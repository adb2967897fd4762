"""Where Numba keeps fastdiff's compiled kernels, and when they are stale.

By default Numba caches a function in the ``__pycache__`` folder beside its
source file. For an installed package that is ``site-packages/fastdiff``: the
files are not the installer's, so an uninstall leaves them behind (and
Python then imports the leftover folder as an empty namespace package).
Numba also judges a cached function by its own source file only, not by the
files of the functions it calls and inlines: after an edit of one kernel
module, another module's cache could hold code compiled against the old
one.

This module fixes both for fastdiff's own functions (and only for them: a
user's ``cache=True`` functions keep Numba's rules). :class:`KernelCacheLocator`
is put first in Numba's list of cache locators. It places fastdiff's cache
files in a per-user cache folder (:func:`cache_root`), and stamps each
cached function with a hash of every fastdiff module that cached compiled
code is defined in, *and of every fastdiff module those import,
transitively*. Editing a kernel recompiles all kernels (compiled code links
the code of the kernels it calls: mixing new code with cached callees is
not safe); editing the command line, the bridges or the Python layer
recompiles nothing. The stamp is also part of the file names,
so that two installs of different sources sharing the folder never
overwrite each other's files (each keeps its own; delete the folder to
reclaim the space of old ones).

The folder is, in order: ``FASTDIFF_CACHE_DIR``; ``NUMBA_CACHE_DIR/fastdiff``
if Numba's variable is set; the platform's user cache folder
(``$XDG_CACHE_HOME/fastdiff`` or ``~/.cache/fastdiff`` on Linux); a folder in
the temporary directory if none of these can be written.
"""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

from numba.core import caching, compiler, config

PACKAGE_ROOT = Path(__file__).resolve().parent
_PACKAGE_NAME = PACKAGE_ROOT.name


def cache_root() -> Path:
    """The folder under which fastdiff's compiled kernels are cached.

    Returns
    -------
    pathlib.Path
        Not necessarily existing yet. See the module notes for the order
        in which the environment is consulted.
    """
    explicit = os.environ.get("FASTDIFF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        return Path(numba_dir) / _PACKAGE_NAME
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(base) / _PACKAGE_NAME / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / _PACKAGE_NAME
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / _PACKAGE_NAME


def _fallback_root() -> Path:
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(os.getuid())
    return Path(tempfile.gettempdir()) / f"{_PACKAGE_NAME}-cache-{user}"


def _module_file(module: str) -> Path | None:
    """The source file of a ``fastdiff...`` module name, if it is one of ours."""
    parts = module.split(".")
    if parts[0] != _PACKAGE_NAME:
        return None
    base = PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _imported_files(path: Path) -> frozenset[Path]:
    """fastdiff source files that ``path`` imports directly."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError):
        return frozenset()
    package = ".".join((_PACKAGE_NAME, *path.relative_to(PACKAGE_ROOT).parent.parts))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # ``from package import module`` depends on that module only;
            # ``from module import name`` on the module.
            names = []
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                names.append(submodule if _module_file(submodule) else module)
        else:
            continue
        for name in names:
            file = _module_file(name)
            if file is not None and file != path:
                found.add(file)
    return frozenset(found)


def dependency_files(path: Path) -> frozenset[Path]:
    """A fastdiff source file and every fastdiff file it imports, transitively.

    Parameters
    ----------
    path : pathlib.Path
        A source file inside the fastdiff package.

    Returns
    -------
    frozenset of pathlib.Path
        What compiled code defined in ``path`` can depend on.
    """
    seen: set[Path] = set()
    pending = [path]
    while pending:
        file = pending.pop()
        if file in seen:
            continue
        seen.add(file)
        pending.extend(_imported_files(file))
    return frozenset(seen)


def kernel_files() -> frozenset[Path]:
    """fastdiff's source files that define cached compiled functions, and what they import.

    Returns
    -------
    frozenset of pathlib.Path
        Every file that compiled code cached by fastdiff can depend on.
    """
    files: set[Path] = set()
    for file in sorted(PACKAGE_ROOT.rglob("*.py")):
        if _defines_cached_functions(file):
            files |= dependency_files(file)
    return frozenset(files)


def _defines_cached_functions(path: Path) -> bool:
    """Whether a decorator in ``path`` is called with ``cache=True``."""
    try:
        source = path.read_bytes()
        if b"cache=True" not in source:
            return False
        tree = ast.parse(source, filename=str(path))
    except (OSError, SyntaxError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and any(
                    k.arg == "cache" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in decorator.keywords
                ):
                    return True
    return False


@cache
def source_stamp(path: Path) -> str:
    """Hash of the contents of all :func:`kernel_files`, the same for every kernel.

    One stamp for all kernels, not one per module: a kernel compiled now
    links the code of the kernels it calls, which may come from the cache.
    Code compiled against cached callees and later loaded beside them again
    crashed (Numba 0.68: edit one kernel module, run twice). With one stamp,
    any edit a kernel can see recompiles them all, as a fresh cache would.

    Parameters
    ----------
    path : pathlib.Path
        A source file inside the fastdiff package (any: the stamp is shared).

    Returns
    -------
    str
        Changes when the contents of any kernel file change, and only then.
    """
    return _all_kernels_stamp()


@cache
def _all_kernels_stamp() -> str:
    # Finding the kernel files parses the package's sources (about 0.5 s,
    # paid by every process at import, workers included). The stamp is
    # kept beside the kernels, under the sizes and modification times of
    # all of the package's sources (Numba's own test of freshness): a
    # process started after no edit reads it instead.
    listing = hashlib.sha256()
    for file in sorted(PACKAGE_ROOT.rglob("*.py")):
        try:
            status = file.stat()
        except OSError:
            continue
        entry = f"{file.relative_to(PACKAGE_ROOT)}:{status.st_size}:{status.st_mtime_ns};"
        listing.update(entry.encode())
    listing.update(f"NUMBA_OPT={config.OPT}".encode())
    memo = cache_root() / "stamps" / listing.hexdigest()[:32]
    try:
        stamp = memo.read_text()
        if len(stamp) == 64:
            return stamp
    except OSError:
        pass
    digest = hashlib.sha256()
    # Numba's optimisation level changes the code but not its cache keys:
    # code built at another level gets files of its own.
    digest.update(f"NUMBA_OPT={config.OPT}".encode())
    for file in sorted(kernel_files()):
        digest.update(str(file.relative_to(PACKAGE_ROOT)).encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    stamp = digest.hexdigest()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        partial.write_text(stamp)
        os.replace(partial, memo)  # whole or absent for a reader
    except OSError:
        pass
    return stamp


class KernelCacheLocator(caching._CacheLocator):
    """Numba cache locator for functions defined in fastdiff's own source files."""

    def __init__(self, py_func, py_file: Path, root: Path):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        # One folder per source folder: modules of the same name in
        # different subpackages must not share cache files.
        relative = py_file.relative_to(PACKAGE_ROOT).parent
        tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
        self._cache_path = str(root / tag / relative)
        _KERNEL_CACHE_PATHS.add(self._cache_path)

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> str:
        return source_stamp(self._py_file)

    def get_disambiguator(self) -> str:
        # The stamp is part of the file names, not only checked in the index:
        # installs (or checkouts) with different sources, used at the same
        # time, then never write the same files. Sharing them, one process
        # could find its own index beside another's compiled code (written
        # between its index and its data) and load code built for other
        # sources: a crash, not a recompilation.
        return f"{self._lineno}-{source_stamp(self._py_file)[:12]}"

    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            path = Path(py_file).resolve()
            path.relative_to(PACKAGE_ROOT)
        except (OSError, ValueError):
            return None  # not fastdiff's: Numba's own locators decide
        for root in (cache_root(), _fallback_root()):
            locator = cls(py_func, path, root)
            try:
                locator.ensure_cache_path()
            except OSError:
                continue
            return locator
        return None


#: Folders that :class:`KernelCacheLocator` gave Numba (see :func:`_save_keyed`).
_KERNEL_CACHE_PATHS: set[str] = set()
_numba_save = caching.IndexDataCacheFile.save


def _save_keyed(self, key, data) -> None:
    """Numba's ``IndexDataCacheFile.save``, with data files named by a hash of their key.

    Numba names a function's data files 1, 2, ... in the order it meets
    new signatures, after reading the index. Two processes that compile two
    signatures of one kernel at the same time (a test session and the
    process that precompiles beside it) both pick ``.1.nbc``: the index of
    one then points at the code of the other, and the next process that
    loads it crashes. Named by their key, the files of different signatures
    never collide; a lost index entry only costs a compilation.
    """
    if self._cache_path not in _KERNEL_CACHE_PATHS:
        return _numba_save(self, key, data)
    overloads = self._load_index()
    data_name = overloads.get(key)
    if data_name is None:
        digest = hashlib.sha256(pickle.dumps(key)).hexdigest()[:16]
        data_name = self._data_name_pattern.replace("{number:d}", digest)
        overloads[key] = data_name
        self._save_index(overloads)
    self._save_data(data_name, data)


_numba_rebuild = compiler.CompileResult._rebuild.__func__


def _rebuild_with_reload_init(cls, target_context, libdata, fndesc, env, *rest):
    """Numba's ``CompileResult._rebuild``, keeping the reload steps on the loaded library.

    A freshly compiled parallel function records on its code library that
    loading it needs the parallel backend started (Numba's *reload init*
    steps, saved with it), and every function compiled later that links it
    inherits that record, so its cache entry starts the backend too. A
    library loaded from the cache starts with an empty record (Numba 0.68):
    a kernel compiled against a *cached* parallel callee (a Richardson
    gradient calling the cached parallel gradient kernel) was saved without
    the step, and the next process that loaded it first called into a
    backend never started: a segfault. The record is put back here, so such
    kernels are saved whole and load like any other.
    """
    result = _numba_rebuild(cls, target_context, libdata, fndesc, env, *rest)
    reload_init = result.reload_init
    if reload_init:
        result.library._reload_init.update(reload_init)
    return result


def install_kernel_cache_locator() -> None:
    """Put :class:`KernelCacheLocator` first in Numba's list (once per process)."""
    # Numba 0.68 names the class CacheImpl; earlier releases _CacheImpl.
    implementation = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    locators = implementation._locator_classes
    if not any(getattr(c, "__name__", "") == KernelCacheLocator.__name__ for c in locators):
        locators.insert(0, KernelCacheLocator)
    if caching.IndexDataCacheFile.save is _numba_save:
        caching.IndexDataCacheFile.save = _save_keyed
    if compiler.CompileResult._rebuild.__func__ is _numba_rebuild:
        compiler.CompileResult._rebuild = classmethod(_rebuild_with_reload_init)
