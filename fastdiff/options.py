"""The options of a derivative, validated once into a frozen object.

:func:`derivative_options` is the one place where ``method``, the steps,
``bounds``, ``full_output``, ``parallel`` and the evaluation options
(``vectorized``, ``workers``, ``executor``, ``progress``, ``evaluator``,
``timeout``) are checked, with the extra arguments of ``f`` (``args``,
``kwargs``) and the tolerances of ``method="richardson"`` (``rtol``,
``atol``, ``max_levels``); dense and sparse derivatives, the optimizers and the bridges all
build their :class:`DerivativeOptions` with it, so an option means the same
and fails with the same message everywhere. ``method`` is resolved here into
a :class:`~fastdiff.stencils.Method`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fastdiff.arguments import as_extra_arguments
from fastdiff.auto_steps import split_auto_step
from fastdiff.evaluate import Evaluator, sharing_workers
from fastdiff.stencils import METHODS, Method, resolve_method
from fastdiff.validation import (
    as_step,
    check_count,
    check_flag,
    check_parallel,
    check_tolerance,
)


@dataclass(frozen=True, eq=False)
class DerivativeOptions:
    """Checked options of a derivative.

    Attributes
    ----------
    method : Method
        The resolved ``method=``.
    step : float or ndarray or None
        Absolute step (``step`` or ``abs_step``); None for the default rule.
    step_name : str
        The name the user gave it (for messages about its length).
    auto_steps : bool
        ``step="auto"``: steps chosen from ``f`` at the first point
        (:class:`fastdiff.auto_steps.StepChooser`); ``step`` is then None.
    rel_step : float or ndarray or None
        Relative step.
    bounds : object or None
        The user's bounds, their form checked; their lengths are checked
        against ``x`` at each call (:func:`fastdiff.bounds.as_bounds`).
    full_output : bool
    parallel : bool or None
    evaluator : Evaluator or None
        The evaluator the evaluation options ask for; None when none does
        (then a compiled ``f`` runs in the kernels and any other ``f`` gets
        a serial :class:`~fastdiff.Evaluator`).
    args : tuple
        Extra positional arguments of ``f`` after ``x`` (not differentiated).
    kwargs : dict
        Keyword arguments of ``f``.
    rtol, atol : float or None
        ``method="richardson"``: the tolerances each entry's error estimate
        must meet (None: the default).
    max_levels : int or None
        ``method="richardson"``: the most levels per entry (None: the default).
    """

    method: Method
    step: float | np.ndarray | None = None
    step_name: str = "step"
    auto_steps: bool = False
    rel_step: float | np.ndarray | None = None
    bounds: object = None
    full_output: bool = False
    parallel: bool | None = None
    evaluator: Evaluator | None = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    rtol: float | None = None
    atol: float | None = None
    max_levels: int | None = None

    @property
    def has_arguments(self) -> bool:
        """Whether ``f`` is given extra arguments (``args`` or ``kwargs``)."""
        return bool(self.args or self.kwargs)

    @property
    def default_steps(self) -> bool:
        """Whether neither ``step`` (nor ``"auto"``) nor ``rel_step`` was given."""
        return self.step is None and self.rel_step is None and not self.auto_steps


def derivative_options(
    *,
    method: str = "central",
    step=None,
    abs_step=None,
    rel_step=None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    args: tuple = (),
    kwargs: dict | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
    methods: tuple[str, ...] = METHODS,
    auto_steps_allowed: bool = False,
) -> DerivativeOptions:
    """Check the options of a derivative and return them as :class:`DerivativeOptions`.

    Parameters
    ----------
    method, step, abs_step, rel_step, bounds, full_output, parallel
        As for :func:`fastdiff.gradient` (``abs_step`` is ``step`` under
        scipy's name).
    vectorized, workers, executor, progress, evaluator, timeout
        How a Python ``f`` is evaluated (:func:`choose_evaluator`).
    args, kwargs
        Extra arguments of ``f``: ``f(x, *args, **kwargs)``
        (:func:`fastdiff.arguments.as_extra_arguments`).
    rtol, atol, max_levels
        The tolerances of ``method="richardson"`` (:func:`check_extrapolation`).
    methods : tuple of str
        The ``method`` names this derivative accepts.
    auto_steps_allowed : bool
        Whether this derivative takes ``step="auto"`` (the dense prepared
        derivatives do); elsewhere a string step is a ``TypeError``.

    Raises
    ------
    TypeError, ValueError
        Naming the option and what was expected.
    """
    resolved = resolve_method(method, methods)
    rtol, atol, max_levels = check_extrapolation(resolved, rtol, atol, max_levels)
    args, kwargs = as_extra_arguments(args, kwargs)
    if step is not None and abs_step is not None:
        raise ValueError("give step or abs_step (the same option), not both")
    auto_steps = False
    if auto_steps_allowed:
        step, auto_steps = split_auto_step(step)
        if auto_steps:
            check_auto_steps(resolved, bounds, rel_step)
    given = abs_step if abs_step is not None else step
    if given is not None and rel_step is not None:
        raise ValueError("give abs_step (step) or rel_step, not both")
    step_name = "abs_step" if step is None else "step"
    checked_step = as_step(given, step_name)
    checked_rel_step = as_step(rel_step, "rel_step")
    if bounds is not None:
        check_bounds_form(bounds)  # the form now; lengths when x is known
        if not (resolved.is_stencil or resolved.extrapolated):
            raise ValueError(
                f"bounds are not supported with method={resolved.name!r}; use 'central', "
                "'forward', 'backward' or 'richardson'"
            )
    return DerivativeOptions(
        method=resolved,
        step=checked_step,
        step_name=step_name,
        auto_steps=auto_steps,
        rel_step=checked_rel_step,
        bounds=bounds,
        full_output=check_flag(full_output, "full_output"),
        parallel=check_parallel(parallel),
        evaluator=choose_evaluator(vectorized, workers, executor, progress, evaluator, timeout),
        args=args,
        kwargs=kwargs,
        rtol=rtol,
        atol=atol,
        max_levels=max_levels,
    )


def check_extrapolation(method: Method, rtol, atol, max_levels):
    """``(rtol, atol, max_levels)`` checked: numbers ``>= 0`` and an integer ``>= 2``.

    None stays None (the default). They apply to ``method="richardson"``
    only: given with another method, a ``ValueError`` names the option.
    """
    given = [
        name
        for name, value in (("rtol", rtol), ("atol", atol), ("max_levels", max_levels))
        if value is not None
    ]
    if given and not method.extrapolated:
        raise ValueError(
            f"{given[0]} applies to method='richardson' only (the tolerance of its error "
            f"estimate); got method={method.name!r}"
        )
    return (
        None if rtol is None else check_tolerance(rtol, "rtol"),
        None if atol is None else check_tolerance(atol, "atol"),
        None if max_levels is None else check_count(max_levels, "max_levels", 2),
    )


def check_auto_steps(method: Method, bounds, rel_step) -> None:
    """Raise ``ValueError`` where ``step="auto"`` does not apply."""
    if not (method.is_stencil or method.extrapolated):
        raise ValueError(
            "step='auto' works with method 'central', 'forward', 'backward' or 'richardson'; "
            f"got {method.name!r}"
        )
    if bounds is not None:
        raise ValueError(
            "step='auto' is not supported with bounds (its probes could leave the box)"
        )
    if rel_step is not None:
        raise ValueError("give abs_step (step) or rel_step, not both")


def check_bounds_form(bounds) -> None:
    """Raise ``TypeError`` unless ``bounds`` is ``(lb, ub)`` or a ``scipy.optimize.Bounds``."""
    if hasattr(bounds, "lb"):
        return
    try:
        bounds[0]
    except (TypeError, IndexError, KeyError):
        raise TypeError(
            f"bounds must be (lb, ub) or a scipy.optimize.Bounds; got {type(bounds).__name__}"
        ) from None


def choose_evaluator(
    vectorized, workers, executor, progress, evaluator, timeout=None
) -> Evaluator | None:
    """The evaluator the options ask for, or None when none does.

    ``timeout`` (seconds one evaluation may take) needs ``workers``; it is
    checked by :class:`~fastdiff.Evaluator`.
    """
    if evaluator is not None:
        if not isinstance(evaluator, Evaluator):
            raise TypeError(
                f"evaluator must be a fastdiff.Evaluator; got {type(evaluator).__name__}"
            )
        if (
            vectorized
            or workers is not None
            or executor is not None
            or progress
            or timeout is not None
        ):
            raise ValueError(
                "give evaluator alone, or vectorized/workers/executor/progress/timeout, not both"
            )
        return evaluator
    if not (vectorized or workers is not None or executor is not None or progress):
        if timeout is not None:
            Evaluator(timeout=timeout)  # raises: timeout needs workers
        return None
    if workers is not None and executor is None:
        # Validates like Evaluator does, then shares one pool per size.
        Evaluator(vectorized=vectorized, workers=workers, progress=progress, timeout=timeout)
        return sharing_workers(workers, vectorized=vectorized, progress=progress, timeout=timeout)
    return Evaluator(
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        timeout=timeout,
    )
