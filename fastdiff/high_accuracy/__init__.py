"""Methods more accurate than one stencil: Richardson extrapolation and complex step.

* :mod:`~fastdiff.high_accuracy.richardson`: the extrapolation itself (weights,
  error estimates, adaptive refinement), pure numpy;
* :mod:`~fastdiff.high_accuracy.richardson_derivative`: ``method="richardson"``,
  central passes at shrinking steps fed to it;
* :mod:`~fastdiff.high_accuracy.complex_step`: ``method="complex"``.
* :mod:`~fastdiff.high_accuracy.complex_step_check`: one more evaluation
  that rejects a complex-step result ``f``'s complex arithmetic contradicts.

The compiled complex-step loops are kernels like the others
(:mod:`fastdiff.kernels.complex_step`).
"""
