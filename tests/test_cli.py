"""The ``fastdiff`` command end to end, on tiny sizes."""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastdiff.cli import _demo, build_parser, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]

USER_MODULE = """
import numba
import numpy as np


@numba.njit
def exp_minus_x(x):
    return np.sum(np.exp(x) - x)


def make_problem(n):
    return exp_minus_x, np.linspace(-1.0, 1.0, n)
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module ``user_problems`` importable from the current directory."""
    (tmp_path / "user_problems.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "user_problems", raising=False)
    return tmp_path


def test_no_arguments_runs_the_demo():
    assert build_parser().parse_args([]).run is _demo


def test_bench_writes_table_json_and_png(tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["bench", "--problems", "rosenbrock", "--objects", "gradient", "--dims", "8,4"]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out

    assert "rosenbrock: gradient, central" in printed
    header = next(line for line in printed.splitlines() if line.lstrip().startswith("n "))
    for column in ("evals", "floor", "fastdiff", "xfloor", "scipy", "scipy/fd", "optim/fd"):
        assert column in header.split()
    rows = [line.split() for line in printed.splitlines() if line.split()[:1] in (["4"], ["8"])]
    # Dimensions in increasing order; central differences: 2n evaluations.
    assert [row[:2] for row in rows] == [["4", "8"], ["8", "16"]]

    document = json.loads((out / "results.json").read_text())
    assert document["settings"]["dims"] == [4, 8]
    cases = document["cases"]
    assert [(c["problem"], c["object"], c["method"], c["n"]) for c in cases] == [
        ("rosenbrock", "gradient", "central", 4),
        ("rosenbrock", "gradient", "central", 8),
    ]
    for case in cases:
        n = case["n"]
        assert case["floor_seconds"] > 0
        assert case["tools"]["fastdiff"]["seconds"] > 0
        assert case["tools"]["fastdiff"]["evaluations"] == 2 * n
        # scipy's 3-point gradient evaluates f(x) too: counted, 2n + 1.
        assert case["tools"]["scipy"]["evaluations"] == 2 * n + 1
        for peer in ("scipy", "numdifftools", "optimagic"):
            assert case["tools"][peer]["seconds"] > 0
            assert case["tools"][peer]["difference"] < 1e-6

    png = out / "cost_vs_n.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    import matplotlib.image

    image = matplotlib.image.imread(png)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_missing_matplotlib_and_peer_are_reported(tmp_path, capsys, monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    for name in ("matplotlib", "matplotlib.figure", "numdifftools"):
        monkeypatch.setitem(sys.modules, name, None)
    argv = ["bench", "--problems", "broyden", "--dims", "3", "--peers", "numdifftools"]
    assert main([*argv, "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "note: numdifftools skipped: not installed" in printed
    assert "PNG skipped: matplotlib is not installed" in printed
    assert "broyden: jacobian, central" in printed
    assert (tmp_path / "results.json").exists()
    assert not (tmp_path / "cost_vs_n.png").exists()
    document = json.loads((tmp_path / "results.json").read_text())
    assert "not installed" in document["peers"]["numdifftools"]["skipped"]


def test_user_factory_on_sys_path(tmp_path, capsys, monkeypatch):
    (tmp_path / "user_factory.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "user_factory", raising=False)
    argv = ["bench", "--function", "user_factory:make_problem", "--dims", "3,6", "--no-peers"]
    argv += ["--objects", "gradient,hessian", "--no-plot", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "user_factory:make_problem: gradient, central" in printed
    assert "user_factory:make_problem: hessian, central" in printed
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    # Built-in problems are left out when --function is given.
    assert document["settings"]["problems"] == ["user_factory:make_problem"]
    counts = {
        (c["object"], c["n"]): c["tools"]["fastdiff"]["evaluations"] for c in document["cases"]
    }
    # Central gradient 2n, central Hessian n**2 + n + 1 evaluations.
    assert counts == {
        ("gradient", 3): 6,
        ("gradient", 6): 12,
        ("hessian", 3): 13,
        ("hessian", 6): 43,
    }


def test_python_m_usage_error_exit_code():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "fastdiff", "bench", "--dims", "many"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: fastdiff bench")
    assert "--dims: expected positive integers, got 'many'" in done.stderr


def test_user_file_path_with_jitted_function(user_module, tmp_path, capsys):
    # A jitted NAME is f itself; a .py path works without the import system.
    (tmp_path / "direct.py").write_text(
        "import numba, numpy as np\n@numba.njit\ndef squares(x):\n    return x * x\n"
    )
    argv = ["bench", "--function", str(tmp_path / "direct.py") + ":squares", "--dims", "2"]
    assert main([*argv, "--no-peers", "--no-plot", "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "direct.py:squares: jacobian, central" in printed


def test_bad_function_is_a_one_line_error(user_module, capsys):
    # Every message of the loader is tested in test_bench.py; here, the exit.
    assert main(["bench", "--function", "user_problems:absent", "--dims", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "fastdiff bench: error: user_problems:absent: module 'user_problems' has no 'absent'\n"
    )
    assert captured.out == ""


def test_objects_that_match_no_problem(capsys, tmp_path):
    argv = ["bench", "--problems", "rosenbrock", "--objects", "jacobian", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "no problem matches --objects jacobian" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--dims", "ten"], r"--dims: expected positive integers, got 'ten'"),
        (["bench", "--dims", "10,0"], r"--dims: expected positive integers, got '0'"),
        (["bench", "--dims", ","], r"--dims: expected a comma-separated list"),
        (["bench", "--objects", "gradient,laplacian"], r"invalid choice 'laplacian' \(choose from"),
        (["bench", "--methods", "sideways"], r"--methods: method must be one of .*'sideways'"),
        (["bench", "--problems", "nope"], r"--problems: invalid choice 'nope'"),
        (["bench", "--peers", "jax"], r"--peers: invalid choice 'jax'"),
        (["bench", "--budget", "-1"], r"--budget: must be positive"),
        (["bench", "--parallel", "maybe"], r"--parallel: invalid choice: 'maybe'"),
        (["bench", "--frobnicate"], r"unrecognized arguments: --frobnicate"),
        (["frobnicate"], r"invalid choice: 'frobnicate'"),
    ],
)
def test_bad_flags_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: fastdiff")
    assert "Traceback" not in err
    assert re.search(message, err), err


def test_bench_help_documents_user_functions(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["bench", "--help"])
    assert raised.value.code == 0
    text = textwrap.dedent(capsys.readouterr().out)
    assert "NAME(n) returns (f, x0)" in text
    for name in ("rosenbrock", "trigonometric", "broyden"):
        assert name in text
