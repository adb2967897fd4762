"""Every ```python block of README.md and examples/README.md runs as written.

The blocks of one file run in order in one fresh namespace, as a reader
pastes them into one session from the top of the page: later blocks use
the names of earlier ones (``x``, ``rosenbrock``, ``minimize``). Every
name that a function of a block reads as a global must be defined once the
block has run, and by the block itself if the block has imports of its own
(a reader takes such a block to be complete, and copies it alone): a
missing import inside an ``@njit`` function surfaces only when the function
is compiled, and a block may define a function without calling it.

Only ``python`` blocks run. Every other block must use a fence language of
:data:`NOT_RUN` (commands, printed output), so that Python code cannot hide
in a block that is never run.

The blocks run in this process, with the kernels the rest of the suite
compiles (float64 points, the same paths), so that they add little besides
their own functions.
"""

from __future__ import annotations

import builtins
import re
import symtable
from pathlib import Path

import matplotlib
import pytest

import fastdiff

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = (ROOT / "README.md", ROOT / "examples" / "README.md")
#: Fence languages of blocks that are shown, not run.
NOT_RUN = ("bash", "text")
_FENCE = re.compile(r"^```(\S*)\s*$")


def fenced_blocks(path: Path) -> list[tuple[str, int, str]]:
    """``(language, first line number, source)`` of every fenced block of a Markdown file."""
    blocks = []
    language, start, lines = None, 0, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _FENCE.match(line)
        if language is None:
            if match:
                language, start, lines = match.group(1), number + 1, []
        elif match and not match.group(1):
            blocks.append((language, start, "\n".join(lines) + "\n"))
            language = None
        else:
            lines.append(line)
    assert language is None, f"{path.name}: the block from line {start} is not closed"
    return blocks


def names_bound_by(source: str, filename: str) -> set[str] | None:
    """Names a block binds at its top level, if it imports anything; else None."""
    table = symtable.symtable(source, filename, "exec")
    symbols = table.get_symbols()
    if not any(symbol.is_imported() for symbol in symbols):
        return None
    return {symbol.get_name() for symbol in symbols if symbol.is_assigned() or symbol.is_imported()}


def globals_read_by_functions(source: str, filename: str) -> dict[str, str]:
    """Global names read inside the functions of ``source``, each with its function."""
    found = {}
    pending = [symtable.symtable(source, filename, "exec")]
    while pending:
        table = pending.pop()
        pending.extend(table.get_children())
        if table.get_type() != "function":
            continue
        for symbol in table.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                found.setdefault(symbol.get_name(), table.get_name())
    return found


def test_fenced_blocks_are_python_or_not_run():
    languages = {}
    for path in DOCUMENTS:
        for language, line, _ in fenced_blocks(path):
            languages.setdefault(language, f"{path.name}:{line}")
    unknown = {lang: where for lang, where in languages.items() if lang not in ("python", *NOT_RUN)}
    assert not unknown, f"fence languages that are neither run nor listed in NOT_RUN: {unknown}"
    assert sum(lang == "python" for lang, _, _ in fenced_blocks(DOCUMENTS[0])) >= 8


def test_undefined_names_inside_functions_are_found():
    # The check that catches an import missing from an @njit function.
    source = "from numba import njit\n@njit\ndef f(x):\n    return np.sum(x) + len(x)\n"
    assert globals_read_by_functions(source, "block") == {"np": "f", "len": "f"}
    assert names_bound_by(source, "block") == {"njit", "f"}  # np is missing
    assert names_bound_by("y = f(x)\n", "block") is None  # continues the session


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[p.relative_to(ROOT).as_posix() for p in DOCUMENTS]
)
def test_python_blocks_run_as_written(document, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # anything a block writes lands here
    namespace = {"__name__": f"readme_{document.stem.lower()}"}
    blocks = [(line, source) for lang, line, source in fenced_blocks(document) if lang == "python"]
    copy = tmp_path / document.name
    copy.write_text(document.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        for line, source in blocks:
            where = f"{document.name}:{line}"
            # Blank lines in front: a traceback names the README's own line numbers.
            # Compiled as a copy in tmp_path: Numba keeps what an
            # @njit(cache=True) block compiles beside its file, and a second
            # run must not load functions of an earlier run's namespace.
            code = compile("\n" * (line - 1) + source, str(copy), "exec")
            try:
                exec(code, namespace)
            except Exception as error:
                raise AssertionError(f"the block at {where} failed: {error!r}") from error
            # A block with imports must bind what its functions read; others
            # may use what earlier blocks defined.
            bound = names_bound_by(source, where)
            defined = namespace if bound is None else bound
            undefined = {
                name: function
                for name, function in globals_read_by_functions(source, where).items()
                if name not in defined and not hasattr(builtins, name)
            }
            assert not undefined, f"the block at {where} uses names it does not define: {undefined}"
    finally:
        fastdiff.shutdown_workers()
        plt.close("all")
