"""Integer status codes shared by the kernels and the Python layer.

Kernels cannot carry strings or raise rich errors from parallel threads, so
each evaluation reports one of these small integers; the Python layer turns
them into messages.
"""

OK = 0
#: ``f`` raised an exception at the point.
RAISED = 1
#: ``f`` returned an array of the wrong length.
WRONG_SHAPE = 2
#: ``f`` returned NaN or an infinity.
NOT_FINITE = 3

MESSAGES = {
    OK: "ok",
    RAISED: "f raised an exception",
    WRONG_SHAPE: "f returned an array of the wrong length",
    NOT_FINITE: "f returned a non-finite value",
}
