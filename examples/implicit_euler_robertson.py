"""Implicit Euler on a forced Robertson problem, Jacobians from fastdiff inside @njit.

Robertson's stiff kinetics with rate constants ``rates`` and a first rate
forced in time, ``k0(t) = rates[0] (1 + amplitude sin t)``. Each step solves

    F(y, t, h, y_prev, rates, amplitude) = y - y_prev - h g(t, y) = 0

for ``y`` by Newton's method, which needs the Jacobian of F in ``y`` at every
iterate. F depends on the step's time, step size, previous state and the
parameters: they reach it as extra arguments, a tuple passed natively by
``fastdiff.kernels.central_jacobian_into`` (no closure: Numba cannot close
over run-time values). The Jacobian and a work buffer are allocated once,
before the time loop. For comparison the same integrator runs with the
analytic Jacobian.

The integrator is ``cache=True``: it receives the address of F's compiled
code (``fastdiff.native_function``), not F itself, so Numba caches it and
fastdiff's kernels, and a second run loads them instead of compiling
(the script prints how long its first call took).

Run: python examples/implicit_euler_robertson.py [--steps 400] [--step-size 0.1]
"""

import argparse
import os
import time

import numpy as np
from numba import njit

from fastdiff import native_function
from fastdiff.kernels import central_jacobian_into, jacobian_work_size

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"


@njit(cache=True)
def robertson(t, y, rates, amplitude):
    """Robertson's chemical kinetics (stiff: rates from 0.04 to 3e7), first rate forced."""
    k0 = rates[0] * (1.0 + amplitude * np.sin(t))
    out = np.empty(3)
    out[0] = -k0 * y[0] + rates[2] * y[1] * y[2]
    out[1] = k0 * y[0] - rates[2] * y[1] * y[2] - rates[1] * y[1] ** 2
    out[2] = rates[1] * y[1] ** 2
    return out


@njit(cache=True)
def euler_residual(y, t, h, y_previous, rates, amplitude):
    """F(y) of one implicit Euler step to time t: differentiated in y only."""
    return y - y_previous - h * robertson(t, y, rates, amplitude)


@njit(cache=True)
def euler_residual_jacobian(y, t, h, rates, amplitude):
    """dF/dy = I - h dg/dy, by hand."""
    k0 = rates[0] * (1.0 + amplitude * np.sin(t))
    k1, k2 = rates[1], rates[2]
    g = np.array(
        [
            [-k0, k2 * y[2], k2 * y[1]],
            [k0, -k2 * y[2] - 2.0 * k1 * y[1], -k2 * y[1]],
            [0.0, 2.0 * k1 * y[1], 0.0],
        ]
    )
    return np.eye(3) - h * g


# cache=True works because F arrives as the address of its code (an integer):
# Numba cannot cache a function that passes a jitted function to a kernel.
@njit(cache=True)
def implicit_euler(residual_address, y0, h, steps, rates, amplitude, finite_differences):
    """Integrate with fixed steps; Newton with the fastdiff or the analytic Jacobian."""
    y = y0.copy()
    worst = 0.0  # largest relative Jacobian error met along the way
    # One Jacobian per Newton iteration: its buffers are made once, here.
    jac = np.empty((3, 3))
    work = np.empty(jacobian_work_size(3, 3))
    t = 0.0
    for _ in range(steps):
        t += h
        z = y.copy()
        # What F takes after y: the same tuple for every Newton iterate.
        arguments = (t, h, y, rates, amplitude)
        for _ in range(20):
            residual = euler_residual(z, *arguments)
            exact = euler_residual_jacobian(z, t, h, rates, amplitude)
            if finite_differences:
                central_jacobian_into(residual_address, z, jac, work, arguments)
                scale = max(1.0, np.max(np.abs(exact)))
                worst = max(worst, np.max(np.abs(jac - exact)) / scale)
            else:
                jac[:] = exact
            delta = np.linalg.solve(jac, -residual)
            z += delta
            if np.max(np.abs(delta)) < 1e-12:
                break
        y = z
    return y, worst


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100 if QUICK else 400)
    parser.add_argument("--step-size", type=float, default=0.1)
    options = parser.parse_args(argv)
    steps, h = options.steps, options.step_size
    rates = np.array([0.04, 3e7, 1e4])
    amplitude = 0.5
    y0 = np.array([1.0, 0.0, 0.0])
    # Example arguments of F after y: their types are what F is compiled for.
    residual = native_function(euler_residual, (0.0, h, y0, rates, amplitude))
    started = time.perf_counter()
    with_fastdiff, worst = implicit_euler(residual.address, y0, h, steps, rates, amplitude, True)
    first_call = time.perf_counter() - started
    analytic, _ = implicit_euler(residual.address, y0, h, steps, rates, amplitude, False)
    print(f"t = {steps * h:g}, forcing amplitude {amplitude}")
    print(f"first call (compiles, or loads from the disk cache): {first_call:.2f} s")
    print(f"y with fastdiff Jacobians: {with_fastdiff}")
    print(f"y with analytic Jacobians: {analytic}")
    print(f"largest relative Jacobian error along the path: {worst:.2e}")
    difference = np.max(np.abs(with_fastdiff - analytic))
    print(f"difference in the solution: {difference:.2e}")
    if worst > 1e-6 or difference > 1e-10:
        raise SystemExit("fastdiff's Jacobians disagree with the analytic ones")


if __name__ == "__main__":
    main()
