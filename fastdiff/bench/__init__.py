"""``fastdiff bench``: derivative cost versus dimension, against the floor and peers.

- :mod:`fastdiff.bench.sweep` measures (budgets, medians, evaluation counts);
- :mod:`fastdiff.bench.peers` calls scipy, numdifftools and optimagic;
- :mod:`fastdiff.bench.loading` loads a user's ``MODULE:NAME`` problem;
- :mod:`fastdiff.bench.report` formats the table, JSON and plot;
- :mod:`fastdiff.bench.progress` shows progress on the terminal.

The built-in problems and the floor live in :mod:`fastdiff.benchmarking`.
"""
