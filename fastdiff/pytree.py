"""Flexible parameters: nested containers of numbers and arrays as one flat vector.

The engine differentiates functions of a 1-D float64 array. Many models are
written in terms of named parameters instead: ``{"slope": 1.0, "offsets":
np.zeros(3)}``, lists of arrays, tuples of dicts. This module turns such a
*pytree* into a flat vector and back, in plain Python, so that the kernels
stay on flat arrays.

A pytree is

- a leaf: a real number (``int``, ``float``, NumPy real scalar) or a real
  NumPy array of any shape;
- or a container of pytrees: ``dict`` (in insertion order), ``list``,
  ``tuple`` or named tuple.

The flat vector holds the leaves in depth-first order, each array in C
order. Gradients are returned with the structure of the parameters; a
Jacobian of ``m`` outputs with respect to the parameters is returned as the
same structure with an extra leading axis of length ``m`` on every leaf
(number leaves become arrays of shape ``(m,)``), as JAX's ``jacrev`` does;
a Hessian as a tree of trees, block ``[i][j]`` of shape ``leaf_i.shape +
leaf_j.shape``, as JAX's ``hessian`` does (:func:`blocks`).

``fastdiff.gradient``, ``jacobian``, ``hessian``, ``value_and_grad`` and
their prepared forms take a parameter tree ``x`` directly
(:func:`is_parameter_tree` says which ``x`` is one) and use this module.

Examples
--------
>>> import numpy as np
>>> from fastdiff import pytree
>>> flat, layout = pytree.flatten({"a": 1.0, "b": np.array([2.0, 3.0])})
>>> flat
array([1., 2., 3.])
>>> layout(flat * 10)
{'a': 10.0, 'b': array([20., 30.])}
>>> layout.paths
("['a']", "['b'][0]", "['b'][1]")
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Layout",
    "blocks",
    "flatten",
    "flat_function",
    "is_flat_vector",
    "is_parameter_tree",
]


@dataclass(frozen=True)
class _Leaf:
    """A number (``shape is None``) or an array of ``shape``, at ``start`` in the flat vector."""

    start: int
    shape: tuple[int, ...] | None

    @property
    def size(self) -> int:
        return 1 if self.shape is None else int(np.prod(self.shape, dtype=np.int64))


@dataclass(frozen=True)
class _Node:
    """A container: its type, its keys (dicts) and its children, in flat order."""

    kind: type
    keys: tuple | None
    children: tuple


class Layout:
    """Where each leaf of a pytree sits in the flat vector; calling it unflattens.

    Built by :func:`flatten`; not constructed directly.

    Attributes
    ----------
    size : int
        Length of the flat vector.
    paths : tuple of str
        One name per flat entry, such as ``"['b'][1]"`` or ``"[0]['w'][2, 1]"``,
        for messages.
    """

    def __init__(self, tree: _Node | _Leaf, size: int, paths: tuple[str, ...]):
        self._tree = tree
        self.size = size
        self.paths = paths

    def __call__(self, flat: ArrayLike):
        """The pytree holding the values of ``flat``.

        Parameters
        ----------
        flat : array_like, shape (size,)

        Returns
        -------
        pytree
            The structure of the flattened parameters; numbers as ``float``,
            arrays as new float64 arrays (never views of ``flat``).
        """
        flat = self._checked(flat, "flat", (self.size,))
        return _build(self._tree, lambda leaf: _leaf_value(flat, leaf))

    def unflatten_jacobian(self, matrix: ArrayLike):
        """Columns of an ``(m, size)`` matrix grouped by leaf.

        Parameters
        ----------
        matrix : array_like, shape (m, size)
            ``matrix[r, k]`` is the derivative of output ``r`` with respect
            to flat entry ``k``.

        Returns
        -------
        pytree
            The structure of the parameters, each leaf of shape ``s`` replaced
            by an array of shape ``(m, *s)`` (``(m,)`` for a number).
        """
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.size:
            raise ValueError(
                f"matrix must have shape (m, {self.size}) (one column per parameter); "
                f"got shape {matrix.shape}"
            )
        m = matrix.shape[0]

        def columns(leaf: _Leaf) -> np.ndarray:
            block = matrix[:, leaf.start : leaf.start + leaf.size]
            return np.array(block).reshape((m,) + (leaf.shape or ()))

        return _build(self._tree, columns)

    def unflatten_hessian(self, matrix: ArrayLike):
        """An ``(size, size)`` matrix as a tree of trees (JAX's ``hessian`` layout).

        Parameters
        ----------
        matrix : array_like, shape (size, size)
            ``matrix[k, l]`` is the second derivative with respect to flat
            entries ``k`` and ``l``.

        Returns
        -------
        pytree of pytrees
            ``result[i][j]`` (following the containers of the parameters
            twice) is the block of leaves ``i`` and ``j``, of shape
            ``shape_i + shape_j`` (see :func:`blocks`).
        """
        return blocks(matrix, self, self)

    def flatten_like(self, tree, name: str = "tree", *, broadcast: bool = False) -> np.ndarray:
        """Flatten ``tree``, which must have the structure of the flattened parameters.

        Parameters
        ----------
        tree : pytree
            Same containers, keys and leaf shapes (a gradient, a bound).
        name : str
            Name of ``tree`` in error messages.
        broadcast : bool
            Accept a number where the parameters hold an array (bounds).

        Returns
        -------
        ndarray, shape (size,)

        Raises
        ------
        ValueError
            The structure or a leaf shape differs.
        TypeError
            A leaf is not a real number or array.
        """
        flat = np.empty(self.size)
        _fill_at(self._tree, tree, flat, name, "", broadcast)
        return flat

    def _checked(self, flat, name: str, shape: tuple[int, ...]) -> np.ndarray:
        array = np.asarray(flat, dtype=np.float64)
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {shape}; got shape {array.shape}")
        return array

    def __eq__(self, other) -> bool:
        """Same containers, keys and leaf shapes (values do not matter)."""
        return isinstance(other, Layout) and self._tree == other._tree

    def __hash__(self) -> int:
        return hash(self._tree)

    def __repr__(self) -> str:
        return f"Layout(size={self.size})"


def is_parameter_tree(x) -> bool:
    """Whether the derivatives treat ``x`` as a parameter tree rather than as a vector.

    A dict, a named tuple, or a list or tuple that holds a container or an
    array of at least one dimension is a tree. NumPy arrays, numbers and
    lists or tuples of numbers (or of other things, which the vector path
    then refuses) are vectors, as in scipy.

    Examples
    --------
    >>> is_parameter_tree({"a": 1.0}), is_parameter_tree([np.zeros(2), 1.0])
    (True, True)
    >>> is_parameter_tree([1.0, 2.0]), is_parameter_tree(np.zeros((2, 2)))
    (False, False)
    """
    if isinstance(x, dict):
        return True
    if isinstance(x, (list, tuple)):
        return _is_named_tuple(x) or any(
            isinstance(item, (dict, list, tuple))
            or (isinstance(item, np.ndarray) and item.ndim > 0)
            for item in x
        )
    return False


def is_flat_vector(x) -> bool:
    """Whether ``x`` is used as a plain vector (as scipy does) rather than as a pytree.

    Numbers, 1-D NumPy arrays, and lists or tuples (not named tuples) of
    numbers are vectors; everything else is a pytree.
    """
    if isinstance(x, np.ndarray):
        return x.ndim <= 1
    if _is_number(x):
        return True
    if type(x) in (list, tuple):
        return len(x) > 0 and all(_is_number(item) for item in x)
    return False


def flatten(params, name: str = "params") -> tuple[np.ndarray, Layout]:
    """Flatten a pytree of real numbers and arrays.

    Parameters
    ----------
    params : pytree
        Numbers, real NumPy arrays, and dicts, lists, tuples or named tuples
        of them, nested in any way.
    name : str
        Name of ``params`` in error messages.

    Returns
    -------
    flat : ndarray, shape (n,)
        The leaves in depth-first order (dicts in insertion order, arrays in
        C order), as float64.
    layout : Layout
        ``layout(flat)`` rebuilds the pytree; see :class:`Layout`.

    Raises
    ------
    TypeError
        A leaf is not a real number or a real NumPy array (strings, None,
        booleans, complex values, other objects), or a dict key is not
        hashable as a plain key.

    Examples
    --------
    >>> flat, layout = flatten([1.0, (2.0, {"c": 3})])
    >>> layout(flat)
    [1.0, (2.0, {'c': 3.0})]
    """
    pieces: list[np.ndarray] = []
    paths: list[str] = []
    tree = _describe(params, name, "", pieces, paths)
    flat = np.concatenate(pieces) if pieces else np.empty(0)
    return flat, Layout(tree, flat.shape[0], tuple(paths))


def flat_function(f: Callable, layout: Layout) -> Callable[..., object]:
    """``x -> f(layout(x))``: a function of the flat vector for the engine.

    Extra arguments are passed on: ``flat_function(f, layout)(x, *args,
    **kwargs) == f(layout(x), *args, **kwargs)``.

    Parameters
    ----------
    f : callable
        Function of the pytree.
    layout : Layout
        From :func:`flatten` of the parameters.

    Returns
    -------
    callable
        Function of a 1-D float64 array of length ``layout.size``.
    """

    def of_flat_vector(x, *args, **kwargs):
        return f(layout(x), *args, **kwargs)

    of_flat_vector.__name__ = getattr(f, "__name__", "f")
    of_flat_vector.__qualname__ = of_flat_vector.__name__
    of_flat_vector.__wrapped__ = f
    return of_flat_vector


def blocks(matrix: ArrayLike, outer: Layout, inner: Layout):
    """An ``(outer.size, inner.size)`` matrix as a tree of trees of blocks.

    The derivative of a function from the parameters of ``inner`` to a
    tree of outputs shaped like ``outer``: the Hessian (``outer`` and
    ``inner`` the same layout), or a Jacobian whose outputs are a tree.

    Parameters
    ----------
    matrix : array_like, shape (outer.size, inner.size)
    outer, inner : Layout

    Returns
    -------
    pytree of pytrees
        The containers of ``outer``, each leaf replaced by the containers
        of ``inner`` whose leaves are the blocks: the block of an outer
        leaf of shape ``s`` and an inner leaf of shape ``t`` has shape
        ``s + t`` (a number leaf has shape ``()``); a block of two number
        leaves is a ``float``.

    Raises
    ------
    ValueError
        ``matrix`` does not have the shape ``(outer.size, inner.size)``.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (outer.size, inner.size):
        raise ValueError(
            f"matrix must have shape ({outer.size}, {inner.size}); got shape {matrix.shape}"
        )

    def row_of_blocks(row: _Leaf):
        rows = matrix[row.start : row.start + row.size]

        def block(column: _Leaf):
            entries = rows[:, column.start : column.start + column.size]
            if row.shape is None and column.shape is None:
                return float(entries[0, 0])
            return np.array(entries).reshape((row.shape or ()) + (column.shape or ()))

        return _build(inner._tree, block)

    return _build(outer._tree, row_of_blocks)


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _is_named_tuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _describe(value, name: str, path: str, pieces: list, paths: list) -> _Node | _Leaf:
    """The layout node of ``value``; appends its leaves and their paths."""
    if isinstance(value, dict):
        children = tuple(
            _describe(item, name, f"{path}[{key!r}]", pieces, paths) for key, item in value.items()
        )
        return _Node(type(value), tuple(value.keys()), children)
    if isinstance(value, (list, tuple)):
        if _is_named_tuple(value):
            items = zip(type(value)._fields, value)
            children = tuple(
                _describe(item, name, f"{path}.{field}", pieces, paths) for field, item in items
            )
        else:
            children = tuple(
                _describe(item, name, f"{path}[{i}]", pieces, paths) for i, item in enumerate(value)
            )
        return _Node(type(value), None, children)
    start = len(paths)  # one path per flat entry so far
    if _is_number(value):
        pieces.append(np.array([float(value)]))
        paths.append(path)
        return _Leaf(start, None)
    if isinstance(value, np.ndarray):
        _check_real_array(value, name, path)
        pieces.append(np.asarray(value, dtype=np.float64).ravel())
        paths.extend(f"{path}[{', '.join(map(str, index))}]" for index in np.ndindex(value.shape))
        return _Leaf(start, tuple(value.shape))
    raise TypeError(
        f"{name}{path} must be a real number, a real NumPy array, or a dict, list or tuple "
        f"of them; got {type(value).__name__}"
    )


def _check_real_array(value: np.ndarray, name: str, path: str) -> None:
    if value.dtype.kind not in "iuf":
        raise TypeError(f"{name}{path} must be an array of real numbers; got dtype {value.dtype}")


def _leaf_value(flat: np.ndarray, leaf: _Leaf):
    if leaf.shape is None:
        return float(flat[leaf.start])
    return np.array(flat[leaf.start : leaf.start + leaf.size]).reshape(leaf.shape)


def _build(node: _Node | _Leaf, make_leaf: Callable[[_Leaf], object]):
    if isinstance(node, _Leaf):
        return make_leaf(node)
    children = [_build(child, make_leaf) for child in node.children]
    if node.keys is not None:
        return node.kind(zip(node.keys, children))
    if node.kind is list:
        return children
    if issubclass(node.kind, tuple) and hasattr(node.kind, "_fields"):
        return node.kind(*children)
    return node.kind(children)


def _fill_at(node, value, flat: np.ndarray, name: str, path: str, broadcast: bool) -> None:
    """Write the leaves of ``value`` into ``flat``, checking that it matches ``node``."""
    if isinstance(node, _Leaf):
        _fill_leaf(node, value, flat, name, path, broadcast)
        return
    if node.keys is not None:
        if not isinstance(value, dict):
            raise ValueError(
                f"{name}{path} must be a dict like the parameters; got {type(value).__name__}"
            )
        if set(value.keys()) != set(node.keys):
            raise ValueError(
                f"{name}{path} must have the keys {list(node.keys)} of the parameters; "
                f"got {list(value.keys())}"
            )
        for key, child in zip(node.keys, node.children):
            _fill_at(child, value[key], flat, name, f"{path}[{key!r}]", broadcast)
        return
    if not isinstance(value, (list, tuple)) or len(value) != len(node.children):
        got = f"length {len(value)}" if isinstance(value, (list, tuple)) else type(value).__name__
        raise ValueError(
            f"{name}{path} must be a {node.kind.__name__} of length {len(node.children)} "
            f"like the parameters; got {got}"
        )
    for i, (child, item) in enumerate(zip(node.children, value)):
        _fill_at(child, item, flat, name, f"{path}[{i}]", broadcast)


def _fill_leaf(leaf: _Leaf, value, flat, name, path, broadcast) -> None:
    if _is_number(value) or (isinstance(value, np.ndarray) and value.ndim == 0):
        if isinstance(value, np.ndarray):
            _check_real_array(value, name, path)
        if leaf.shape is None or leaf.shape == () or broadcast:
            flat[leaf.start : leaf.start + leaf.size] = float(value)
            return
        raise ValueError(
            f"{name}{path} must be an array of shape {leaf.shape} like the parameters; got a number"
        )
    if isinstance(value, np.ndarray):
        _check_real_array(value, name, path)
        expected = leaf.shape if leaf.shape is not None else ()
        if value.shape != expected:
            raise ValueError(
                f"{name}{path} must have shape {expected} like the parameters; "
                f"got shape {value.shape}"
            )
        flat[leaf.start : leaf.start + leaf.size] = value.ravel()
        return
    raise TypeError(
        f"{name}{path} must be a real number or a real NumPy array like the parameters; "
        f"got {type(value).__name__}"
    )
