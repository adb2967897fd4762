"""fastdiff.plotting: what is drawn is the histories, and bad input is explained."""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

from fastdiff import plotting  # noqa: E402
from fastdiff.optimize import gradient_descent, newton  # noqa: E402
from tests.test_optimize import half_square, landscape  # noqa: E402


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


def test_many_runs_are_faint_curves_and_a_bold_mean(runs):
    ax = plotting.plot_loss(runs, ax=new_axes(), label="gd")
    mean, *faint = ax.lines
    assert len(faint) == 3
    assert mean.get_linewidth() > max(line.get_linewidth() for line in faint)
    length = max(run.nit for run in runs.runs) + 1
    # Each run holds its last value once it has stopped.
    padded = [
        np.concatenate([r.history.fun, np.full(length - r.nit - 1, r.history.fun[-1])])
        for r in runs.runs
    ]
    np.testing.assert_allclose(mean.get_ydata(), np.mean(padded, axis=0), rtol=1e-15)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gd"]


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
    curve, path, start, end = ax.lines
    grid = np.linspace(-1.0, 1.0, 50)
    np.testing.assert_allclose(curve.get_ydata(), grid**2 + 0.05 * np.sin(30 * grid) - 0.2)
    np.testing.assert_array_equal(path.get_xdata(), run.history.x[:, 0])
    assert start.get_xdata()[0] == 0.5
    assert end.get_xdata()[0] == run.x[0]


def test_many_paths_show_starts_and_ends_only(runs):
    many = gradient_descent(
        landscape, np.linspace(-1, 1, 12)[:, None], learning_rate=0.01, history=True
    )
    ax = plotting.plot_path_1d(landscape, many, ax=new_axes(), points=20)
    assert len(ax.lines) == 1 + 2 * 12


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
