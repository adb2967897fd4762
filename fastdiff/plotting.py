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
>>> ax = plot_loss(runs)
>>> ax.figure.savefig("loss.png")
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
        Of the curve (with several runs, of their median, whose legend
        entry reads ``"<label>: median of k runs"``).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    With several runs, each is drawn thin and faint, their median in bold
    and the band between their quartiles (the middle half of the runs)
    shaded, both in the legend. The median is robust: a few runs that
    diverge or stall do not drag it along, as they would a mean. A run that
    stopped early counts with its last value afterwards (as if it stayed
    where it converged) and spends no more evaluations.
    """
    runs = _runs(results)
    _check_axis(x)
    ax = _axes(ax)
    curves = [_curve(run, x, optimum) for run in runs]
    if len(curves) == 1:
        (line,) = ax.plot(*curves[0], color=color, label=label, linewidth=1.8)
        values = curves[0][1]
        legend = label is not None
    else:
        horizontal, quartiles = _quartile_curves(curves, x)
        prefix = f"{label}: " if label else ""
        (line,) = ax.plot(
            horizontal,
            quartiles[1],
            color=color,
            label=f"{prefix}median of {len(curves)} runs",
            linewidth=2.6,
            zorder=4,
            path_effects=[_white_outline()],
        )
        ax.fill_between(
            horizontal,
            quartiles[0],
            quartiles[2],
            color=line.get_color(),
            alpha=0.25,
            linewidth=0,
            label=f"{prefix}middle half of the runs (quartiles)",
            zorder=3,
        )
        # Many runs in the median's colour would bury its band: grey, fainter
        # the more there are.
        many = len(curves) > FAINT_IN_COLOR
        faint = "0.5" if many else line.get_color()
        alpha = max(0.04, min(0.25, 4.0 / len(curves))) if many else 0.25
        for h, v in curves:
            ax.plot(h, v, color=faint, linewidth=0.6, alpha=alpha, zorder=2)
        values = np.concatenate([v for _, v in curves])
        legend = True
    _finish(ax, x, optimum, log, values, legend)
    return ax


def plot_path_1d(
    f,
    results,
    *,
    ax=None,
    bounds: tuple[float, float] | None = None,
    points: int = 600,
    paths: bool | int | None = None,
    color=None,
    title: str | None = None,
):
    """The landscape of a 1-D ``f`` with the paths of one run or many.

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
    paths : bool or int, optional
        How many runs are drawn as paths (every iterate, joined in order):
        by default all up to :data:`SAMPLED_PATHS` runs, else that many
        spread evenly over the starts; an int that many; True all; False
        none. Every run's start (hollow) and end (filled) are drawn.
    color
        Of all runs; by default each run has the colour of its start on a
        colour map, so that a path and its end can be told by their start.
    title : str, optional
        Default: the optimizer and its learning rate (from the results'
        ``method`` and ``options``), the stability bound where one applies,
        and how many paths are shown; ``""`` for none.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    For gradient descent with a fixed learning rate ``lr`` (and heavy-ball
    or Nesterov momentum) the stretches of ``x`` where ``f''`` exceeds the
    sharpness at which ``lr`` is the stability bound (``2 / lr`` for
    gradient descent; :func:`fastdiff.optimize.learning_rate_bound`) are
    shaded: no run can settle in a minimum there. ``f''`` is taken from
    second differences of the plotted curve.
    """
    runs = _runs(results)
    if runs[0].history.x.shape[1] != 1:
        raise ValueError(
            f"plot_path_1d draws 1-D problems; the runs have {runs[0].history.x.shape[1]} "
            "coordinates"
        )
    iterates = np.concatenate([run.history.x[:, 0] for run in runs])
    finite = iterates[np.isfinite(iterates)]
    if bounds is None:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.1 * (hi - lo) or 1.0
        bounds = (lo - pad, hi + pad)
    ax = _axes(ax)
    grid = np.linspace(bounds[0], bounds[1], points)
    landscape = np.array([float(f(np.array([g]))) for g in grid])
    ax.plot(grid, landscape, color="0.35", linewidth=1.2, zorder=1, label="f(x)")
    limit = _sharpness_limit(runs[0])
    if limit is not None:
        _shade_too_sharp(ax, grid, landscape, limit, runs[0])

    starts = np.array([run.history.x[0, 0] for run in runs])
    colors = _start_colors(starts, color)
    drawn = _sampled(starts, paths)
    for index in drawn:
        history = runs[index].history
        ax.plot(
            history.x[:, 0],
            history.fun,
            "o-",
            color=colors[index],
            markersize=2.5,
            linewidth=0.8,
            alpha=0.8,
            zorder=2,
        )
    if drawn:
        shown = "path" if len(runs) == 1 else f"paths of {len(drawn)} of {len(runs)} runs"
        if 1 < len(drawn) < len(runs):
            shown = f"{len(drawn)} of {len(runs)} paths (spread over the starts)"
        ax.plot([], [], "o-", color="0.3", markersize=2.5, linewidth=0.8, label=shown)
    ends = np.array([[run.history.x[-1, 0], run.history.fun[-1]] for run in runs])
    firsts = np.array([[run.history.x[0, 0], run.history.fun[0]] for run in runs])
    ax.scatter(*firsts.T, s=24, facecolors="none", edgecolors=colors, zorder=3, label="start")
    end_label = "end" if len(runs) == 1 or color is not None else "end (coloured as its start)"
    ax.scatter(
        *ends.T, s=34, c=colors, edgecolors="white", linewidths=0.4, zorder=4, label=end_label
    )
    ax.set_xlim(*bounds)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if title is None:
        title = _path_title(runs, limit)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", framealpha=0.85)
    return ax


#: Runs drawn as paths by :func:`plot_path_1d` when ``paths`` is not given.
SAMPLED_PATHS = 12
#: Up to this many runs, :func:`plot_loss` draws each in its median's colour; more in grey.
FAINT_IN_COLOR = 10


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
        the bold median of its runs with their quartile band and the runs
        faint, as in :func:`plot_loss`.
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
    _finish(ax, x, optimum, log, np.asarray(values), True)
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


def _white_outline():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=4.5, foreground="white")


def _quartile_curves(curves, x: str) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal axis and the (25, 50, 75) % quantiles of the runs, per iteration."""
    # A run that stopped early keeps its last value and spends nothing more.
    length = max(v.shape[0] for _, v in curves)

    def padded(a):
        return np.concatenate([a, np.full(length - a.shape[0], a[-1])])

    if x == "iteration":
        horizontal = np.arange(length, dtype=float)
    else:
        horizontal = np.median([padded(h) for h, _ in curves], axis=0)
    values = np.array([padded(v) for _, v in curves])
    return horizontal, np.quantile(values, [0.25, 0.5, 0.75], axis=0)


