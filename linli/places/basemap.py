"""linli's own base map: what a map shows when no tile server is configured (and above one when it is).

One GeoJSON FeatureCollection per set of communities, drawn by static/linli-base.js beneath every
map (grid map, case page, intake picker, patrol map, public board). Each feature carries a `layer`
property:

    community   the outline (stored, or the union of the community's top-level grids)
    street, lane, water, green, square   MapFeature rows (names shown along them)
    compound    compound outlines with their names
    building    building positions with their number (`label`), drawn as small blocks
    venue       venues with a position (institutions, shops)

Nothing personal is in it: it is the picture a paper map of the community gives.
"""

import shapely
from shapely.geometry import mapping, shape

from .models import Building, Community, Compound, Grid, MapFeature, Venue

ROUND = 6


def _rounded(geom: dict) -> dict:
    def walk(c):
        return [walk(x) for x in c] if isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)) else [round(v, ROUND) for v in c]
    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def _feature(layer: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"layer": layer, **props}}


def community_outline(community: Community, grids: list[Grid]) -> dict | None:
    """The stored outline, else the union of the community's top-level grid boundaries."""
    if community.boundary:
        return community.boundary
    shapes = []
    for g in grids:
        if g.parent_id is None and g.boundary:
            try:
                shapes.append(shape(g.boundary))
            except (ValueError, TypeError, KeyError):
                continue
    if not shapes:
        return None
    union = shapely.unary_union(shapes).buffer(0)
    return _rounded(mapping(union)) if not union.is_empty else None


def base_layer(communities) -> dict:
    """The base map of these communities (a queryset or list of Community)."""
    communities = list(communities)
    ids = [c.pk for c in communities]
    features: list[dict] = []
    grids_by_community: dict[int, list[Grid]] = {}
    for g in Grid.objects.filter(community_id__in=ids, parent__isnull=True).only("id", "community_id", "parent_id", "boundary"):
        grids_by_community.setdefault(g.community_id, []).append(g)
    for c in communities:
        outline = community_outline(c, grids_by_community.get(c.pk, []))
        if outline:
            features.append(_feature("community", outline, name=c.name, id=c.pk))
    for f in MapFeature.objects.filter(community_id__in=ids).order_by("kind", "name", "id"):
        features.append(_feature(f.kind, f.geometry, name=f.name))
    for cp in Compound.objects.filter(community_id__in=ids, boundary__isnull=False).order_by("id"):
        features.append(_feature("compound", cp.boundary, name=cp.name))
    buildings = (Building.objects.filter(community_id__in=ids, lat__isnull=False, lng__isnull=False)
                 .select_related("compound").order_by("id").only("id", "number", "lat", "lng", "compound__name"))
    for b in buildings:
        features.append(_feature("building", {"type": "Point", "coordinates": [round(b.lng, ROUND), round(b.lat, ROUND)]},
                                 label=b.number, name=f"{b.compound.name if b.compound_id else ''}{b.number}"))
    for v in Venue.objects.filter(community_id__in=ids, lat__isnull=False, lng__isnull=False).order_by("id").only("id", "name", "kind", "lat", "lng"):
        features.append(_feature("venue", {"type": "Point", "coordinates": [round(v.lng, ROUND), round(v.lat, ROUND)]},
                                 name=v.name, kind=v.kind))
    return {"type": "FeatureCollection", "features": features}
