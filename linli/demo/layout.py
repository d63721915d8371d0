"""The demo map: community outlines cut into adjacent grid polygons around lng 113.30, lat 40.08.

Polygons are cut from one outline with shapely.ops.split, so neighbouring grids share
their edges exactly and micro-grids tile their grid.
"""

import shapely
from shapely.geometry import LineString, Polygon, mapping
from shapely.ops import split

ROUND = 7  # ~1 cm


def _cut(polygon: Polygon, line_coords) -> list[Polygon]:
    """Split a polygon by a line crossing it; pieces ordered south→north then west→east."""
    pieces = [g for g in split(polygon, LineString(line_coords)).geoms if g.area > 0]
    return pieces


def _south_to_north(pieces):
    return sorted(pieces, key=lambda g: (round(g.centroid.y, 6), g.centroid.x))


def _west_to_east(pieces):
    return sorted(pieces, key=lambda g: (round(g.centroid.x, 6), g.centroid.y))


def geojson(polygon: Polygon) -> dict:
    rounded = shapely.set_precision(polygon, 10 ** -ROUND)
    if rounded.geom_type != "Polygon" or not rounded.is_valid:
        rounded = polygon
    gj = mapping(shapely.geometry.polygon.orient(rounded, sign=1.0))
    return {"type": "Polygon", "coordinates": [[[round(x, ROUND), round(y, ROUND)] for x, y in ring] for ring in gj["coordinates"]]}


# The streets around and through 柳航里 for the base map: (kind, name, line). 柳航街 is the shop street of the
# dedicated grid; a lane runs between the two compounds; roads frame the community on the other sides.
STREETS = [
    ("street", "柳航街", [(113.2940, 40.07752), (113.3000, 40.07762), (113.3080, 40.07777)]),
    ("street", "永泰南路", [(113.2948, 40.0745), (113.2950, 40.0801), (113.2955, 40.0858)]),
    ("street", "御河西路", [(113.3071, 40.0745), (113.3073, 40.0801), (113.3067, 40.0858)]),
    ("street", "柳港路", [(113.2940, 40.0852), (113.3008, 40.0854), (113.3080, 40.0850)]),
    ("street", "迎宾街", [(113.2940, 40.0751), (113.3010, 40.0751), (113.3080, 40.0751)]),
    ("lane", "柳航里中巷", [(113.3012, 40.0777), (113.3009, 40.0801), (113.3014, 40.0822), (113.3012, 40.0843)]),
    ("lane", "柳航新苑南巷", [(113.3013, 40.08075), (113.3059, 40.08065)]),
]
# green spaces and a square (kind, name, ring)
AREAS = [
    ("green", "柳航小游园", [(113.3016, 40.0779), (113.3026, 40.0779), (113.3026, 40.0786), (113.3016, 40.0786), (113.3016, 40.0779)]),
    ("square", "邻里广场", [(113.2992, 40.0770), (113.3004, 40.0770), (113.3004, 40.07748), (113.2992, 40.07748), (113.2992, 40.0770)]),
]


def liuhangli():
    """柳航里社区: a dedicated grid along the shop street in the south, two compounds north of it.

    Returns {"outline", "dedicated", "compounds": [west, east], "grids": [5 residential], "micro": {grid index: [pieces]}}.
    """
    outline = Polygon([
        (113.2960, 40.0760), (113.3060, 40.0760), (113.3063, 40.0801), (113.3058, 40.0842),
        (113.3008, 40.0845), (113.2964, 40.0841), (113.2957, 40.0801),
    ])
    # the shop street (柳航街) runs along the south edge: the dedicated grid
    south, north = _south_to_north(_cut(outline, [(113.290, 40.07755), (113.312, 40.07775)]))
    # a lane runs north-south between the two compounds, with a kink
    west, east = _west_to_east(_cut(north, [(113.3012, 40.070), (113.3012, 40.0777), (113.3009, 40.0801), (113.3014, 40.0822), (113.3013, 40.090)]))
    g1, rest = _south_to_north(_cut(west, [(113.290, 40.07965), (113.310, 40.07985)]))
    g2, g3 = _south_to_north(_cut(rest, [(113.290, 40.08195), (113.310, 40.08205)]))
    g4, g5 = _south_to_north(_cut(east, [(113.300, 40.08085), (113.310, 40.08065)]))
    micro = {
        0: _west_to_east(_cut(g1, [(113.2988, 40.070), (113.2986, 40.090)])),
        1: _west_to_east(_cut(g2, [(113.2987, 40.070), (113.2989, 40.090)])),
        3: _west_to_east(_split_many(g4, [[(113.3029, 40.070), (113.3029, 40.090)], [(113.3046, 40.070), (113.3047, 40.090)]])),
    }
    return {"outline": outline, "dedicated": south, "compounds": [west, east], "grids": [g1, g2, g3, g4, g5], "micro": micro}


def _split_many(polygon, lines):
    pieces = [polygon]
    for line in lines:
        nxt = []
        for p in pieces:
            nxt.extend(_cut(p, line) if p.intersects(LineString(line)) else [p])
        pieces = nxt
    return pieces


def neighbour(west: float, south: float, east: float, north: float, grids: int):
    """A smaller neighbouring community: a rectangle-ish outline cut into `grids` strips south→north."""
    outline = Polygon([(west, south), (east, south + 0.0002), (east, north), (west + 0.0003, north)])
    pieces = [outline]
    step = (north - south) / grids
    for i in range(1, grids):
        y = south + i * step
        nxt = []
        for p in pieces:
            nxt.extend(_cut(p, [(west - 0.01, y), (east + 0.01, y + 0.0001)]) if p.intersects(LineString([(west - 0.01, y), (east + 0.01, y + 0.0001)])) else [p])
        pieces = nxt
    return {"outline": outline, "grids": _south_to_north(pieces)}


def points_inside(polygon: Polygon, n: int, margin: float = 0.00012) -> list[tuple[float, float]]:
    """n well-spread points inside a polygon (a lattice, thinned evenly), for building positions."""
    if n <= 0:
        return []
    inner = polygon.buffer(-margin)
    if inner.is_empty:
        inner = polygon
    minx, miny, maxx, maxy = inner.bounds
    k = 2
    while True:
        cands = []
        for j in range(k):
            for i in range(k):
                x = minx + (i + 0.5) * (maxx - minx) / k
                y = miny + (j + 0.5) * (maxy - miny) / k
                if inner.contains(shapely.Point(x, y)):
                    cands.append((round(x, 6), round(y, 6)))
        if len(cands) >= n:
            step = len(cands) / n
            return [cands[int(i * step)] for i in range(n)]
        k += 1


def along(polygon: Polygon, n: int) -> list[tuple[float, float]]:
    """n points along a long strip (shops on a street), west→east in two rows."""
    minx, miny, maxx, maxy = polygon.bounds
    pts = []
    per_row = (n + 1) // 2
    for row, frac in enumerate((0.3, 0.7)):
        for i in range(per_row if row == 0 else n - per_row):
            x = minx + (i + 0.5) * (maxx - minx) / per_row
            y = miny + frac * (maxy - miny)
            p = shapely.Point(x, y)
            if not polygon.contains(p):
                p = polygon.representative_point()
            pts.append((round(p.x, 6), round(p.y, 6)))
    return pts
