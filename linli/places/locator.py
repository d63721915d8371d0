"""Which grid (and micro-grid) holds a point or a dwelling.

Boundaries are indexed in two shapely STRtrees (grids, micro-grids). The index is
rebuilt when a grid changes: at once in this process (signal), and within
RECHECK_SECONDS in other processes (a cheap version query).
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from .geometry import parse_boundary

RECHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Location:
    grid_id: int | None
    micro_grid_id: int | None
    community_id: int | None

    @property
    def found(self) -> bool:
        return self.grid_id is not None


NOWHERE = Location(None, None, None)


class GridIndex:
    """An immutable index over (id, community_id, geometry) rows."""

    def __init__(self, grids, micro_grids):
        self._grid_ids = np.array([g[0] for g in grids], dtype=np.int64)
        self._grid_community = np.array([g[1] for g in grids], dtype=np.int64)
        self._grid_tree = STRtree([g[2] for g in grids]) if grids else None
        self._micro_ids = np.array([m[0] for m in micro_grids], dtype=np.int64)
        self._micro_parent = np.array([m[1] for m in micro_grids], dtype=np.int64)
        self._micro_tree = STRtree([m[2] for m in micro_grids]) if micro_grids else None

    def locate(self, lng: float, lat: float) -> Location:
        point = shapely.Point(lng, lat)
        if self._grid_tree is None:
            return NOWHERE
        hits = self._grid_tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return NOWHERE
        i = int(hits.min())  # deterministic when boundaries touch: the lowest index wins
        grid_id = int(self._grid_ids[i])
        micro_id = None
        if self._micro_tree is not None:
            micro_hits = self._micro_tree.query(point, predicate="intersects")
            for j in sorted(int(h) for h in micro_hits):
                if self._micro_parent[j] == grid_id:
                    micro_id = int(self._micro_ids[j])
                    break
        return Location(grid_id, micro_id, int(self._grid_community[i]))

    def locate_many(self, points: np.ndarray) -> np.ndarray:
        """Grid id per (lng, lat) row, -1 where no grid holds the point (vectorised)."""
        out = np.full(len(points), -1, dtype=np.int64)
        if self._grid_tree is None:
            return out
        geoms = shapely.points(points)
        point_idx, tree_idx = self._grid_tree.query(geoms, predicate="intersects")
        # keep the lowest tree index per point
        order = np.lexsort((tree_idx, point_idx))
        point_idx, tree_idx = point_idx[order], tree_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        out[point_idx[first]] = self._grid_ids[tree_idx[first]]
        return out


def build_index_from_rows(rows) -> GridIndex:
    """rows: (id, kind, parent_id, community_id, boundary GeoJSON)."""
    grids, micros = [], []
    for grid_id, kind, parent_id, community_id, boundary in rows:
        if not boundary:
            continue
        geom = parse_boundary(boundary)
        shapely.prepare(geom)
        if kind == "micro":
            micros.append((grid_id, parent_id, geom))
        else:
            grids.append((grid_id, community_id, geom))
    return GridIndex(grids, micros)


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.index: GridIndex | None = None
        self.version = None
        self.checked_at = 0.0

    def invalidate(self):
        with self.lock:
            self.index = None
            self.version = None


_cache = _Cache()


def _db_version():
    from django.db.models import Count, Max

    from .models import Grid

    agg = Grid.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def current_index() -> GridIndex:
    from .models import Grid

    now = time.monotonic()
    with _cache.lock:
        if _cache.index is not None and now - _cache.checked_at < RECHECK_SECONDS:
            return _cache.index
        version = _db_version()
        _cache.checked_at = now
        if _cache.index is not None and version == _cache.version:
            return _cache.index
        rows = Grid.objects.values_list("id", "kind", "parent_id", "community_id", "boundary")
        _cache.index = build_index_from_rows(rows)
        _cache.version = version
        return _cache.index


def invalidate() -> None:
    _cache.invalidate()


def locate_point(lng: float, lat: float) -> Location:
    return current_index().locate(lng, lat)


def locate_dwelling(dwelling) -> Location:
    building = dwelling.building
    return Location(building.grid_id, building.micro_grid_id, building.community_id)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Grid

    def _changed(sender, **kwargs):
        invalidate()

    post_save.connect(_changed, sender=Grid, dispatch_uid="linli-locator-save", weak=False)
    post_delete.connect(_changed, sender=Grid, dispatch_uid="linli-locator-delete", weak=False)
