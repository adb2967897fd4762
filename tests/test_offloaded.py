"""The test files a full run hands to a second pytest process (see conftest.OFFLOADED_FILES)."""

import pytest

from tests import background


@pytest.mark.run_last
def test_files_run_beside_the_session_pass():
    for files, future in background.OFFLOADED.items():
        done = future.result(timeout=1800)
        summary = done.stdout.strip().splitlines()[-1:] or [""]
        print(f"{files}: {summary[0]}")
        assert done.returncode == 0, f"{files}:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
