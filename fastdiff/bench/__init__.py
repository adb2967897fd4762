"""Benchmarking fastdiff: ``fastdiff bench``, ``fastdiff --engine`` and the scripts in ``benchmarks/``.

- :mod:`fastdiff.bench.problems`: the built-in problems (functions defined
  for every dimension);
- :mod:`fastdiff.bench.timing`: the floor (evaluations times the cost of one
  evaluation in a compiled loop) and median timings;
- :mod:`fastdiff.bench.engine`: fastdiff against its floor and scipy
  (``fastdiff --engine``, ``benchmarks/engine_table.py``);
- :mod:`fastdiff.bench.sweep` measures a sweep over dimensions (budgets,
  medians, evaluation counts);
- :mod:`fastdiff.bench.peers` calls scipy, numdifftools and optimagic;
- :mod:`fastdiff.bench.loading` loads a user's ``MODULE:NAME`` problem;
- :mod:`fastdiff.bench.report` formats the table, JSON and plot;
- :mod:`fastdiff.bench.progress` shows progress on the terminal.

The pytest-benchmark files and table scripts in ``benchmarks/`` import from
here.
"""
