"""Sparsity patterns: canonical CSR, symmetric patterns, their index arrays and ``check=True``."""

from __future__ import annotations

import numpy as np
import scipy.sparse

#: ``check=True`` reports dense entries outside the pattern larger than this
#: fraction of the largest dense entry (at least 1): finite-difference noise
#: of an entry that is truly zero stays far below it.
CHECK_RELATIVE_TOLERANCE = 1e-6


def as_pattern(sparsity, name: str = "sparsity") -> scipy.sparse.csr_matrix:
    """``sparsity`` as a canonical CSR matrix with int64 indices and no stored zeros."""
    if scipy.sparse.issparse(sparsity):
        if sparsity.ndim != 2:
            raise ValueError(f"{name} must be 2-D; got shape {sparsity.shape}")
        if sparsity.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real or boolean values; got dtype {sparsity.dtype}")
        matrix = scipy.sparse.csr_matrix(sparsity, copy=True)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
    else:
        if isinstance(sparsity, (np.ndarray, list, tuple)):
            array = np.asarray(sparsity)
        else:
            raise TypeError(
                f"{name} must be a scipy.sparse matrix or a boolean array of shape (m, n); "
                f"got {type(sparsity).__name__}"
            )
        if array.dtype.kind in "iu" and np.all((array == 0) | (array == 1)):
            array = array != 0  # 0/1 patterns, as scipy's own examples write them
        if array.dtype != np.bool_:
            raise TypeError(
                f"{name} must be a scipy.sparse matrix or a boolean array of shape (m, n); "
                f"got an array of dtype {array.dtype} (0/1 integers are accepted too; pass "
                f"`{name} != 0` to mark the nonzeros)"
            )
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D, shape (m, n); got shape {array.shape}")
        matrix = scipy.sparse.csr_matrix(array)
    if 0 in matrix.shape:
        raise ValueError(f"{name} must have at least one row and one column; got {matrix.shape}")
    indices = matrix.indices.astype(np.int64)
    indptr = matrix.indptr.astype(np.int64)
    pattern = scipy.sparse.csr_matrix(
        (np.ones(indices.shape[0], dtype=np.bool_), indices, indptr), shape=matrix.shape
    )
    # scipy may pick int32 for small matrices: the kernels take int64 only.
    pattern.indices, pattern.indptr = indices, indptr
    for array in (pattern.indices, pattern.indptr, pattern.data):
        array.flags.writeable = False
    return pattern


def symmetric_pattern(sparsity, name: str = "sparsity") -> scipy.sparse.csr_matrix:
    """A square, symmetric pattern, with the diagonal added."""
    pattern = as_pattern(sparsity, name)
    m, n = pattern.shape
    if m != n:
        raise ValueError(f"{name} must be square for a Hessian; got shape {pattern.shape}")
    asymmetric = pattern.astype(np.int8) - pattern.T.astype(np.int8)
    asymmetric.eliminate_zeros()
    if asymmetric.nnz:
        coo = asymmetric.tocoo()
        k = int(np.argmax(coo.data))
        i, j = int(coo.row[k]), int(coo.col[k])
        raise ValueError(
            f"{name} must be symmetric for a Hessian; entry ({i}, {j}) is in the pattern but "
            f"({j}, {i}) is not"
        )
    with_diagonal = pattern.astype(np.bool_) + scipy.sparse.eye(n, dtype=np.bool_, format="csr")
    return as_pattern(with_diagonal, name)


def transpose_positions(pattern: scipy.sparse.csr_matrix) -> np.ndarray:
    """CSR position of ``(j, i)`` for each position of ``(i, j)`` of a symmetric pattern."""
    nnz = pattern.indices.shape[0]
    positions = scipy.sparse.csr_matrix(
        (np.arange(nnz, dtype=np.int64), pattern.indices, pattern.indptr), shape=pattern.shape
    )
    transposed = positions.T.tocsr()
    transposed.sort_indices()
    return np.ascontiguousarray(transposed.data, dtype=np.int64)


class PatternOutput:
    """The index arrays of the result, in the integer type scipy settles on.

    scipy scans int64 index arrays and converts them to int32 when they fit;
    converting once here leaves a plain copy per call.
    """

    def __init__(self, pattern: scipy.sparse.csr_matrix):
        index_type = np.int32 if max(*pattern.shape, pattern.nnz) < 2**31 else np.int64
        self.indices = pattern.indices.astype(index_type)
        self.indptr = pattern.indptr.astype(index_type)
        self.shape = pattern.shape

    def matrix(self, data: np.ndarray) -> scipy.sparse.csr_matrix:
        """A new CSR matrix of the pattern holding ``data`` (index arrays copied)."""
        result = scipy.sparse.csr_matrix(
            (data, self.indices.copy(), self.indptr.copy()), shape=self.shape
        )
        result.has_sorted_indices = True
        return result


class PatternPairs:
    """Off-diagonal pairs ``i < j`` of a symmetric pattern and their CSR positions."""

    def __init__(self, pattern: scipy.sparse.csr_matrix, transpose: np.ndarray):
        n = pattern.shape[0]
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(pattern.indptr))
        upper = pattern.indices > rows
        self.rows = np.ascontiguousarray(rows[upper])
        self.columns = np.ascontiguousarray(pattern.indices[upper])
        self.positions = np.ascontiguousarray(
            np.stack([np.flatnonzero(upper), transpose[upper]], axis=1), dtype=np.int64
        )
        self.diagonal = np.flatnonzero(pattern.indices == rows).astype(np.int64)
        self.count = self.rows.shape[0]


def check_pattern(dense: np.ndarray, pattern: scipy.sparse.csr_matrix, what: str) -> None:
    """Raise if ``dense`` has an entry outside ``pattern`` above the noise level."""
    outside = np.abs(dense)
    rows, columns = pattern.nonzero()
    outside[rows, columns] = 0.0
    tolerance = CHECK_RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(dense))))
    missed = np.argwhere(outside > tolerance)
    if missed.size:
        r, c = np.unravel_index(int(np.argmax(outside)), outside.shape)
        raise ValueError(
            f"sparsity misses {missed.shape[0]} nonzero entr{'y' if missed.shape[0] == 1 else 'ies'} "
            f"of the dense {what}; the largest is ({r}, {c}) = {dense[r, c]:.6g}"
        )
