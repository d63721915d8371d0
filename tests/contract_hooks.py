"""schemathesis hooks of the API contract test (loaded through SCHEMATHESIS_HOOKS by tests/test_api_contract.py).

One rule of the API cannot be stated in JSON Schema: a grid boundary must be a *valid* polygon (rings that
do not cross themselves or each other, an area above zero). The schema states everything else about it
(GeoJSON Polygon / MultiPolygon / Feature, [longitude, latitude] within their ranges, rings of at least 4
positions); the server answers an invalid polygon 422 naming `boundary`. So the fuzzer's *positive*
requests to that one operation are kept only when linli's own check (places.geometry.parse_boundary)
accepts the polygon; its negative requests, and every other operation, are left alone.
"""

import datetime

import schemathesis
from hypothesis import strategies as st

BOUNDARY_PATH = "/grids/{grid_id}/boundary"

# The named formats linli publishes (linli.core.api_limits.FORMATS): what a valid value looks like, so the
# fuzzer's positive requests carry valid ones (its negative requests still send anything).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(region: str, born: datetime.date, seq: int) -> str:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


schemathesis.openapi.format("cn-resident-id", st.one_of(st.just(""), st.builds(
    _resident_id, st.sampled_from(["140213", "110101", "310104"]),
    st.dates(datetime.date(1920, 1, 1), datetime.date(2020, 12, 31)), st.integers(0, 999))))
schemathesis.openapi.format("cn-phone", st.one_of(st.just(""), st.builds(
    "{}{:08d}".format, st.sampled_from(["138", "139", "186", "150"]), st.integers(0, 10**8 - 1))))


def _positive(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


@schemathesis.hook
def filter_case(context, case) -> bool:
    if not case.operation.path.endswith(BOUNDARY_PATH) or not _positive(case):
        return True
    from linli.places.geometry import BoundaryError, parse_boundary

    body = case.body if isinstance(case.body, dict) else {}
    try:
        parse_boundary(body.get("boundary"))
    except BoundaryError:
        return False
    return True
