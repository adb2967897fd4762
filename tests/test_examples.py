"""Every script in examples/ runs to completion on small sizes.

Scripts are found by glob, so new examples are covered without editing this
file. Each runs in its own process with FASTDIFF_EXAMPLES_QUICK=1, in a
temporary folder (a script whose source mentions ``--out`` gets an output
folder there). The scripts start in the background when this module is
collected (:mod:`tests.background`) and are checked at the end of the run.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tests import background

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_examples_are_found():
    assert len(EXAMPLES) >= 3


def _run(script: Path):
    folder = Path(tempfile.mkdtemp(prefix=f"fastdiff-example-{script.stem}-"))
    try:
        command = [sys.executable, str(script)]
        if "--out" in script.read_text():
            command += ["--out", str(folder / "out")]
        path = os.environ.get("PYTHONPATH")
        env = dict(
            os.environ,
            FASTDIFF_EXAMPLES_QUICK="1",
            MPLBACKEND="Agg",
            PYTHONPATH=str(ROOT) if not path else os.pathsep.join([str(ROOT), path]),
        )
        return background.run(command, 300, cwd=folder, env=env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_RUNS = {script: background.submit(_run, script) for script in EXAMPLES}


@pytest.mark.run_last
@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script):
    done = _RUNS[script].result(timeout=900)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
