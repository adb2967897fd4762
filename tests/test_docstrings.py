"""The examples in fastdiff's docstrings run and show what they print (doctest).

Every module of the package whose source holds an example (``>>>``) is
found here, so new examples are tested without editing this file. The
examples of :data:`COMPILED_FOR_USERS` compile fastdiff's kernels into users'
own ``@njit`` functions, which no disk cache can share: they run in
``tests/test_kernels.py``, the file a full run hands to a second process.
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import matplotlib
import pytest

from fastdiff.kernel_cache import PACKAGE_ROOT

#: Modules whose examples compile kernels for users' jitted functions.
COMPILED_FOR_USERS = ("fastdiff.kernels.methods",)


def modules_with_examples() -> list[str]:
    """Names of the fastdiff modules whose source has a doctest example."""
    names = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if ">>> " not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def run_examples(name: str, folder: Path) -> None:
    """Run the doctests of module ``name`` in ``folder``; fail with doctest's report."""
    matplotlib.use("Agg")
    module = importlib.import_module(name)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(module)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # an example that saves a file saves it here
        for test in tests:
            runner.run(test, out=report.write)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{name} has no examples that doctest finds"
    assert results.failed == 0, report.getvalue()


MODULES = [name for name in modules_with_examples() if name not in COMPILED_FOR_USERS]


def test_modules_with_examples_are_found():
    assert {"fastdiff.api", "fastdiff.pytree", "fastdiff.kernels.methods"} <= set(
        modules_with_examples()
    )
    assert set(COMPILED_FOR_USERS) <= set(modules_with_examples())


@pytest.mark.parametrize("name", MODULES)
def test_examples(name, tmp_path):
    run_examples(name, tmp_path)
