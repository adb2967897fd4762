"""Implicit Euler on the stiff Robertson problem, Jacobians from fastdiff inside @njit.

Each time step solves y_new = y + dt * F(y_new) by Newton's method, which
needs the Jacobian of F at every iterate. The whole integrator is compiled;
it calls ``fastdiff.kernels.central_jacobian_into`` on the right-hand side
(into a Jacobian and a work buffer allocated once, before the time loop)
and, for comparison, the analytic Jacobian.

Run: python examples/implicit_euler_robertson.py
"""

import numpy as np
from numba import njit

from fastdiff.kernels import central_jacobian_into, jacobian_work_size


@njit(cache=True)
def robertson(y):
    """Robertson's chemical kinetics (stiff: rates from 0.04 to 3e7)."""
    out = np.empty(3)
    out[0] = -0.04 * y[0] + 1e4 * y[1] * y[2]
    out[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2
    out[2] = 3e7 * y[1] ** 2
    return out


@njit(cache=True)
def robertson_jacobian(y):
    return np.array(
        [
            [-0.04, 1e4 * y[2], 1e4 * y[1]],
            [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
            [0.0, 6e7 * y[1], 0.0],
        ]
    )


# Not cache=True: Numba cannot cache a function that passes a jitted function
# to another one's kernels (it would warn and compile anyway).
@njit
def implicit_euler(y0, dt, steps, finite_differences):
    """Integrate with fixed steps; Newton with the fastdiff or analytic Jacobian."""
    y = y0.copy()
    identity = np.eye(3)
    worst = 0.0  # largest relative Jacobian error met along the way
    # One Jacobian per Newton iteration: its buffers are made once, here.
    jac = np.empty((3, 3))
    work = np.empty(jacobian_work_size(3, 3))
    for _ in range(steps):
        z = y.copy()
        for _ in range(20):
            residual = z - y - dt * robertson(z)
            if finite_differences:
                central_jacobian_into(robertson, z, jac, work)
                exact = robertson_jacobian(z)
                scale = max(1.0, np.max(np.abs(exact)))
                worst = max(worst, np.max(np.abs(jac - exact)) / scale)
            else:
                jac = robertson_jacobian(z)
            delta = np.linalg.solve(identity - dt * jac, -residual)
            z += delta
            if np.max(np.abs(delta)) < 1e-12:
                break
        y = z
    return y, worst


def main(steps: int = 400, dt: float = 0.1) -> None:
    y0 = np.array([1.0, 0.0, 0.0])
    with_fastdiff, worst = implicit_euler(y0, dt, steps, True)
    analytic, _ = implicit_euler(y0, dt, steps, False)
    print(f"t = {steps * dt:g}")
    print(f"y with fastdiff Jacobians: {with_fastdiff}")
    print(f"y with analytic Jacobians: {analytic}")
    print(f"largest relative Jacobian error along the path: {worst:.2e}")
    difference = np.max(np.abs(with_fastdiff - analytic))
    print(f"difference in the solution: {difference:.2e}")
    if worst > 1e-6 or difference > 1e-10:
        raise SystemExit("fastdiff's Jacobians disagree with the analytic ones")


if __name__ == "__main__":
    main()
