"""The difference-table noise estimator (ECnoise of More and Wild), compiled.

Given values ``f(x + t_j p)`` at ``m + 1`` equally spaced points ``t_j`` on
a line, the k-th differences of a smooth ``f`` shrink like ``spacing**k``,
while those of independent noise of standard deviation ``sigma`` grow like
``sqrt(binom(2k, k)) * sigma``. Scaled by ``gamma_k = (k!)**2 / (2k)!``,
the root mean square of the k-th differences is therefore ``sigma`` at
every level where noise dominates. The estimate is taken at the first level
``k`` where three consecutive scaled levels agree within a factor of 4 and
the k-th differences change sign (noise, not a smooth trend).

Statuses (also :mod:`fastdiff.noise`'s):

* ``NOISE_DETECTED``: the estimate is valid.
* ``SPACING_TOO_SMALL``: at least half of the first differences are exactly
  zero (``f`` does not resolve the spacing): increase it.
* ``SPACING_TOO_LARGE``: no level passes the tests (a smooth trend is still
  visible in the highest differences): decrease it.
* ``CONSTANT``: all values are equal.
* ``NOT_FINITE``: a value is NaN or infinite.

Reference: J. J. More and S. M. Wild, "Estimating computational noise",
SIAM J. Sci. Comput. 33 (2011) 1292-1314. Their first test, that the values
vary by less than 10% over the line, is left out: it rejects every function
that crosses zero near ``x`` (residuals of a fit), and the level tests catch
a spacing that is too large anyway.
"""

import math

import numpy as np
from numba import njit

NOISE_DETECTED = 0
SPACING_TOO_SMALL = 1
SPACING_TOO_LARGE = 2
CONSTANT = 3
NOT_FINITE = 4

#: Three consecutive levels agree when the largest is at most this many
#: times the smallest.
LEVELS_AGREE = 4.0


@njit(cache=True, error_model="numpy")
def difference_table_noise(values):
    """Noise level of equally spaced values of ``f``: ``(sigma, status)``.

    Parameters
    ----------
    values : ndarray, shape (m + 1,)
        ``f`` at ``m + 1`` equally spaced points on a line (``m >= 4``).

    Returns
    -------
    sigma : float
        Estimated standard deviation of the noise; 0.0 unless ``status`` is
        ``NOISE_DETECTED``.
    status : int
        See the module notes.
    """
    count = values.shape[0]
    for j in range(count):
        if not math.isfinite(values[j]):
            return 0.0, NOT_FINITE
    constant = True
    for j in range(1, count):
        if values[j] != values[0]:
            constant = False
    if constant:
        return 0.0, CONSTANT
    table = values.copy()
    levels = np.empty(count - 1)
    sign_change = np.zeros(count - 1, dtype=np.bool_)
    gamma = 1.0
    for k in range(1, count):
        length = count - k
        for i in range(length):
            table[i] = table[i + 1] - table[i]
        if k == 1:
            zeros = 0
            for i in range(length):
                if table[i] == 0.0:
                    zeros += 1
            if 2 * zeros >= count:
                return 0.0, SPACING_TOO_SMALL
        gamma *= 0.5 * k / (2.0 * k - 1.0)
        total = 0.0
        low = table[0]
        high = table[0]
        for i in range(length):
            total += table[i] * table[i]
            low = min(low, table[i])
            high = max(high, table[i])
        levels[k - 1] = math.sqrt(gamma * total / length)
        sign_change[k - 1] = low * high < 0.0
    for k in range(count - 3):
        low = min(levels[k], min(levels[k + 1], levels[k + 2]))
        high = max(levels[k], max(levels[k + 1], levels[k + 2]))
        if sign_change[k] and high <= LEVELS_AGREE * low:
            return levels[k], NOISE_DETECTED
    return 0.0, SPACING_TOO_LARGE
