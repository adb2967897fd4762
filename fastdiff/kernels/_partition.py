"""Splitting work into contiguous chunks, one per thread."""

from numba import njit


@njit(cache=True, inline="always")
def chunk_count(total, threads):
    """Number of chunks for ``total`` items on ``threads`` threads (>= 1).

    The thread count is an argument, not ``numba.get_num_threads()``: a
    kernel that calls that cannot be cached on disk.
    """
    return max(1, min(threads, total))


@njit(cache=True, inline="always")
def chunk_bounds(total, chunks, c):
    """Half-open range ``[lo, hi)`` of chunk ``c`` of ``chunks`` equal parts."""
    return (c * total) // chunks, ((c + 1) * total) // chunks
