"""The README's two set-up commands, in both orders, then an uninstall that leaves nothing.

Each order runs in a new virtual environment that sees this interpreter's
packages (numpy, numba, scipy are not installed again), with fastdiff's
kernel cache in a temporary folder.
"""

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]

_USE = (
    "import numpy as np, numba, fastdiff\n"
    "f = numba.njit(lambda x: np.sum(x ** 2))\n"
    "assert np.allclose(fastdiff.gradient(f, np.array([1.0, 2.0])), [2.0, 4.0], atol=1e-6)\n"
    "print(fastdiff.__file__)\n"
)


def _venv(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(tmp_path / "env")],
        check=True,
        timeout=120,
    )
    return tmp_path / "env" / "bin" / "python"


def _pip(python: Path, *arguments: str) -> None:
    # The outer pip installs into the new environment: no pip is bootstrapped.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "--quiet", *arguments],
        cwd=REPOSITORY,
        check=True,
        timeout=300,
    )


def _use(python: Path, cache: Path, cwd: Path) -> str:
    run = subprocess.run(
        [str(python), "-c", _USE],
        cwd=cwd,
        env=dict(os.environ, FASTDIFF_CACHE_DIR=str(cache)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _site_packages(python: Path) -> Path:
    return Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), "."],
        cwd=REPOSITORY,
        check=True,
        timeout=300,
    )
    return next(folder.glob("fastdiff-*.whl"))


def _install_use_uninstall(order: str, wheel: Path, tmp_path: Path) -> None:
    python = _venv(tmp_path)
    cache = tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere"  # not the repository: imports find the installed copy
    elsewhere.mkdir()
    site = _site_packages(python)
    steps = ["wheel", "editable"] if order == "install-then-editable" else ["editable", "wheel"]
    for step in steps:
        if step == "wheel":
            _pip(python, "install", "--no-deps", "--force-reinstall", str(wheel))
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
    after = subprocess.run(
        [str(python), "-c", "import fastdiff; print(fastdiff.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    if after.returncode == 0:
        assert after.stdout.strip() not in ("", "None")
        assert not after.stdout.strip().startswith(str(site))
    else:
        assert "ModuleNotFoundError" in after.stderr
    shutil.rmtree(tmp_path / "env", ignore_errors=True)


def test_readme_installs_in_both_orders_and_uninstall_leaves_nothing(wheel, tmp_path):
    orders = ["install-then-editable", "editable-then-install"]
    # The two orders wait mostly on pip: run them side by side.
    with ThreadPoolExecutor(len(orders)) as pool:
        runs = [pool.submit(_install_use_uninstall, o, wheel, tmp_path / o) for o in orders]
        for run in runs:
            run.result()
