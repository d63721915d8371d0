"""GeoJSON boundaries checked with shapely (no GDAL)."""

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity


class BoundaryError(ValueError):
    pass


def parse_boundary(geojson) -> BaseGeometry:
    """A valid Polygon or MultiPolygon in lng/lat, or BoundaryError saying what is wrong."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in {"Polygon", "MultiPolygon"}:
        raise BoundaryError("boundary: must be a GeoJSON Polygon or MultiPolygon")
    try:
        geom = shape(geojson)
    except Exception as exc:
        raise BoundaryError(f"boundary: not readable as GeoJSON ({exc})") from exc
    if geom.is_empty:
        raise BoundaryError("boundary: is empty")
    if not geom.is_valid:
        raise BoundaryError(f"boundary: invalid polygon ({explain_validity(geom)})")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BoundaryError("boundary: coordinates must be longitude, latitude in degrees")
    return geom


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


def clean_point(lat, lng) -> tuple[float | None, float | None]:
    """A reported point as floats, (None, None) when none is given, or a ValidationError on field "location"."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if lat in (None, "") or lng in (None, ""):
        return None, None
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError({"location": _("Location: latitude and longitude must be numbers.")})
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"location": _("Location: latitude must lie within ±90 and longitude within ±180.")})
    return lat, lng
