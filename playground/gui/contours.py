"""Level sets of a sampled field by marching squares, vectorised with numpy (no Qt).

The data view draws decision boundaries (y = 0.5) and hidden-unit contours
(z_j = 0.5) on a grid of about 100 x 100 points every frame, so there is no Python
loop over cells here: every cell is classified at once and the crossing points are
interpolated in bulk.

Conventions
-----------
``values[i, j]`` is the field at ``(x[j], y[i])``. A corner is *inside* when its
value is ``>= level`` (so a corner exactly at the level counts as inside; a grid
edge is crossed only when one end is inside and the other outside, and every
crossing is interpolated linearly along that edge, always from its left/lower end,
so two cells sharing an edge produce bit-identical points and the pieces join up).
Ambiguous saddle cells (two opposite corners inside) are decided by the average of
the four corners, the cell-centre value: if it is inside, the two inside corners
are connected. Cells with a NaN or infinite corner produce nothing. Zero-length
segments (the level passing exactly through a corner) and exact duplicates (a
ridge lying exactly at the level along a grid line) are removed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["contour_segments", "segments_to_pairs"]

# Corners of cell (i, j), counter-clockwise from bottom-left, as (di, dj) offsets:
#   c0 = (i, j)   c1 = (i, j+1)   c2 = (i+1, j+1)   c3 = (i+1, j)
# Edges, each stored in a canonical direction (left->right, bottom->top):
#   e0 bottom c0->c1, e1 right c1->c2, e2 top c3->c2, e3 left c0->c3
_EDGE_START = np.array([(0, 0), (0, 1), (1, 0), (0, 0)], dtype=np.intp)
_EDGE_END = np.array([(0, 1), (1, 1), (1, 1), (1, 0)], dtype=np.intp)

# Segment table: case = c0 + 2 c1 + 4 c2 + 8 c3 (bit set = inside), two slots of
# (edge a, edge b); -1 = no segment. Cases 16 and 17 are the saddles 5 and 10 with
# an inside cell centre (inside corners connected).
_TABLE = np.full((18, 2, 2), -1, dtype=np.intp)
for _case, _segs in {
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)],
    5: [(3, 0), (1, 2)],      # c0, c2 inside, centre outside: cut off each inside corner
    6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)], 9: [(0, 2)],
    10: [(0, 1), (2, 3)],     # c1, c3 inside, centre outside
    11: [(1, 2)], 12: [(3, 1)], 13: [(0, 1)], 14: [(3, 0)],
    16: [(0, 1), (2, 3)],     # case 5, centre inside: cut off the outside corners c1, c3
    17: [(3, 0), (1, 2)],     # case 10, centre inside: cut off the outside corners c0, c2
}.items():
    for _slot, _seg in enumerate(_segs):
        _TABLE[_case, _slot] = _seg


def contour_segments(values, x, y, level: float) -> np.ndarray:
    """Line segments of the level set ``values == level``, shape (M, 2, 2).

    ``segments[m]`` is ``[[x_start, y_start], [x_end, y_end]]``. ``values`` has
    shape (ny, nx), sampled at ``x`` (nx,) and ``y`` (ny,) (any monotone spacing).
    """
    v = np.asarray(values, dtype=float)
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if v.ndim != 2:
        raise ValueError(f"values must be a 2-D array (ny, nx), got shape {v.shape}")
    ny, nx = v.shape
    if x.size != nx or y.size != ny:
        raise ValueError(f"values of shape {v.shape} need x of length {nx} and y of length {ny}, "
                         f"got {x.size} and {y.size}")
    empty = np.empty((0, 2, 2))
    if nx < 2 or ny < 2:
        return empty
    level = float(level)

    inside = v >= level
    b0, b1, b2, b3 = inside[:-1, :-1], inside[:-1, 1:], inside[1:, 1:], inside[1:, :-1]
    case = b0.astype(np.uint8)
    case |= b1.astype(np.uint8) << 1
    case |= b2.astype(np.uint8) << 2
    case |= b3.astype(np.uint8) << 3
    finite = np.isfinite(v)
    if not finite.all():
        ok = finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, 1:] & finite[1:, :-1]
        case[~ok] = 0

    # Only cells the contour passes through matter from here on.
    ci, cj = np.nonzero((case != 0) & (case != 15))
    if ci.size == 0:
        return empty
    cases = case[ci, cj].astype(np.intp)
    saddle = (cases == 5) | (cases == 10)
    if saddle.any():
        si, sj = ci[saddle], cj[saddle]
        centre = 0.25 * (v[si, sj] + v[si, sj + 1] + v[si + 1, sj + 1] + v[si + 1, sj])
        cases[saddle] = np.where(centre >= level, np.where(cases[saddle] == 5, 16, 17), cases[saddle])

    pairs = _TABLE[cases]  # (n, 2 slots, 2 edges)
    has = pairs[:, :, 0] >= 0
    cell = np.broadcast_to(np.arange(cases.size)[:, None], has.shape)[has]
    edges = pairs[has]  # (M, 2)
    i = ci[cell][:, None]
    j = cj[cell][:, None]

    # Endpoints of the crossed edges, canonical direction; interpolate linearly.
    ia = i + _EDGE_START[edges, 0]
    ja = j + _EDGE_START[edges, 1]
    ib = i + _EDGE_END[edges, 0]
    jb = j + _EDGE_END[edges, 1]
    va = v[ia, ja]
    vb = v[ib, jb]
    t = (level - va) / (vb - va)  # vb != va: one end is inside, the other outside
    seg = np.empty(edges.shape + (2,))
    seg[..., 0] = x[ja] + t * (x[jb] - x[ja])
    seg[..., 1] = y[ia] + t * (y[ib] - y[ia])

    # A level exactly at a corner makes zero-length pieces; a ridge exactly at the
    # level along a grid line is found by the cells on both sides of it.
    keep = (seg[:, 0, 0] != seg[:, 1, 0]) | (seg[:, 0, 1] != seg[:, 1, 1])
    if not keep.all():
        seg = seg[keep]
    if seg.shape[0] and np.any(v == level):
        seg = _drop_duplicates(seg)
    return seg


def _drop_duplicates(seg: np.ndarray) -> np.ndarray:
    """Remove segments that repeat another one (in either direction), keeping order."""
    a, b = seg[:, 0], seg[:, 1]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    key = np.where(swap[:, None], np.concatenate([b, a], axis=1), np.concatenate([a, b], axis=1))
    _, first = np.unique(key, axis=0, return_index=True)
    if first.size == seg.shape[0]:
        return seg
    return seg[np.sort(first)]


def segments_to_pairs(segments) -> tuple[np.ndarray, np.ndarray]:
    """Flat (xs, ys) for ``PlotCurveItem(connect="pairs")``: start, end, start, end, ..."""
    seg = np.asarray(segments, dtype=float).reshape(-1, 2, 2)
    return np.ascontiguousarray(seg[:, :, 0]).ravel(), np.ascontiguousarray(seg[:, :, 1]).ravel()
