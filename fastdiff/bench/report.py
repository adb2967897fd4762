"""What ``fastdiff bench`` writes: the table, the JSON file and the plot."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from itertools import groupby
from pathlib import Path

import numba
import numpy as np

from fastdiff.bench.sweep import DISAGREEMENT, CaseResult

_MARKERS = {"fastdiff": "o", "scipy": "s", "numdifftools": "^", "optimagic": "D"}


def machine() -> dict[str, object]:
    """CPU name, logical cores, Numba threads and library versions."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "threads": numba.get_num_threads(),
        "threading_layer": _threading_layer(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
    }


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel region has run in this process
        return "not started"


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def format_table(results: list[CaseResult], peers: tuple[str, ...]) -> str:
    """One block per series (problem, derivative, method), one row per ``n``.

    Columns: evaluations, floor, fastdiff's time and its ratio to the floor,
    then each peer's time and its ratio to fastdiff's. Cells that were not
    measured carry a note number, explained under the table.
    """
    notes: list[str] = []
    lines = []
    header = f"{'n':>7} {'evals':>9} {'floor':>10} {'fastdiff':>10} {'xfloor':>7}"
    for peer in peers:
        header += f" {peer:>12} {peer[:5] + '/fd':>9}"
    for (problem, kind, method), cases in groupby(results, key=lambda c: c.series):
        lines += ["", f"{problem}: {kind}, {method}", header, "-" * len(header)]
        for case in cases:
            lines.append(_row(case, peers, notes))
    if notes:
        lines += ["", *(f"[{k}] {text}" for k, text in enumerate(notes, 1))]
    return "\n".join(lines).lstrip("\n")


def _row(case: CaseResult, peers: tuple[str, ...], notes: list[str]) -> str:
    fd = case.tools["fastdiff"]
    evaluations = "?" if fd.evaluations is None else str(fd.evaluations)
    row = f"{case.n:>7} {evaluations:>9} {_time(case.floor_seconds):>10} "
    if fd.seconds is None:
        row += f"{_skipped_cell(notes, 'fastdiff', case, fd.skipped):>10} {'':>7}"
    else:
        ratio = fd.seconds / case.floor_seconds if case.floor_seconds else None
        row += f"{_time(fd.seconds):>10} {_ratio(ratio):>7}"
    for peer in peers:
        timing = case.tools[peer]
        if timing.seconds is None:
            row += f" {_skipped_cell(notes, peer, case, timing.skipped):>12} {'':>9}"
            continue
        cell = _ratio(timing.seconds / fd.seconds if fd.seconds else None)
        if timing.difference is not None and timing.difference > DISAGREEMENT:
            text = (
                f"{peer}, {case.problem} {case.kind} {case.method}, n={case.n}: result differs "
                f"from fastdiff's by {timing.difference:.1e} (relative)"
            )
            cell = f"[{_note_number(notes, text)}] {cell}"
        row += f" {_time(timing.seconds):>12} {cell:>9}"
    return row


def _skipped_cell(notes: list[str], tool: str, case: CaseResult, reason: str) -> str:
    if reason.startswith("no ") and reason.endswith(" method"):
        return "n/a"
    if reason.startswith("skipped"):
        # "skipped from n=...": one note serves every larger n of the series.
        text = f"{tool}, {case.problem} {case.kind} {case.method}: {reason}"
        return f"skip[{_note_number(notes, text)}]"
    text = f"{tool}, {case.problem} {case.kind} {case.method}, n={case.n}: {reason}"
    return f"error[{_note_number(notes, text)}]"


def _note_number(notes: list[str], text: str) -> int:
    if text not in notes:
        notes.append(text)
    return notes.index(text) + 1


def results_document(
    results: list[CaseResult], settings: dict[str, object], peers: dict[str, object]
) -> dict[str, object]:
    """Everything measured, as JSON-ready data."""
    from fastdiff import __version__

    return {
        "fastdiff": __version__,
        "machine": machine(),
        "settings": settings,
        "peers": peers,
        "cases": [
            {
                "problem": case.problem,
                "object": case.kind,
                "method": case.method,
                "n": case.n,
                "floor_seconds": case.floor_seconds,
                "tools": {name: asdict(timing) for name, timing in case.tools.items()},
            }
            for case in results
        ],
    }


def write_json(path: Path, document: dict[str, object]) -> None:
    """Write ``document`` as indented JSON."""
    path.write_text(json.dumps(document, indent=2) + "\n")


#: Line colours of the tools, the same in every panel.
_COLORS = {"fastdiff": "C0", "scipy": "C1", "numdifftools": "C2", "optimagic": "C3"}


