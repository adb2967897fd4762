"""fastdiff.plotting: what is drawn is the histories, and bad input is explained."""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

from fastdiff import plotting  # noqa: E402
from fastdiff.optimize import (  # noqa: E402
    LearningRateWarning,
    gradient_descent,
    momentum,
    newton,
)
from tests.test_optimize import half_square, landscape, landscape_curvature  # noqa: E402


def new_axes():
    return Figure().add_subplot()


@pytest.fixture(scope="module")
def runs():
    """Gradient descent on 0.5 x^2 from 1, 2, 4: x_k = x0 0.5^k, stopping at different k."""
    return gradient_descent(
        half_square, np.array([[1.0], [2.0], [4.0]]), learning_rate=0.5, history=True
    )


def test_one_run_is_one_curve_of_its_history(runs):
    run = runs.runs[0]
    ax = plotting.plot_loss(run, ax=new_axes())
    (line,) = ax.lines
    # Central differences of 0.5 x^2 are exact up to rounding.
    np.testing.assert_allclose(line.get_ydata(), 0.5 * 0.25 ** np.arange(run.nit + 1), rtol=1e-9)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(run.nit + 1))
    assert ax.get_yscale() == "log"


def test_many_runs_are_faint_curves_and_a_labelled_median_with_its_quartile_band(runs):
    ax = plotting.plot_loss(runs, ax=new_axes(), label="gd")
    median, *faint = ax.lines
    assert len(faint) == 3
    assert median.get_linewidth() > max(line.get_linewidth() for line in faint)
    length = max(run.nit for run in runs.runs) + 1
    # Each run holds its last value once it has stopped.
    padded = np.array(
        [
            np.concatenate([r.history.fun, np.full(length - r.nit - 1, r.history.fun[-1])])
            for r in runs.runs
        ]
    )
    np.testing.assert_allclose(median.get_ydata(), np.median(padded, axis=0), rtol=1e-15)
    (band,) = ax.collections
    lower, upper = np.quantile(padded, [0.25, 0.75], axis=0)
    # The band's outline runs along the lower quartile and back along the upper.
    outline = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(outline, lower[:, None], rtol=1e-12).any(axis=0).sum() >= length
    assert np.isclose(outline, upper[:, None], rtol=1e-12).any(axis=0).sum() >= length
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "gd: median of 3 runs",
        "gd: middle half of the runs (quartiles)",
    ]


def test_evaluations_axis_and_optimum(runs):
    run = runs.runs[1]
    ax = plotting.plot_loss(run, ax=new_axes(), x="nfev", optimum=1.0)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), run.history.nfev)
    np.testing.assert_array_equal(line.get_ydata(), run.history.fun - 1.0)
    assert ax.get_yscale() == "linear"  # f - 1 < 0


def test_path_over_a_one_dimensional_landscape():
    run = gradient_descent(landscape, 0.5, learning_rate=0.01, history=True)
    ax = plotting.plot_path_1d(landscape, run, ax=new_axes(), bounds=(-1.0, 1.0), points=50)
    curve, path, _ = ax.lines  # the last is the legend's sample of a path
    grid = np.linspace(-1.0, 1.0, 50)
    np.testing.assert_allclose(curve.get_ydata(), grid**2 + 0.05 * np.sin(30 * grid) - 0.2)
    np.testing.assert_array_equal(path.get_xdata(), run.history.x[:, 0])
    start, end = ax.collections
    assert start.get_offsets()[0, 0] == 0.5
    assert end.get_offsets()[0, 0] == run.x[0]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "f(x)"
    # lr 0.01 is stable up to f'' = 200, above the landscape's largest f'' (47): no shading.
    assert (
        ax.get_title()
        == "gradient descent, learning rate 0.01\nsettles only where f'' < 2 / lr = 200"
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["f(x)", "path", "start", "end"]


def test_many_runs_show_a_sample_of_paths_coloured_by_start():
    starts = np.linspace(-1, 1, 30)[:, None]
    many = gradient_descent(landscape, starts, learning_rate=0.01, history=True)
    ax = plotting.plot_path_1d(landscape, many, ax=new_axes(), points=20)
    curve, *paths, legend_sample = ax.lines
    assert len(paths) == plotting.SAMPLED_PATHS
    first_xs = sorted(line.get_xdata()[0] for line in paths)
    assert first_xs[0] == -1.0 and first_xs[-1] == 1.0  # spread over the starts, ends included
    start, end = ax.collections
    np.testing.assert_array_equal(start.get_offsets()[:, 0], starts[:, 0])
    np.testing.assert_array_equal(end.get_offsets()[:, 0], many.all_x[:, 0])
    # A run's end has the colour of its start, and the colours follow the starts.
    np.testing.assert_array_equal(start.get_edgecolors(), end.get_facecolors())
    assert len({tuple(c) for c in end.get_facecolors()}) == 30
    assert ax.get_title().endswith("; 30 starts")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "f(x)",
        "12 of 30 paths (spread over the starts)",
        "start",
        "end (coloured as its start)",
    ]
    assert len(plotting.plot_path_1d(landscape, many, ax=new_axes(), paths=True).lines) == 32
    assert len(plotting.plot_path_1d(landscape, many, ax=new_axes(), paths=False).lines) == 1


