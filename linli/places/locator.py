"""Which grid (and micro-grid) holds a point or a dwelling.

Boundaries are indexed in two shapely STRtrees (grids, micro-grids), built once per process and kept in a
`linli.core.memo.Memo` on the "grids" generation: any change of the grid table — a save, a bulk update, raw SQL, in
this process or another — moves it in the same transaction, and the next look-up anywhere builds the index anew
(one thread of a process builds it, the others wait for it: a city's 110,000 polygons take about 1.5 s).
"""

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from linli.core.memo import Memo

from .geometry import parse_boundary


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

    def __len__(self) -> int:
        """The grids indexed (micro-grids not counted)."""
        return len(self._grid_ids)

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


_index = Memo("grid index", ["grids"], maxsize=1, one_at_a_time=True)


def _build() -> GridIndex:
    from .models import Grid

    return build_index_from_rows(Grid.objects.values_list("id", "kind", "parent_id", "community_id", "boundary"))


def current_index() -> GridIndex:
    return _index.get("index", _build)


def invalidate() -> None:
    _index.clear()


def locate_point(lng: float, lat: float) -> Location:
    return current_index().locate(lng, lat)


def locate_dwelling(dwelling) -> Location:
    building = dwelling.building
    return Location(building.grid_id, building.micro_grid_id, building.community_id)