def figure_caption(document: dict[str, object]) -> str:
    """What a saved figure needs to be read alone: the floor, the skip marks, the machine.

    Parameters
    ----------
    document : dict
        From :func:`results_document`.

    Returns
    -------
    str
        Three lines: what the floor is, what a skip mark means (with the
        budget), and the CPU, cores, Numba threads and versions.
    """
    machine = document["machine"]
    budget = document.get("settings", {}).get("budget_seconds")
    budget_text = f"the {budget:g} s budget" if budget is not None else "the time budget"
    peers = document.get("peers", {})
    peer_versions = [
        f"{name} {info['version']}"
        for name, info in peers.items()
        if isinstance(info, dict) and info.get("version")
    ]
    versions = [
        f"fastdiff {document.get('fastdiff', '?')}",
        f"numba {machine['numba']}",
        f"numpy {machine['numpy']}",
        f"Python {machine['python']}",
        *peer_versions,
    ]
    return "\n".join(
        [
            "floor = evaluations x one evaluation of f, timed in a compiled loop on one thread: "
            "the least a serial engine can spend; fastdiff drops below it when its threads "
            "share the evaluations.",
            f"x on the top edge: a tool skipped from that n on (a call took, or was predicted to "
            f"take, more than {budget_text}, or it failed); see the table's notes.",
            f"{machine['cpu']}, {machine['cores']} logical cores, {machine['threads']} Numba "
            f"threads ({machine['threading_layer']} layer); " + ", ".join(versions),
        ]
    )


def bench_figure(results: list[CaseResult], peers: tuple[str, ...], caption: str = ""):
    """Log-log plot of seconds per call against ``n``, one panel per series.

    Parameters
    ----------
    results : list of CaseResult
        In series order, as the sweep returns them.
    peers : tuple of str
        Peers to draw besides fastdiff.
    caption : str
        Printed under the panels (:func:`figure_caption`).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    from matplotlib.figure import Figure

    series = [(key, list(cases)) for key, cases in groupby(results, key=lambda c: c.series)]
    columns = 2 if len(series) == 4 else min(3, len(series))
    rows = -(-len(series) // columns)
    caption_lines = caption.count("\n") + 1 if caption else 0
    caption_inches = 0.2 * caption_lines + 0.15 if caption else 0.0
    height = 3.8 * rows + caption_inches
    figure = Figure(figsize=(max(4.8 * columns, 9.0), height), layout="constrained")
    if caption:
        figure.get_layout_engine().set(
            rect=(0.0, caption_inches / height, 1.0, 1.0 - caption_inches / height)
        )
        figure.text(
            0.01, (caption_inches - 0.08) / height, caption, fontsize=7, va="top", ha="left"
        )
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, ((problem, kind, method), cases) in zip(axes, series):
        _draw_series(ax, cases, peers)
        ax.set_title(f"{problem}: {kind} ({method})", fontsize=10)
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    return figure


def _draw_series(ax, cases: list[CaseResult], peers: tuple[str, ...]) -> None:
    floor = [(c.n, c.floor_seconds) for c in cases if c.floor_seconds]
    if floor:
        ax.plot(*zip(*floor), "k--", label="floor (one thread)", linewidth=1)
    for tool in ("fastdiff", *peers):
        color = _COLORS.get(tool)
        points = [(c.n, c.tools[tool].seconds) for c in cases if c.tools[tool].seconds]
        if points:
            ax.plot(*zip(*points), marker=_MARKERS.get(tool, "o"), label=tool, color=color)
        skipped = [
            (c.n, c.tools[tool].skipped)
            for c in cases
            if c.tools[tool].seconds is None and c.tools[tool].skipped.startswith("skipped")
        ]
        errors = [
            c.n
            for c in cases
            if c.tools[tool].seconds is None
            and c.tools[tool].skipped
            and not c.tools[tool].skipped.startswith(("skipped", "no "))
        ]
        if skipped or errors:
            n = min([n for n, _ in skipped] + errors)
            why = "error" if n in errors else "over budget"
            # On the top edge, at the first n the tool was not measured.
            ax.plot(
                [n],
                [0.97],
                "x",
                color=color,
                markersize=9,
                markeredgewidth=2,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                label=f"{tool} skipped from n={n} ({why})",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dimension n")
    ax.set_ylabel("seconds per call")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)


def write_plot(
    path: Path, results: list[CaseResult], peers: tuple[str, ...], caption: str = ""
) -> None:
    """Save :func:`bench_figure` as a PNG.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    bench_figure(results, peers, caption).savefig(path, dpi=100)


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.2f}" if ratio < 10 else f"{ratio:.0f}"
