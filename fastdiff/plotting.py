"""Plots of optimizer histories: loss curves, paths over a 1-D landscape, comparisons.

Every function takes results of :mod:`fastdiff.optimize` run with
``history=True``, draws on ``ax`` (a new figure's axes if None) and returns
the axes. matplotlib is an optional dependency (``pip install
"fastdiff[plot]"``), imported when a figure is first needed.

Examples
--------
>>> import numpy as np, numba
>>> from fastdiff.optimize import gradient_descent
>>> from fastdiff.plotting import plot_loss
>>> @numba.njit
... def f(x):
...     return x[0] ** 2 + 0.05 * np.sin(30 * x[0])
>>> runs = gradient_descent(f, np.linspace(-1, 1, 20)[:, None], learning_rate=0.01,
...                         history=True)
>>> ax = plot_loss(runs)  # doctest: +SKIP
>>> ax.figure.savefig("loss.png")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

_AXES = ("iteration", "nfev")


def plot_loss(
    results,
    *,
    ax=None,
    x: str = "iteration",
    optimum: float | None = None,
    log: bool | None = None,
    label: str | None = None,
    color=None,
):
    """Loss ``f`` against iteration (or evaluations) for one run or many.

    Parameters
    ----------
    results : OptimizeResult or sequence of OptimizeResult
        One run, a multi-start result (its ``runs`` are drawn) or a list of
        runs, each with ``history``.
    ax : matplotlib Axes, optional
    x : {"iteration", "nfev"}
        Horizontal axis: iterations, or evaluations of ``f`` spent.
    optimum : float, optional
        Known minimum: plot ``f - optimum`` (with a log axis, the error).
    log : bool, optional
        Logarithmic vertical axis; default when every plotted value is > 0.
    label, color
        Of the (mean) curve.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    With several runs, each is drawn thin and faint and their mean in bold;
    a run that stopped early counts with its last value afterwards (as if it
    stayed where it converged), at the mean evaluation count for
    ``x="nfev"``.
    """
    runs = _runs(results)
    _check_axis(x)
    ax = _axes(ax)
    curves = [_curve(run, x, optimum) for run in runs]
    if len(curves) == 1:
        (line,) = ax.plot(*curves[0], color=color, label=label, linewidth=1.8)
        values = curves[0][1]
    else:
        horizontal, mean = _mean_curve(curves, x)
        (line,) = ax.plot(horizontal, mean, color=color, label=label, linewidth=2.6, zorder=3)
        for h, v in curves:
            ax.plot(h, v, color=line.get_color(), linewidth=0.6, alpha=0.25, zorder=2)
        values = np.concatenate([v for _, v in curves])
    _finish(ax, x, optimum, log, values, label)
    return ax


def plot_path_1d(
    f,
    results,
    *,
    ax=None,
    bounds: tuple[float, float] | None = None,
    points: int = 600,
    paths: bool | None = None,
    color=None,
):
    """The landscape of a 1-D ``f`` with the iterates of one run or many.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for an array ``x`` of one entry (as optimized).
    results : OptimizeResult or sequence of OptimizeResult
        Runs with ``history``, each of dimension 1.
    ax : matplotlib Axes, optional
    bounds : (float, float), optional
        Interval drawn; default: the iterates' range, widened by 10 %.
    points : int
        Evaluations of ``f`` for the curve.
    paths : bool, optional
        Draw every iterate joined by lines (the default for up to 10 runs);
        otherwise only starts (hollow, grey) and final points (filled).
    color
        Of the iterates.

    Returns
    -------
    matplotlib Axes
    """
    runs = _runs(results)
    if runs[0].history.x.shape[1] != 1:
        raise ValueError(
            f"plot_path_1d draws 1-D problems; the runs have {runs[0].history.x.shape[1]} "
            "coordinates"
        )
    if paths is None:
        paths = len(runs) <= 10
    iterates = np.concatenate([run.history.x[:, 0] for run in runs])
    finite = iterates[np.isfinite(iterates)]
    if bounds is None:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.1 * (hi - lo) or 1.0
        bounds = (lo - pad, hi + pad)
    ax = _axes(ax)
    grid = np.linspace(bounds[0], bounds[1], points)
    ax.plot(grid, [float(f(np.array([g]))) for g in grid], color="0.35", linewidth=1.2, zorder=1)
    for run in runs:
        xs, fs = run.history.x[:, 0], run.history.fun
        if paths:
            (line,) = ax.plot(xs, fs, "o-", color=color, markersize=3, linewidth=0.8, zorder=2)
            run_color = line.get_color()
        else:
            run_color = color or "C0"
        # With many runs the starts are grey, so that the ends stand out.
        start_color = run_color if paths else "0.55"
        ax.plot(xs[:1], fs[:1], "o", mfc="none", color=start_color, markersize=5, zorder=3)
        ax.plot(xs[-1:], fs[-1:], "o", color=run_color, markersize=6, zorder=4)
    ax.set_xlim(*bounds)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    return ax


def plot_comparison(
    results: Mapping[str, object],
    *,
    ax=None,
    x: str = "nfev",
    optimum: float | None = None,
    log: bool | None = None,
):
    """Loss curves of several optimizers on one problem, one labelled curve each.

    Parameters
    ----------
    results : mapping of str to OptimizeResult
        Label to result (with ``history``); a multi-start result is drawn as
        the bold mean of its runs with the runs faint, as in :func:`plot_loss`.
    ax : matplotlib Axes, optional
    x : {"iteration", "nfev"}
        Horizontal axis; evaluations (the default) compare methods by cost,
        since a Newton iteration costs far more than a gradient step.
    optimum, log
        As for :func:`plot_loss`.

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping of labels to optimizer results")
    _check_axis(x)
    ax = _axes(ax)
    values = []
    for label, result in results.items():
        plot_loss(result, ax=ax, x=x, optimum=optimum, log=False, label=label)
        values.extend(np.concatenate([_curve(run, x, optimum)[1] for run in _runs(result)]))
    _finish(ax, x, optimum, log, np.asarray(values), "legend")
    return ax


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'fastdiff.plotting needs matplotlib: pip install "fastdiff[plot]"'
        ) from error
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(6.4, 4.2), layout="constrained")
    return ax


