"""Every script in examples/ runs to completion on small sizes.

Scripts are found by glob, so new examples are covered without editing this
file. Each runs in its own process with FASTDIFF_EXAMPLES_QUICK=1; a script
whose source mentions ``--out`` gets an output folder under pytest's tmp_path.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_examples_are_found():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script, tmp_path):
    command = [sys.executable, str(script)]
    if "--out" in script.read_text():
        command += ["--out", str(tmp_path / "out")]
    path = os.environ.get("PYTHONPATH")
    env = dict(
        os.environ,
        FASTDIFF_EXAMPLES_QUICK="1",
        MPLBACKEND="Agg",
        PYTHONPATH=str(ROOT) if not path else os.pathsep.join([str(ROOT), path]),
    )
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
