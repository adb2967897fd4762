"""Test problems with stored exact derivatives, for measuring accuracy.

:mod:`fastdiff.testing.mgh` holds the More-Garbow-Hillstrom problems;
:func:`load_references` returns their gradients and Hessians at fixed points,
derived symbolically (with sympy, by ``benchmarks/mgh_references.py``) and
evaluated in 40-digit arithmetic, so that any method can be checked against
values that do not come from fastdiff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from fastdiff.testing.mgh import PROBLEMS, PROBLEMS_BY_NAME, Problem

REFERENCE_FILE = Path(__file__).with_name("mgh_reference.json")


class Reference(NamedTuple):
    """Exact derivatives of one problem at one point.

    Attributes
    ----------
    problem : Problem
    point : {"x0", "10x0", "near x0"}
        Which of the three points: the standard start, ten times it, or a
        random point near it (fixed seed).
    x : ndarray, shape (n,)
    value : float
        ``f(x)``.
    gradient : ndarray, shape (n,)
    hessian : ndarray, shape (n, n)
    """

    problem: Problem
    point: str
    x: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray


def load_references(path: str | Path = REFERENCE_FILE) -> list[Reference]:
    """The stored reference derivatives, in the order of ``PROBLEMS``.

    Returns
    -------
    list of Reference
        Three per problem.
    """
    records = json.loads(Path(path).read_text())["references"]
    return [
        Reference(
            PROBLEMS_BY_NAME[r["problem"]],
            r["point"],
            np.array(r["x"], dtype=np.float64),
            float(r["value"]),
            np.array(r["gradient"], dtype=np.float64),
            np.array(r["hessian"], dtype=np.float64).reshape(len(r["x"]), len(r["x"])),
        )
        for r in records
    ]


def scaled_error(estimate, reference) -> float:
    """``max|estimate - reference| / max(1, max|reference|)``: the accuracy measure."""
    estimate = np.asarray(estimate, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    return float(np.max(np.abs(estimate - reference)) / max(1.0, np.max(np.abs(reference))))


__all__ = [
    "PROBLEMS",
    "PROBLEMS_BY_NAME",
    "REFERENCE_FILE",
    "Problem",
    "Reference",
    "load_references",
    "scaled_error",
]
