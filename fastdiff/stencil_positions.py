"""Positions of the Hessian stencil's arrays in the tuple the kernels take.

:func:`fastdiff.stencils.hessian_arrays` builds the tuple; the kernels
index it with these names (Numba reads module constants as literals, so
``stencil[PAIR_OFFSETS]`` is a static index). A module of its own, without
imports: the kernels' cache stamp depends on nothing else here.
"""

(
    AXIS_OFFSETS,
    DIAGONAL_AXIS_WEIGHTS,
    OFFDIAGONAL_AXIS_WEIGHTS,
    PAIR_OFFSETS,
    PAIR_WEIGHTS,
    CENTER_WEIGHTS,
) = range(6)
