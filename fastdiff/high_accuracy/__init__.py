"""Methods more accurate than one stencil: Richardson extrapolation and complex step.

* :mod:`~fastdiff.high_accuracy.richardson`: the extrapolation itself (weights,
  error estimates, the schedule and tolerances, the level loop for estimates
  from Python);
* :mod:`~fastdiff.high_accuracy.richardson_derivative`: ``method="richardson"``,
  central passes at shrinking steps fed to it, in one compiled call for a
  compiled ``f``;
* :mod:`~fastdiff.high_accuracy.complex_step`: ``method="complex"``.
* :mod:`~fastdiff.high_accuracy.complex_step_check`: one more evaluation
  that rejects a complex-step result ``f``'s complex arithmetic contradicts.

The compiled loops are kernels like the others: the complex step
(:mod:`fastdiff.kernels.complex_step`), the Richardson level loops
(:mod:`fastdiff.kernels.richardson`) and their combine step
(:mod:`fastdiff.kernels.extrapolation`).
"""
