"""Marching squares (playground.gui.contours): geometry, saddles, exact levels, NaN."""

import numpy as np
import pytest

from playground.gui.contours import contour_segments, segments_to_pairs


def grid(n=101, lo=-2.0, hi=2.0):
    x = np.linspace(lo, hi, n)
    y = np.linspace(lo, hi, n)
    return x, y, *np.meshgrid(x, y)  # X[i, j] = x[j], Y[i, j] = y[i]


def point_keys(seg):
    """Endpoints as hashable tuples (shared edges give bit-identical points)."""
    return [tuple(p) for p in seg.reshape(-1, 2)]


def chain_loops(seg):
    """Join segments into chains by shared endpoints; returns a list of point lists."""
    from collections import defaultdict

    adj = defaultdict(list)
    for m, (a, b) in enumerate(seg):
        adj[tuple(a)].append((m, tuple(b)))
        adj[tuple(b)].append((m, tuple(a)))
    used = np.zeros(len(seg), bool)
    loops = []
    for m0 in range(len(seg)):
        if used[m0]:
            continue
        used[m0] = True
        start, cur = tuple(seg[m0, 0]), tuple(seg[m0, 1])
        pts = [start, cur]
        while cur != start:
            nxt = [(m, q) for m, q in adj[cur] if not used[m]]
            if not nxt:
                break
            m, cur = nxt[0]
            used[m] = True
            pts.append(cur)
        loops.append(pts)
    return loops


def crosses(p1, p2, q1, q2):
    """Proper intersection of segments p1p2 and q1q2 (touching does not count)."""
    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    return (orient(p1, p2, q1) * orient(p1, p2, q2) < 0) and (orient(q1, q2, p1) * orient(q1, q2, p2) < 0)


def test_circle_is_one_closed_loop_on_the_radius():
    x, y, X, Y = grid()
    r = 1.3
    seg = contour_segments(X**2 + Y**2, x, y, r**2)
    assert seg.ndim == 3 and seg.shape[1:] == (2, 2) and len(seg) > 100
    h = x[1] - x[0]
    radius = np.hypot(seg[..., 0], seg[..., 1])
    assert np.all(np.abs(radius - r) < h)
    # Linear interpolation of a quadratic along an edge is accurate to O(h^2).
    assert np.max(np.abs(radius - r)) < h * h
    # Every endpoint is shared by exactly two segments: a closed curve.
    keys = point_keys(seg)
    _, counts = np.unique(np.array(keys), axis=0, return_counts=True)
    assert np.all(counts == 2)
    loops = chain_loops(seg)
    assert len(loops) == 1 and loops[0][0] == loops[0][-1]
    assert len(loops[0]) == len(seg) + 1
    # The loop goes once around the full angle without big gaps.
    angles = np.sort(np.arctan2(seg[..., 1], seg[..., 0]).ravel())
    gaps = np.diff(np.concatenate([angles, [angles[0] + 2 * np.pi]]))
    assert gaps.max() < 2 * h / r
    loop = np.array(loops[0])
    winding = np.sum(np.diff(np.unwrap(np.arctan2(loop[:, 1], loop[:, 0]))))
    assert abs(abs(winding) - 2 * np.pi) < 1e-9


def test_straight_line_level_set_is_exact():
    x = np.linspace(-1, 3, 23)
    y = np.linspace(0, 2, 17) ** 1.5  # uneven spacing too
    X, Y = np.meshgrid(x, y)
    a, b, c = 0.7, -1.9, 0.31
    seg = contour_segments(a * X + b * Y, x, y, c)
    assert len(seg) > 5
    np.testing.assert_allclose(a * seg[..., 0] + b * seg[..., 1], c, atol=1e-12)
    # The pieces form one open polyline from one border to another.
    loops = chain_loops(seg)
    assert len(loops) == 1 and len(loops[0]) == len(seg) + 1


@pytest.mark.parametrize("centre_inside", [False, True])
@pytest.mark.parametrize("diagonal", ["c0c2", "c1c3"])
def test_saddle_cell_gives_two_non_crossing_segments_decided_by_the_centre(diagonal, centre_inside):
    hi = 1.0
    lo = 0.35 if centre_inside else 0.0  # centre 0.675 vs 0.5 (inside) or 0.5 - tiny
    if diagonal == "c0c2":  # values[0,0] (c0) and values[1,1] (c2) high
        values = np.array([[hi, lo], [lo, 0.95 if not centre_inside else hi]])
    else:
        values = np.array([[lo, hi], [0.95 if not centre_inside else hi, lo]])
    level = 0.5
    centre = values.mean()
    assert (centre >= level) == centre_inside
    seg = contour_segments(values, [0.0, 1.0], [0.0, 1.0], level)
    assert seg.shape == (2, 2, 2)
    assert not crosses(seg[0, 0], seg[0, 1], seg[1, 0], seg[1, 1])
    # Which diagonal stays unbroken: the inside corners' one when the centre is inside.
    corners = {(0, 0): values[0, 0], (1, 0): values[0, 1], (1, 1): values[1, 1], (0, 1): values[1, 0]}
    inside = [p for p, val in corners.items() if val >= level]
    outside = [p for p, val in corners.items() if val < level]
    joined, cut = (inside, outside) if centre_inside else (outside, inside)
    for s in seg:
        assert not crosses(s[0], s[1], joined[0], joined[1])
    # Each segment separates exactly one corner from the other three.
    for s in seg:
        d = s[1] - s[0]
        sides = [np.sign(d[0] * (p[1] - s[0][1]) - d[1] * (p[0] - s[0][0])) for p in corners]
        assert sorted(np.bincount(np.array(sides) > 0, minlength=2)) == [1, 3]


