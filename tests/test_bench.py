"""The pieces of ``fastdiff bench``: loading a user's problem, budgets, peers, the table."""

import io
import sys
import time

import numpy as np
import pytest

from fastdiff.bench.loading import ProblemSpecError, load_problem
from fastdiff.bench.peers import peer_derivative
from fastdiff.bench.problems import BUILTIN_PROBLEMS, trigonometric_system
from fastdiff.bench.progress import Progress
from fastdiff.bench.report import bench_figure, figure_caption, format_table
from fastdiff.bench.sweep import (
    CaseResult,
    SweepSettings,
    ToolTiming,
    _Budget,
    _median_within,
    method_error,
    plan,
)

USER_MODULE = """
import numba
import numpy as np


@numba.njit
def total(x):
    return np.sum(x)


def make_problem(n):
    return total, np.ones(n)


def wrong_length(n):
    return total, np.zeros(n + 1)


def not_a_pair(n):
    return 42


def raises(n):
    raise RuntimeError("cannot build")


def matrix_valued(n):
    return (lambda x: np.outer(x, x)), np.ones(n)


def strings(n):
    return total, ["a"] * n


NOT_CALLABLE = 3
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "bench_user_problems.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "bench_user_problems", raising=False)
    return tmp_path


def test_factory_problem(user_module):
    problem = load_problem("bench_user_problems:make_problem", 3)
    assert problem.name == "bench_user_problems:make_problem"
    assert problem.objects == ("gradient", "hessian")
    f, x0 = problem.build(5)
    assert f(x0) == 5.0


M = "bench_user_problems"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (M, r"--function must be MODULE:NAME \(for example .*\); got 'bench_user_problems'"),
        (":make_problem", r"--function must be MODULE:NAME"),
        ("no_such_module_xyz:f", r"cannot import module 'no_such_module_xyz' \(No module named"),
        ("missing_file.py:f", r"no file 'missing_file.py'"),
        (f"{M}:absent", r"module 'bench_user_problems' has no 'absent'"),
        (f"{M}:NOT_CALLABLE", r"NOT_CALLABLE is a int, not a callable"),
        (f"{M}:raises", r"raises\(2\) raised RuntimeError: cannot build"),
        (f"{M}:not_a_pair", r"not_a_pair\(n\) must return \(f, x0\).*not_a_pair\(2\) returned int"),
        (
            f"{M}:wrong_length",
            r"wrong_length\(2\) must return x0 of shape \(2,\); got shape \(3,\)",
        ),
        (f"{M}:strings", r"x0 must be an array of numbers"),
        (f"{M}:matrix_valued", r"f\(x0\) must return a number or a 1-D array .*shape \(2, 2\)"),
    ],
)
def test_bad_function_spec(user_module, spec, message):
    with pytest.raises(ProblemSpecError, match=message):
        load_problem(spec, 2)


def test_importing_a_broken_file(tmp_path):
    (tmp_path / "broken.py").write_text("raise ImportError('half-written')\n")
    with pytest.raises(ProblemSpecError, match=r"broken.py raised ImportError: half-written"):
        load_problem(f"{tmp_path / 'broken.py'}:f", 2)


def test_plan_gives_each_problem_its_objects():
    problems = [BUILTIN_PROBLEMS["rosenbrock"], BUILTIN_PROBLEMS["broyden"]]
    settings = SweepSettings(objects=("gradient", "jacobian"), methods=("central", "forward"))
    assert [(p.name, kind, method) for p, kind, method in plan(problems, settings)] == [
        ("rosenbrock", "gradient", "central"),
        ("rosenbrock", "gradient", "forward"),
        ("broyden", "jacobian", "central"),
        ("broyden", "jacobian", "forward"),
    ]


def test_trigonometric_system_jacobian():
    # dF_i/dx_j = sin x_j + [i == j] (i sin x_i - cos x_i), i = 1..n.
    from fastdiff import jacobian

    x = np.linspace(0.1, 0.9, 6)
    exact = np.tile(np.sin(x), (6, 1))
    exact[np.diag_indices(6)] += np.arange(1, 7) * np.sin(x) - np.cos(x)
    assert np.max(np.abs(jacobian(trigonometric_system, x) - exact)) < 1e-8


def test_budget_scales_the_last_call():
    hessian = _Budget("hessian")
    hessian.record(10, 0.02, budget=1.0)
    # 0.02 s x (100 / 10)**2 = 2 s
    assert hessian.skip_reason(100, None, budget=1.0) == (
        "skipped from n=100: predicted 2 s > budget"
    )
    # Once skipped, larger n stay skipped.
    assert hessian.skip_reason(200, None, budget=100.0).startswith("skipped from n=100")
    gradient = _Budget("gradient")
    gradient.record(10, 0.02, budget=1.0)
    assert gradient.skip_reason(100, None, budget=1.0) == ""  # 0.2 s


def test_budget_floor_and_long_call():
    budget = _Budget("gradient")
    assert budget.skip_reason(10, 3.0, budget=1.0) == "skipped from n=10: predicted 3 s > budget"
    budget = _Budget("gradient")
    budget.record(10, 2.5, budget=1.0)
    assert budget.skip_reason(20, None, budget=1.0) == (
        "skipped after n=10: one call took 2.5 s > budget"
    )


def test_budget_after_an_error():
    budget = _Budget("jacobian")
    budget.fail(10)
    assert budget.skip_reason(100, None, budget=1.0) == "skipped after the error at n=10"


def test_method_error_comes_from_the_api():
    assert method_error("gradient", "central") == ""
    assert "method must be one of" in method_error("gradient", "sideways")
    settings = SweepSettings(objects=("gradient",), methods=("central", "sideways"))
    assert [m for _, _, m in plan([BUILTIN_PROBLEMS["rosenbrock"]], settings)] == ["central"]


def test_call_over_budget_is_timed_once():
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.03)

    seconds, samples = _median_within(slow, SweepSettings(budget=0.01))
    assert len(calls) == 1 and samples == 1 and seconds >= 0.03


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
@pytest.mark.parametrize("peer", ["scipy", "numdifftools"])
def test_peer_uses_the_same_formula(peer, method):
    # For sum((x - 1)**2) a one-sided difference is off by exactly the step,
    # with its sign, and a central one is exact: the error shows the formula.
    def shifted_squares(x):
        return float(np.sum((x - 1.0) ** 2))

    x = np.array([1.5, 1.25])
    estimate = peer_derivative(peer, "gradient", method, shifted_squares, x)()
    error = np.asarray(estimate) - 2 * (x - 1.0)
    if method == "central":
        assert np.all(np.abs(error) < 1e-9)
    else:
        sign = 1.0 if method == "forward" else -1.0
        assert np.all(sign * error > 5e-9) and np.all(np.abs(error) < 1e-7)


def test_peer_without_the_method():
    assert peer_derivative("scipy", "gradient", "richardson", np.sum, np.ones(2)) is None


def _case(n, fastdiff, scipy, floor=1e-3):
    return CaseResult("p", "gradient", "backward", n, floor, {"fastdiff": fastdiff, "scipy": scipy})


def test_table_ratios_and_notes():
    skipped = "skipped from n=100: predicted 3 s > budget"
    results = [
        _case(10, ToolTiming(2e-3, 20, 5), ToolTiming(6e-3, 21, 5, difference=1e-9)),
        _case(100, ToolTiming(4e-3, 200, 5), ToolTiming(skipped=skipped)),
        _case(1000, ToolTiming(8e-3, 2000, 5), ToolTiming(skipped=skipped)),
        _case(
            2000, ToolTiming(skipped="error: ValueError: bad"), ToolTiming(skipped="no x method")
        ),
    ]
    lines = format_table(results, ("scipy",)).splitlines()
    assert lines[0] == "p: gradient, backward"
    rows = {int(line.split()[0]): line.split() for line in lines[3:7]}
    # n, evals, floor, fastdiff, xfloor (2 ms / 1 ms), scipy, scipy/fd (6 ms / 2 ms)
    assert rows[10] == ["10", "20", "1.00", "ms", "2.00", "ms", "2.00", "6.00", "ms", "3.00"]
    assert rows[100][-1] == "skip[1]" and rows[1000][-1] == "skip[1]"
    assert rows[2000][-2:] == ["error[2]", "n/a"]
    assert lines[-2] == f"[1] scipy, p gradient backward: {skipped}"
    assert lines[-1] == "[2] fastdiff, p gradient backward, n=2000: error: ValueError: bad"


def test_table_flags_a_disagreeing_peer():
    results = [_case(10, ToolTiming(1e-3, 20, 5), ToolTiming(2e-3, 21, 5, difference=0.5))]
    table = format_table(results, ("scipy",))
    assert "[1] 2.00" in table
    assert "result differs from fastdiff's by 5.0e-01 (relative)" in table


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_progress_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = Progress(2)
    progress("rosenbrock gradient central n=10")
    progress("rosenbrock gradient central n=100")
    progress.close()
    text = terminal.getvalue()
    assert "\r[1/2] rosenbrock gradient central n=10" in text
    assert "\r[2/2] rosenbrock gradient central n=100" in text
    assert text.endswith("\n")


def test_no_progress_when_not_a_terminal(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    progress = Progress(1)
    progress("case")
    progress.close()
    assert stream.getvalue() == ""


def test_engine_table_ratios():
    from fastdiff.bench.engine import format_engine_table
    from fastdiff.bench.timing import Timing

    row = {
        "serial": Timing("gradient", 100, "serial", 30e-6, 200, 20e-6),
        "parallel": Timing("gradient", 100, "parallel", 60e-6, 200, 20e-6),
        "scipy": Timing("gradient", 100, "scipy", 1.8e-3, 201, 20e-6),
    }
    line = format_engine_table([row]).splitlines()[2].split()
    # xfloor 1.5 and 3.0, speed-up 0.5, scipy/fd 60 (against the faster
    # serial call), scipy/floor 90.
    assert line[7] == "1.50" and line[10] == "3.00" and line[11] == "0.50"
    assert line[-2:] == ["60", "90"]


def _document(budget=0.5):
    return {
        "fastdiff": "9.9",
        "machine": {
            "cpu": "Test CPU 3000",
            "cores": 2,
            "threads": 2,
            "threading_layer": "omp",
            "python": "3.11.7",
            "numpy": "2.4.6",
            "numba": "0.68.1",
        },
        "settings": {"budget_seconds": budget},
        "peers": {"scipy": {"version": "1.17.1"}, "numdifftools": {"skipped": "not installed"}},
    }


def test_figure_caption_explains_the_floor_and_names_the_machine():
    caption = figure_caption(_document())
    floor, skips, machine = caption.splitlines()
    assert floor.startswith("floor = evaluations x one evaluation of f, timed in a compiled loop")
    assert "fastdiff drops below it when its threads share the evaluations" in floor
    assert "more than the 0.5 s budget" in skips
    assert machine == (
        "Test CPU 3000, 2 logical cores, 2 Numba threads (omp layer); fastdiff 9.9, "
        "numba 0.68.1, numpy 2.4.6, Python 3.11.7, scipy 1.17.1"
    )


def test_figure_marks_skipped_tools_and_carries_the_caption():
    fd = ToolTiming(seconds=1e-4, evaluations=20)
    results = [
        CaseResult("rosenbrock", "gradient", "central", 10, 1e-5, {"fastdiff": fd, "scipy": fd}),
        CaseResult(
            "rosenbrock",
            "gradient",
            "central",
            100,
            1e-4,
            {"fastdiff": fd, "scipy": ToolTiming(skipped="skipped from n=100: predicted 2 s")},
        ),
        CaseResult(
            "broyden",
            "jacobian",
            "forward",
            10,
            1e-5,
            {"fastdiff": fd, "scipy": ToolTiming(skipped="ValueError: bad")},
        ),
    ]
    caption = figure_caption(_document())
    figure = bench_figure(results, ("scipy",), caption)
    first, second = figure.axes
    assert first.get_title() == "rosenbrock: gradient (central)"
    assert second.get_title() == "broyden: jacobian (forward)"
    for ax in (first, second):
        assert ax.get_xlabel() == "dimension n" and ax.get_ylabel() == "seconds per call"
        assert ax.get_xscale() == ax.get_yscale() == "log"
    legend = [t.get_text() for t in first.get_legend().get_texts()]
    assert legend == [
        "floor (one thread)",
        "fastdiff",
        "scipy",
        "scipy skipped from n=100 (over budget)",
    ]
    mark = first.lines[-1]
    assert mark.get_xdata()[0] == 100 and mark.get_marker() == "x"
    assert mark.get_color() == first.lines[2].get_color()  # scipy's colour
    assert [t.get_text() for t in second.get_legend().get_texts()][-1] == (
        "scipy skipped from n=10 (error)"
    )
    assert [text.get_text() for text in figure.texts] == [caption]