def test_learning_rate_above_the_bound_shades_the_sharp_minima():
    # lr 0.1: stable only where f'' < 2 / 0.1 = 20; f'' = 2 - 45 sin(30 x).
    starts = np.linspace(-0.5, 0.5, 5)[:, None]
    with pytest.warns(LearningRateWarning):
        runs = gradient_descent(landscape, starts, learning_rate=0.1, maxiter=50, history=True)
    ax = plotting.plot_path_1d(landscape, runs, ax=new_axes(), bounds=(-1.0, 1.0), points=2001)
    assert ax.get_title() == (
        "gradient descent, learning rate 0.1\nsettles only where f'' < 2 / lr = 20; 5 starts"
    )
    (shade,) = [c for c in ax.collections if c.get_label().startswith("f'' >")]
    assert shade.get_label() == "f'' > 20: too sharp to settle at this learning rate"
    shaded = np.concatenate([path.vertices[:, 0] for path in shade.get_paths()])
    curvature = landscape_curvature(shaded)
    # Shaded x lie where f'' > 20 (up to the grid's spacing, 0.001, at the edges).
    assert np.all(curvature > 20.0 - 45.0 * 30.0 * 0.002)
    grid = np.linspace(-1.0, 1.0, 2001)
    sharp = grid[landscape_curvature(grid) > 21.0]
    assert np.all(np.min(np.abs(sharp[:, None] - shaded[None, :]), axis=1) < 0.002)
    assert "f'' > 20: too sharp to settle at this learning rate" in [
        t.get_text() for t in ax.get_legend().get_texts()
    ]


def test_titles_of_other_methods_and_no_bound_where_none_applies():
    momentum_runs = momentum(landscape, 0.5, learning_rate=0.01, momentum=0.9, history=True)
    ax = plotting.plot_path_1d(landscape, momentum_runs, ax=new_axes(), points=20)
    assert ax.get_title() == (
        "momentum 0.9, learning rate 0.01\nsettles only where f'' < 2(1 + beta) / lr = 380"
    )
    searched = gradient_descent(landscape, 0.5, learning_rate=0.1, line_search=True, history=True)
    ax = plotting.plot_path_1d(landscape, searched, ax=new_axes(), points=20)
    assert ax.get_title() == "gradient descent, learning rate 0.1, line search"
    ax = plotting.plot_path_1d(
        landscape, newton(landscape, 0.1, safeguard=False, history=True), ax=new_axes(), points=20
    )
    assert ax.get_title() == "Newton, plain step"
    assert not [c for c in ax.collections if c.get_label().startswith("f'' >")]
    ax = plotting.plot_path_1d(landscape, searched, ax=new_axes(), points=20, title="mine")
    assert ax.get_title() == "mine"


def test_comparison_labels_each_optimizer(runs):
    results = {
        "gradient descent": runs.runs[0],
        "newton": newton(half_square, 1.0, history=True),
    }
    ax = plotting.plot_comparison(results, ax=new_axes())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(results)
    assert ax.get_xlabel() == "evaluations of f"


def test_new_figure_when_no_axes_are_given(runs):
    plt = pytest.importorskip("matplotlib.pyplot")
    ax = plotting.plot_loss(runs.runs[0])
    assert ax.figure is not None
    plt.close(ax.figure)


def test_bad_input_is_explained(runs, monkeypatch):
    no_history = gradient_descent(half_square, 1.0, learning_rate=0.5)
    with pytest.raises(ValueError, match="run the optimizer with history=True"):
        plotting.plot_loss(no_history, ax=new_axes())
    with pytest.raises(ValueError, match="x must be one of 'iteration', 'nfev'; got 'time'"):
        plotting.plot_loss(runs, ax=new_axes(), x="time")
    with pytest.raises(TypeError, match="results must be a non-empty mapping"):
        plotting.plot_comparison([runs], ax=new_axes())
    two_d = gradient_descent(half_square, [1.0, 1.0], learning_rate=0.5, history=True)
    with pytest.raises(ValueError, match="plot_path_1d draws 1-D problems; the runs have 2"):
        plotting.plot_path_1d(half_square, two_d, ax=new_axes())
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "fastdiff\[plot\]"'):
        plotting.plot_loss(runs)
