"""The README's two set-up commands, in both orders, then an uninstall that leaves nothing.

(``pip install .`` is installed from a wheel built once: the same files.)

Each order runs in a new virtual environment that sees this interpreter's
packages (numpy, numba, scipy are not installed again), with fastdiff's
kernel cache in a temporary folder.
"""

import os
import shutil
import sys
import tempfile
from concurrent.futures import Future
from pathlib import Path

import pytest

from tests import background

REPOSITORY = Path(__file__).resolve().parents[1]

_USE = (
    "import numpy as np, numba, fastdiff\n"
    "f = numba.njit(lambda x: np.sum(x ** 2))\n"
    "assert np.allclose(fastdiff.gradient(f, np.array([1.0, 2.0])), [2.0, 4.0], atol=1e-6)\n"
    "print(fastdiff.__file__)\n"
)


def _check(command: list[str], timeout: float, **options):
    done = background.run(command, timeout, **options)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _venv(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    _check(
        [
            sys.executable,
            "-m",
            "venv",
            "--system-site-packages",
            "--without-pip",
            str(tmp_path / "env"),
        ],
        timeout=120,
    )
    return tmp_path / "env" / "bin" / "python"


def _pip(python: Path, *arguments: str) -> None:
    # The outer pip installs into the new environment: no pip is bootstrapped.
    _check(
        [sys.executable, "-m", "pip", "--python", str(python), "--quiet", *arguments],
        timeout=300,
        cwd=REPOSITORY,
    )


def _use(python: Path, cache: Path, cwd: Path) -> str:
    run = background.run(
        [str(python), "-c", _USE],
        300,
        cwd=cwd,
        env=dict(os.environ, FASTDIFF_CACHE_DIR=str(cache)),
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _site_packages(python: Path) -> Path:
    return Path(
        _check(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], 60
        ).stdout.strip()
    )


def _build_wheel(folder: Path) -> Path:
    _check(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), "."],
        300,
        cwd=REPOSITORY,
    )
    return next(folder.glob("fastdiff-*.whl"))


def _install_use_uninstall(order: str, wheel: Future, tmp_path: Path, cache: Path) -> None:
    python = _venv(tmp_path)
    elsewhere = tmp_path / "elsewhere"  # not the repository: imports find the installed copy
    elsewhere.mkdir()
    site = _site_packages(python)
    steps = ["wheel", "editable"] if order == "install-then-editable" else ["editable", "wheel"]
    for step in steps:
        if step == "wheel":
            _pip(python, "install", "--no-deps", "--force-reinstall", str(wheel.result()))
            assert _use(python, cache, elsewhere).startswith(str(site))
        else:
            _pip(python, "install", "--no-deps", "-e", ".")
            assert _use(python, cache, elsewhere).startswith(str(REPOSITORY))
    assert list(cache.rglob("*.nbi")), "the kernels were cached in the cache folder"
    _pip(python, "uninstall", "--yes", "fastdiff")
    # pip removes a site-packages folder it left empty.
    left = [p.name for p in site.iterdir() if "fastdiff" in p.name.lower()] if site.exists() else []
    assert left == []
    # Nothing of this environment is imported any more (the interpreter's
    # own packages may hold another fastdiff, e.g. a developer's install).
    after = background.run(
        [str(python), "-c", "import fastdiff; print(fastdiff.__file__)"], 120, cwd=elsewhere
    )
    if after.returncode == 0:
        assert after.stdout.strip() not in ("", "None")
        assert not after.stdout.strip().startswith(str(site))
    else:
        assert "ModuleNotFoundError" in after.stderr


_ORDERS = ("install-then-editable", "editable-then-install")


# Started when the module is collected, in the background queue
# (tests.background): the work happens in processes of its own.
_FOLDER = Path(tempfile.mkdtemp(prefix="fastdiff-install-"))
_WHEEL = background.submit(_build_wheel, _FOLDER / "wheel")
_CACHE = _FOLDER / "cache"  # shared: the same sources load the same kernels
_RUNS = [
    background.submit(_install_use_uninstall, order, _WHEEL, _FOLDER / order, _CACHE)
    for order in _ORDERS
]


@pytest.mark.run_last
def test_readme_installs_in_both_orders_and_uninstall_leaves_nothing():
    try:
        for run in _RUNS:
            run.result(timeout=900)
    finally:
        shutil.rmtree(_FOLDER, ignore_errors=True)
