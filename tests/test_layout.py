"""The package layout: no import cycles, no private names shared across modules.

Read from the source with ``ast`` (nothing is imported): every ``import`` and
``from ... import`` statement of every module of ``fastdiff``, at module level
or inside a function, is an edge of the import graph. Importing
``fastdiff.a.b`` from outside ``fastdiff.a`` also imports that subpackage
(its ``__init__``); the root package, which re-exports the public API, is an
edge only where a module names it (``import fastdiff``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fastdiff

PACKAGE = Path(fastdiff.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str]]:
    """``(module, imported name)`` of every import of a ``fastdiff`` module in ``path``."""
    found = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            found += [(module, alias.name) for alias in node.names]
    return [(m, n) for m, n in found if m == "fastdiff" or m.startswith("fastdiff.")]


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``fastdiff`` modules it imports."""
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for module, imported in _imports(name, path):
            target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
            edges.add(target)
            parts = target.split(".")
            # Importing fastdiff.a.b from outside fastdiff.a runs
            # fastdiff/a/__init__.py first (inside, it is running already).
            parents = (".".join(parts[:k]) for k in range(2, len(parts)))
            edges.update(p for p in parents if not name.startswith(p + "."))
        edges.discard(name)
        graph[name] = {e for e in edges if e in MODULES}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_known_edges():
    # The test can fail: it finds the imports it is meant to check.
    graph = import_graph()
    assert "fastdiff.derivatives" in graph["fastdiff.api"]
    assert "fastdiff.sparse" in graph["fastdiff.sparse.coloring"] or (
        "fastdiff.sparse.patterns" in graph["fastdiff.sparse.coloring"]
    )
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_lower_layers_do_not_import_the_api():
    # The sparse package, the backends and the kernels are below the public
    # functions: they use the shared options, threads policy and errors.
    graph = import_graph()
    for name, edges in graph.items():
        if name.startswith(("fastdiff.sparse", "fastdiff.kernels", "fastdiff.high_accuracy")):
            assert "fastdiff.api" not in edges, name
            assert "fastdiff" not in edges, name


def test_no_private_name_is_imported_from_another_module():
    private = [
        (name, module, imported)
        for name, path in MODULES.items()
        for module, imported in _imports(name, path)
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert private == []
