"""What the first use of each path of fastdiff costs, with an empty and a filled kernel cache.

Each path runs in a fresh process, first with an empty cache folder
(``FASTDIFF_CACHE_DIR``; the kernels compile, as on the first use after
installation) and then again with the folder that run filled (the kernels
load from disk, as in every later process). Each cold run gets its own empty
folder, so a path's cold time includes every kernel it needs, not only those
no other path compiled first. Reported: the time to ``import fastdiff`` and
the time of the first call; ``f`` itself is compiled before the clock starts
(its own compilation is the user's cost, whatever differentiates it).

Paths: a gradient and a Hessian of a compiled ``f`` (n = 10, central, from
Python), a gradient of a plain Python ``f``, and a user's ``@njit`` function
calling ``fastdiff.kernels.central_gradient`` (its compilation included:
kernels compiled for a jitted argument are not cached, so that path costs the
same in every process).

Run: python benchmarks/first_use.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

SETUP = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    import fastdiff
    imported = time.perf_counter() - start
    import numpy as np, numba
    from fastdiff.kernels import central_gradient
    x = np.linspace(0.1, 1.0, 10)

    @numba.njit
    def f(x):
        return np.sum(np.sin(x) * x)

    def python_f(x):
        return float(np.sum(np.sin(x) * x))

    def user_code(x):
        @numba.njit
        def newton_direction(x):
            return central_gradient(f, x)
        return newton_direction(x)

    f(x)
    """
)

PATHS = {
    "gradient (compiled f)": "fastdiff.gradient(f, x)",
    "Hessian (compiled f)": "fastdiff.hessian(f, x)",
    "gradient (Python f)": "fastdiff.gradient(python_f, x)",
    "user @njit code calling central_gradient": "user_code(x)",
}


def run_once(call: str, cache_dir: str) -> tuple[float, float, int]:
    """Seconds to import, seconds of the first call, and how many notice lines were printed."""
    script = SETUP + textwrap.dedent(
        f"""
        start = time.perf_counter()
        {call}
        print(imported, time.perf_counter() - start)
        """
    )
    env = dict(os.environ, FASTDIFF_CACHE_DIR=cache_dir)
    env.pop("FASTDIFF_QUIET", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    imported, first = map(float, done.stdout.split())
    return imported, first, done.stderr.count("compiling fastdiff kernels")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="cold and warm runs per path")
    args = parser.parse_args(argv)
    print(f"{'path':<42} {'import':>7} {'cold':>8} {'warm':>8}  notice lines (cold, warm)")
    for label, call in PATHS.items():
        cold, warm, imports, notices = [], [], [], []
        for _ in range(args.repeats):
            folder = tempfile.mkdtemp(prefix="fastdiff-first-use-")
            try:
                imported, seconds, cold_notice = run_once(call, folder)
                cold.append(seconds)
                _, seconds, warm_notice = run_once(call, folder)
                warm.append(seconds)
                imports.append(imported)
                notices.append((cold_notice, warm_notice))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        print(
            f"{label:<42} {min(imports):>6.2f}s {min(cold):>7.2f}s {min(warm):>7.3f}s  {notices[0]}"
        )


if __name__ == "__main__":
    main()
