"""Where fastdiff's compiled kernels are cached, and which edits make them stale."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from fastdiff.compile_notice import INSTALL_NOTICE
from fastdiff.kernel_cache import (
    PACKAGE_ROOT,
    cache_root,
    dependency_files,
    kernel_files,
    source_stamp,
)
from fastdiff.numba_support import check_numba_version, supported_range

#: Modules with no compiled code of their own: editing them must not make any
#: kernel's cache stale.
PYTHON_ONLY = ["cli.py", "scipy.py", "optimagic.py", "plotting.py", "api.py", "pytree.py"]


def _compiled_modules():
    return sorted(
        path
        for path in PACKAGE_ROOT.rglob("*.py")
        if "cache=True" in path.read_text() and path.name != "kernel_cache.py"
    )


def test_there_are_compiled_modules_to_check():
    names = {str(p.relative_to(PACKAGE_ROOT)) for p in _compiled_modules()}
    assert {"kernels/gradient.py", "kernels/jacobian.py", "steps.py"} <= names


def test_python_only_modules_never_stale_a_kernel():
    stamped = {str(p.relative_to(PACKAGE_ROOT)) for p in kernel_files()}
    assert not stamped & set(PYTHON_ONLY)
    assert {str(p.relative_to(PACKAGE_ROOT)) for p in _compiled_modules()} <= stamped


def test_every_kernel_has_the_same_stamp():
    stamps = {source_stamp(path) for path in _compiled_modules()}
    assert len(stamps) == 1


def test_a_kernel_depends_on_the_modules_it_inlines():
    depends_on = {
        str(p.relative_to(PACKAGE_ROOT))
        for p in dependency_files(PACKAGE_ROOT / "kernels" / "drivers.py")
    }
    # The drivers call the gradient, Jacobian and Hessian kernels, the step
    # rule and the status codes: an edit of any of them must recompile them.
    assert {"kernels/gradient.py", "kernels/jacobian.py", "steps.py", "status.py"} <= depends_on


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTDIFF_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"
    monkeypatch.delenv("FASTDIFF_CACHE_DIR")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert cache_root() == tmp_path / "numba" / "fastdiff"
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_root() == tmp_path / "xdg" / "fastdiff"


_SCRIPT = textwrap.dedent(
    """
    import numpy as np, numba, fastdiff
    from fastdiff.steps import relative_steps

    out = np.empty(3)
    relative_steps(np.array([1.0, -2.0, 0.0]), 0.5, 2.0 ** -52, out)
    print(relative_steps.stats.cache_hits.total(), relative_steps.stats.cache_misses.total())
    """
)


def test_kernels_are_cached_outside_the_package_and_loaded_again(tmp_path):
    environment = dict(os.environ, FASTDIFF_CACHE_DIR=str(tmp_path))
    environment.pop("FASTDIFF_QUIET", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        for _ in range(2)
    ]
    assert runs[0].stdout.split() == ["0", "1"]  # compiled and saved
    assert runs[1].stdout.split() == ["1", "0"]  # loaded from the cache
    # The compile notice (fastdiff.compile_notice) only when compiling.
    assert runs[0].stderr == INSTALL_NOTICE + "\n"
    assert runs[1].stderr == ""
    stamp = source_stamp(PACKAGE_ROOT / "steps.py")[:12]
    assert list(tmp_path.rglob(f"steps.relative_steps-*-{stamp}.py*.nbi"))
    assert not list(PACKAGE_ROOT.rglob("*.nbi")) and not list(PACKAGE_ROOT.rglob("*.nbc"))
    # Data files are named by their signature's hash, not numbered: two
    # processes saving two signatures of one kernel at once never collide.
    data = [path.name for path in tmp_path.rglob("*.nbc")]
    assert data and all(re.search(r"\.[0-9a-f]{16}\.nbc$", name) for name in data)


@pytest.mark.parametrize("version", ["0.68.0", "0.68.1", "0.68.2rc1"])
def test_supported_numba_releases_import(version):
    check_numba_version(version)


@pytest.mark.parametrize("version", ["0.59.1", "0.67.1", "0.69.0", "1.0.0", "unknown"])
def test_other_numba_releases_fail_with_the_supported_range(version):
    with pytest.raises(ImportError, match=rf"numba{supported_range()}.*found numba {version}"):
        check_numba_version(version)


_GRADIENT = textwrap.dedent(
    """
    import numpy as np, numba, fastdiff

    f = numba.njit(lambda x: np.sum(x ** 2))
    print(np.allclose(fastdiff.gradient(f, np.arange(3.0)), [0.0, 2.0, 4.0]))
    """
)


def test_an_edited_kernel_module_is_compiled_again_and_loaded_again(tmp_path):
    # A copy of the package, its kernels compiled into an empty cache; then
    # one kernel module is edited. The next run compiles again, and the run
    # after it loads from the cache. (With a stamp per module, that last run
    # loaded the recompiled driver beside cached callees and crashed.)
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(PACKAGE_ROOT, copy / "fastdiff", ignore=shutil.ignore_patterns("__pycache__"))
    environment = dict(os.environ, FASTDIFF_CACHE_DIR=str(tmp_path / "cache"), FASTDIFF_QUIET="1")
    environment["PYTHONPATH"] = str(copy)

    def run():
        return subprocess.run(
            [sys.executable, "-c", _GRADIENT],
            env=environment,
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = run()
    assert first.returncode == 0, first.stderr[-2000:]
    with open(copy / "fastdiff" / "kernels" / "drivers.py", "a") as source:
        source.write("\n# an edit\n")
    for _ in range(2):
        again = run()
        assert again.returncode == 0, again.stderr[-2000:]
        assert again.stdout.strip() == "True"


_SERIAL_SCRIPT = """
import numpy as np, numba, fastdiff

f = numba.njit(lambda x: np.sum(x ** 2))
print(np.allclose(fastdiff.gradient(f, np.arange(3.0), parallel=False{}), [0.0, 2.0, 4.0]))
"""


def test_a_kernel_compiled_against_cached_callees_is_saved_and_loads_again(tmp_path):
    # The serial gradient kernels are compiled and saved; the next process
    # loads them and compiles the Richardson driver, which calls them and the
    # parallel gradient kernel. Numba saved such a driver without the step
    # that starts the parallel backend, and the process after crashed in it
    # (segfault); now it is saved whole, loaded, and nothing is compiled.
    environment = dict(os.environ, FASTDIFF_CACHE_DIR=str(tmp_path))
    environment.pop("FASTDIFF_QUIET", None)
    plain = _SERIAL_SCRIPT.format("")
    richardson = _SERIAL_SCRIPT.format(', method="richardson"')
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        for script in (plain, richardson, richardson)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.strip() == "True"
    assert [run.stderr for run in runs] == [INSTALL_NOTICE + "\n"] * 2 + [""]


def test_the_test_processes_compile_at_the_level_conftest_sets():
    # tests/conftest.py sets NUMBA_OPT before Numba is imported; an import
    # of Numba ahead of it (through a module the conftest imports) leaves
    # this process at level 3, apart from the precompile and second pytest
    # processes, so nothing they compile is shared with it.
    import numba

    assert int(numba.core.config.OPT) == int(os.environ["NUMBA_OPT"])