def _sharpness_limit(run) -> float | None:
    """The sharpness above which the run's learning rate exceeds the stability bound.

    None when no such bound applies (a line search, Newton, secant, BFGS).
    """
    method, options = run.get("method"), run.get("options") or {}
    if method not in ("gradient descent", "momentum", "Nesterov momentum"):
        return None
    if options.get("line_search"):
        return None
    from fastdiff.optimize.curvature import learning_rate_bound

    momentum = options.get("momentum", 0.0)
    bound_at_unit_sharpness = learning_rate_bound(1.0, momentum, options.get("nesterov", False))
    return bound_at_unit_sharpness / options["learning_rate"]


def _shade_too_sharp(ax, grid, landscape, limit: float, run) -> None:
    """Shade where the curve's second difference exceeds ``limit``."""
    spacing = grid[1] - grid[0]
    curvature = np.full(grid.shape, np.nan)
    curvature[1:-1] = (landscape[2:] - 2.0 * landscape[1:-1] + landscape[:-2]) / spacing**2
    too_sharp = np.nan_to_num(curvature, nan=-np.inf) > limit
    if not too_sharp.any():
        return
    ax.fill_between(
        grid,
        0,
        1,
        where=too_sharp,
        transform=ax.get_xaxis_transform(),
        color="tab:red",
        alpha=0.12,
        linewidth=0,
        zorder=0,
        label=f"f'' > {limit:.3g}: too sharp to settle at this learning rate",
    )


def _bound_formula(run) -> str:
    """The sharpness limit of :func:`_sharpness_limit` as a formula in lr and beta."""
    if run.get("method") == "momentum":
        return "2(1 + beta) / lr"
    if run.get("method") == "Nesterov momentum":
        return "2(1 + beta) / ((1 + 2 beta) lr)"
    return "2 / lr"


def _start_colors(starts: np.ndarray, color) -> list:
    if color is not None:
        return [color] * len(starts)
    if len(starts) == 1:
        return ["C0"]
    from matplotlib import colormaps

    low, high = np.nanmin(starts), np.nanmax(starts)
    positions = (starts - low) / (high - low) if high > low else np.full(len(starts), 0.5)
    return [colormaps["viridis"](0.9 * p) for p in positions]


def _sampled(starts: np.ndarray, paths) -> list[int]:
    """Indices of the runs drawn as paths, spread evenly over the sorted starts."""
    k = len(starts)
    if paths is None:
        count = min(k, SAMPLED_PATHS)
    elif paths is True or paths is False:
        count = k if paths else 0
    else:
        count = min(k, int(paths))
    if count == 0:
        return []
    order = np.argsort(starts, kind="stable")
    picks = np.unique(np.linspace(0, k - 1, count).round().astype(int))
    return sorted(int(order[p]) for p in picks)


def _path_title(runs, limit: float | None) -> str:
    """Optimizer and learning rate; the stability bound and the number of starts below."""
    run = runs[0]
    method, options = run.get("method"), run.get("options") or {}
    if method is None:
        heading = "optimizer paths"
    elif "momentum" in options:
        heading = f"{method} {options['momentum']:g}, learning rate {options['learning_rate']:g}"
    elif "learning_rate" in options:
        heading = f"{method}, learning rate {options['learning_rate']:g}"
        if options.get("line_search"):
            heading += ", line search"
    elif "safeguard" in options:
        heading = f"{method}, {'safeguarded' if options['safeguard'] else 'plain step'}"
    else:
        heading = method
    details = []
    if limit is not None:
        details.append(f"settles only where f'' < {_bound_formula(run)} = {limit:.3g}")
    if len(runs) > 1:
        details.append(f"{len(runs)} starts")
    return "\n".join([heading, "; ".join(details)]) if details else heading


def _finish(ax, x: str, optimum, log, values: np.ndarray, legend: bool) -> None:
    finite = values[np.isfinite(values)]
    if log is None:
        log = finite.size > 0 and bool(np.all(finite > 0.0))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration" if x == "iteration" else "evaluations of f")
    ax.set_ylabel("f - optimum" if optimum is not None else "f")
    if legend:
        ax.legend()