def _runs(results) -> list:
    runs = getattr(results, "runs", None)
    if runs is None:
        if isinstance(results, Sequence) and not isinstance(results, (str, bytes)):
            runs = list(results)
        else:
            runs = [results]
    if not runs:
        raise ValueError("results must hold at least one run")
    for run in runs:
        if getattr(run, "history", None) is None:
            raise ValueError("results must have a history: run the optimizer with history=True")
    return runs


def _check_axis(x: str) -> None:
    if x not in _AXES:
        raise ValueError(f"x must be one of {', '.join(repr(a) for a in _AXES)}; got {x!r}")


def _curve(run, x: str, optimum: float | None) -> tuple[np.ndarray, np.ndarray]:
    history = run.history
    values = history.fun - (optimum if optimum is not None else 0.0)
    horizontal = history.nfev if x == "nfev" else np.arange(values.shape[0])
    return np.asarray(horizontal, dtype=float), values


def _mean_curve(curves, x: str) -> tuple[np.ndarray, np.ndarray]:
    # A run that stopped early keeps its last value and spends nothing more.
    length = max(v.shape[0] for _, v in curves)

    def padded(a):
        return np.concatenate([a, np.full(length - a.shape[0], a[-1])])

    if x == "iteration":
        horizontal = np.arange(length, dtype=float)
    else:
        horizontal = np.mean([padded(h) for h, _ in curves], axis=0)
    return horizontal, np.mean([padded(v) for _, v in curves], axis=0)


def _finish(ax, x: str, optimum, log, values: np.ndarray, label) -> None:
    finite = values[np.isfinite(values)]
    if log is None:
        log = finite.size > 0 and bool(np.all(finite > 0.0))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration" if x == "iteration" else "evaluations of f")
    ax.set_ylabel("f - optimum" if optimum is not None else "f")
    if label is not None:
        ax.legend()