def test_saddle_field_contours_never_cross_and_close_up():
    h = np.pi / 20
    x = 0.37 * h + h * np.arange(81)  # the zero lines cross inside cells, never on samples
    y = 0.61 * h + h * np.arange(81)
    X, Y = np.meshgrid(x, y)
    F = np.sin(X) * np.sin(Y)  # a saddle at every crossing of the zero lines
    inside = F >= 0
    diag = (inside[:-1, :-1] == inside[1:, 1:]) & (inside[:-1, 1:] == inside[1:, :-1]) \
        & (inside[:-1, :-1] != inside[:-1, 1:])
    assert diag.sum() >= 4  # the field really has ambiguous cells
    seg = contour_segments(F, x, y, 0.0)
    assert len(seg) > 0
    # Inner points have degree two: no T-junctions or dangling ends inside the grid.
    pts = seg.reshape(-1, 2)
    border = (np.isclose(pts[:, 0], x[0]) | np.isclose(pts[:, 0], x[-1])
              | np.isclose(pts[:, 1], y[0]) | np.isclose(pts[:, 1], y[-1]))
    _, inv, counts = np.unique(pts, axis=0, return_inverse=True, return_counts=True)
    assert np.all(counts[inv.ravel()][~border] == 2)
    # Saddle cells hold two segments, and they do not cross.
    cell = np.floor((seg.mean(axis=1) - [x[0], y[0]]) / h).astype(int)
    _, cell_id, per_cell = np.unique(cell, axis=0, return_inverse=True, return_counts=True)
    assert (per_cell == 2).sum() == diag.sum()
    for c in np.nonzero(per_cell == 2)[0]:
        s1, s2 = seg[cell_id.ravel() == c]
        assert not crosses(s1[0], s1[1], s2[0], s2[1])


def test_constant_field_has_no_segments():
    x, y, X, Y = grid(11)
    for level in (0.5, 1.0, 2.0):  # 1.0 = exactly the constant: all inside, still nothing
        seg = contour_segments(np.ones_like(X), x, y, level)
        assert seg.shape == (0, 2, 2)
    xs, ys = segments_to_pairs(np.empty((0, 2, 2)))
    assert xs.shape == ys.shape == (0,)


def test_nan_cells_produce_nothing():
    x, y, X, Y = grid(41)
    F = X**2 + Y**2
    full = contour_segments(F, x, y, 1.0)
    F_nan = F.copy()
    F_nan[:, x > 0] = np.nan  # right half missing
    seg = contour_segments(F_nan, x, y, 1.0)
    assert 0 < len(seg) < len(full)
    assert np.all(np.isfinite(seg))
    # Only cells whose four corners are known contribute: x stays left of the first NaN column.
    assert seg[..., 0].max() <= x[x <= 0].max() + 1e-12
    # Every segment of the half is one of the full contour's.
    full_keys = {tuple(np.round(s.ravel(), 12)) for s in full}
    assert all(tuple(np.round(s.ravel(), 12)) in full_keys for s in seg)
    assert contour_segments(np.full_like(F, np.nan), x, y, 1.0).shape == (0, 2, 2)
    single = F.copy()
    single[20, 20] = np.nan  # one missing sample away from the contour changes nothing
    assert len(contour_segments(single, x, y, 1.0)) == len(full)


def test_level_through_grid_points_gives_no_degenerate_or_duplicate_segments():
    x = np.arange(-4.0, 5.0)
    y = np.arange(-4.0, 5.0)
    X, Y = np.meshgrid(x, y)
    F = np.abs(X) + np.abs(Y)  # the level-2 diamond passes exactly through grid points
    seg = contour_segments(F, x, y, 2.0)
    lengths = np.hypot(*(seg[:, 1] - seg[:, 0]).T)
    assert np.all(lengths > 0)
    assert len(seg) == 8  # one diagonal per cell, around the diamond
    np.testing.assert_allclose(np.abs(seg[..., 0]) + np.abs(seg[..., 1]), 2.0)
    loops = chain_loops(seg)
    assert len(loops) == 1 and loops[0][0] == loops[0][-1]

    # A ridge lying exactly at the level along a grid line: found once, not twice.
    ridge = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    seg = contour_segments(ridge, [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], 1.0)
    canon = {tuple(sorted(map(tuple, s))) for s in seg}
    assert len(canon) == len(seg) == 2
    np.testing.assert_allclose(seg[..., 1], 1.0)

    # A single corner touching the level makes no zero-length piece.
    bump = np.zeros((3, 3))
    bump[1, 1] = 1.0
    assert contour_segments(bump, [0, 1, 2], [0, 1, 2], 1.0).shape == (0, 2, 2)


def test_orientation_of_the_grid_follows_values_i_j_at_x_j_y_i():
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([10.0, 20.0])
    values = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])  # increases with y only
    seg = contour_segments(values, x, y, 0.25)
    np.testing.assert_allclose(seg[..., 1], 12.5)
    assert seg[..., 0].min() == 0.0 and seg[..., 0].max() == 2.0


def test_segments_to_pairs_flattens_start_end():
    seg = np.array([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], dtype=float)
    xs, ys = segments_to_pairs(seg)
    np.testing.assert_array_equal(xs, [0, 2, 4, 6])
    np.testing.assert_array_equal(ys, [1, 3, 5, 7])


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        contour_segments(np.zeros((3, 4)), np.arange(3), np.arange(3), 0.0)
    with pytest.raises(ValueError):
        contour_segments(np.zeros(5), np.arange(5), np.arange(1), 0.0)
