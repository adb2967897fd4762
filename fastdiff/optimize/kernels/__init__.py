"""Compiled parts of the optimizers: the iteration, the directions, the loops.

No validation and no Python objects here; the optimizers of
:mod:`fastdiff.optimize` check their inputs and build the settings.
"""
