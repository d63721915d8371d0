"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/.

    GET  discovery.{json|xml}             where the endpoint is and what it speaks
    GET  services.{json|xml}              every active leaf category (service_code = Category.code)
    GET  services/{service_code}.{fmt}    its definition: no attributes beyond the standard fields
    POST requests.{fmt}                   create a request (api_key required); answers the number and a token
    GET  requests.{fmt}                   public list, filters service_request_id, service_code, start_date,
                                          end_date, status; last 90 days by default, at most 1000
    GET  requests/{service_request_id}.{fmt}
    GET  tokens/{token}.{fmt}             token → service_request_id

Limits: every parameter has a published maximum length (``LIMITS``; any other parameter
``OTHER_MAX``; at most ``PARAMS_MAX`` parameters), listed in discovery under ``limits``. A longer
value is answered 400 naming the parameter before any other work (no key look-up, no query).

Errors use the spec's body, ``[{"code": 400, "description": "…"}]`` (XML:
``<errors><error><code/><description/></error></errors>``), with the same HTTP status:
400 bad input (the description names the field), 403 missing/unknown/inactive api_key,
404 unknown service, request, token or jurisdiction, 405 wrong method, 500/503 without
any trace.

What leaves through the public reads (privacy, decided here):
- never the reporter's name, phone, e-mail, account or dwelling, nor the assignee's name;
- ``description`` and resolution notes only when the category's outcomes are public,
  passed through the scrubber (linli.core.scrub: phones, ID numbers, bank cards, e-mails, the reporter's name);
- ``address`` is the community and grid name, never the dwelling or the reporter's text;
- ``lat``/``long`` rounded to 3 decimals (about 100 m);
- ``agency_responsible`` is the handling department's name, else the tier (grid, community…);
- ``status``: closed for closed and merged cases, open for everything else;
- ``media_url`` is never given (photos are not public).

Writes: an Open311Client authenticates by ``api_key`` (only its SHA-256 is stored, like API
tokens). ``lat`` and ``long`` are required (a case needs a point inside a grid);
``address_string`` alone is refused. ``first_name``/``last_name``/``phone`` become the
reporter's name and (encrypted) phone; ``email`` is checked but not kept; ``media_url`` is
appended to the description as a link (never fetched); ``attribute[…]`` is accepted and
ignored (our services have no attributes). ``jurisdiction_id`` is accepted when it equals
settings.LINLI_OPEN311_JURISDICTION (default "linli"), else 404.
"""

import datetime
import functools
import hashlib
import json
import logging
import secrets
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import OutOfScope
from linli.core.memo import Memo, copy_instance
from linli.people.scopes import system

from . import queries, services
from .models import Case, Category, Open311Client

log = logging.getLogger("linli.cases.open311")

SPEC_URL = "https://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
KEY_PREFIX = "o311_"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
CLOSED_STATES = (Case.State.CLOSED, Case.State.MERGED)
# The published limits (characters) of every parameter; a longer value is refused with 400 naming the
# parameter, before any other work (no key look-up, no query). Listed in discovery.{json,xml} ("limits").
LIMITS = {
    # POST requests
    "api_key": 100, "jurisdiction_id": 100, "service_code": 64, "lat": 40, "long": 40,
    "address_string": 300, "address_id": 100, "email": 254, "device_id": 100, "account_id": 100,
    "first_name": 50, "last_name": 49,  # kept together as the reporter's name (100)
    "phone": 30,
    "description": 3000, "media_url": 990,  # the link is appended to the description (the case keeps 4,000)
    # GET requests (comma lists) and the ids in paths
    "service_request_id": 20000, "start_date": 40, "end_date": 40, "status": 20, "token": 40,
}
LIST_LIMITS = {"service_code": 2000}  # a read's service_code is a comma list of codes
OTHER_MAX = 1000  # characters of any other parameter (attribute[…], unknown ones)
PARAMS_MAX = 100  # parameters of one request
# Submit's field names → the Open311 parameter a client sent.
FIELD_NAMES = {"category": "service_code", "location": "lat/long", "description": "description",
               "reporter_phone": "phone", "photos": "media", "source": "api_key"}


# ---------------------------------------------------------------------------- keys
def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(name: str, account=None) -> tuple[Open311Client, str]:
    """A new Open311 client; the api key is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name: required.")})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name[:100], key_hash=hash_key(key), account=account)
    return client, key


# key hash → the active client or None; valid until a client row changes anywhere (linli.core.memo)
_clients = Memo("open311-clients", ["auth"], maxsize=4096)


def client_for_key(key: str) -> Open311Client | None:
    if not key:
        return None
    key_hash = hash_key(key)
    return copy_instance(_clients.get(key_hash, lambda: Open311Client.objects.filter(key_hash=key_hash, active=True).first()))


# ---------------------------------------------------------------------------- rendering
class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        _fill(el, row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")


def _fill(el, row: dict):
    for key, value in row.items():
        child = ET.SubElement(el, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            singular = {"attributes": "attribute", "endpoints": "endpoint", "formats": "format", "values": "value",
                        "limits": "limit"}.get(key, "item")
            for v in value:
                sub = ET.SubElement(child, singular)
                if isinstance(v, dict):
                    _fill(sub, v)
                else:
                    sub.text = _text(v)
        else:
            child.text = _text(value)


def render(fmt: str, data, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(data, dict):  # a single document (discovery, service definition)
            top = ET.Element(root)
            _fill(top, data)
            body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
        else:
            body = _xml(root, item, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt if fmt in CONTENT_TYPES else "json", [{"code": status, "description": description}],
                  root="errors", item="error", status=status)


def endpoint(methods):
    """Method check, jurisdiction check, the spec's error bodies, and no trace ever leaves."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def inner(request, *args, fmt="json", **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("Method %(m)s is not allowed here; use %(allowed)s.")
                                       % {"m": request.method, "allowed": ", ".join(methods)})
                params = request.GET if request.method == "GET" else _form(request)
                _check_limits(request, params, kwargs)
                jurisdiction = (params.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
                if jurisdiction and jurisdiction != getattr(settings, "LINLI_OPEN311_JURISDICTION", "linli"):
                    raise Open311Error(404, _("jurisdiction_id: unknown jurisdiction %(j)s.") % {"j": jurisdiction})
                response = view(request, params, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                response = error(fmt, exc.status, exc.description)
            except Exception:  # never a trace in the body
                log.exception("Open311 %s %s failed", request.method, request.path)
                response = error(fmt, 500, _("Internal error; the request was not processed."))
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return inner

    return wrap


PATH_PARAMS = {"code": "service_code", "number": "service_request_id", "token": "token"}


def _check_limits(request, params, kwargs) -> None:
    """Every parameter (query, body, path) within its published limit, else 400 naming it."""
    if len(params) + (len(request.GET) if request.method != "GET" else 0) > PARAMS_MAX:
        raise Open311Error(400, _("Too many parameters: at most %(n)d.") % {"n": PARAMS_MAX})
    lists = LIST_LIMITS if request.method == "GET" else {}  # a read's filters may be comma lists
    items = [(k, v, lists.get(k)) for k, v in params.items()]
    items += [(k, v, None) for k, v in request.GET.items()] if request.method != "GET" else []
    items += [(PATH_PARAMS[k], v, None) for k, v in kwargs.items() if k in PATH_PARAMS]
    for name, value, limit in items:
        limit = limit or LIMITS.get(name, OTHER_MAX)
        if value is not None and len(str(value)) > limit:
            raise Open311Error(400, _("%(f)s: at most %(n)d characters.") % {"f": name[:100], "n": limit})


def limits() -> list[dict]:
    """The published limits, as discovery lists them."""
    rows = [{"parameter": name, "max_length": n} for name, n in LIMITS.items()]
    rows += [{"parameter": f"{name} (GET requests, a comma list)", "max_length": n} for name, n in LIST_LIMITS.items()]
    rows.append({"parameter": "*", "max_length": OTHER_MAX})
    rows.append({"parameter": "parameters", "max_count": PARAMS_MAX})
    return rows


def _form(request):
    """POST parameters: form-encoded (the spec), multipart, or a JSON object."""
    cached = getattr(request, "_open311_form", None)
    if cached is not None:
        return cached
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Open311Error(400, _("Body: not valid JSON."))
        if not isinstance(data, dict):
            raise Open311Error(400, _("Body: a JSON object is expected."))
        form = {str(k): "" if v is None else str(v) for k, v in data.items()}
    else:
        form = {k: request.POST.get(k) for k in request.POST}
    request._open311_form = form
    return form


# ---------------------------------------------------------------------------- helpers
def _iso(dt) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _leaves():
    return Category.objects.filter(active=True, parent__isnull=False).select_related("parent")


def _service(cat: Category) -> dict:
    keywords = [line.strip() for line in (cat.examples or "").splitlines() if line.strip()][:5]
    return {
        "service_code": cat.code,
        "service_name": cat.name,
        "description": str(cat),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": cat.parent.name if cat.parent_id else "",
    }


def _status(case: Case) -> str:
    return "closed" if case.state in CLOSED_STATES else "open"


def _public(case: Case) -> bool:
    return bool(case.category_id and case.category.outcomes_public)


def _request_row(case: Case) -> dict:
    public = _public(case)
    notes = case.get_state_display()
    if public and case.result and case.state in (Case.State.RESOLVED, Case.State.CLOSED):
        notes = f"{notes}: {queries.public_text(case, case.result)}"
    if case.state == Case.State.MERGED and case.parent_id:
        notes = f"{notes}: {case.parent.number}"
    place = " ".join(p for p in (case.community.name if case.community_id else "", case.grid.name if case.grid_id else "") if p)
    return {
        "service_request_id": case.number,
        "status": _status(case),
        "status_notes": notes,
        "service_name": case.category.name if case.category_id else "",
        "service_code": case.category.code if case.category_id else "",
        "description": queries.public_text(case, case.description) if public else "",
        "agency_responsible": case.assignee_org.name if case.assignee_org_id else case.get_tier_display(),
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.handling_due),
        "address": place,
        "address_id": None,
        "zipcode": None,
        "lat": round(case.lat, 3) if case.lat is not None else None,
        "long": round(case.lng, 3) if case.lng is not None else None,
        "media_url": None,
    }


def _cases():
    return Case.objects.select_related("category", "community", "grid", "assignee_org", "parent", "reporter_person")


def _date(params, name: str):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None  # '+' in a query string arrives as a space
        day = parse_date(raw) if "T" not in raw else None
    except ValueError:  # well formed but impossible, e.g. month 13
        value = day = None
    if value is None:
        if day is None:
            raise Open311Error(400, _("%(f)s: not a W3C date-time (e.g. 2026-01-31T09:00:00+08:00).") % {"f": name})
        value = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# ---------------------------------------------------------------------------- views
@endpoint(["GET"])
def discovery(request, params, fmt):
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": getattr(settings, "LINLI_OPEN311_CONTACT", "") or _("Contact the community office."),
        "key_service": _("Ask the community administrator for an api_key (command: linli open311_client NAME)."),
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-01-01T00:00:00Z", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
        # linli's extension: the longest value each parameter may have ("*": any other), and how many
        # parameters one request may send; a request beyond them is answered 400 naming the parameter.
        "limits": limits(),
    }
    return render(fmt, data, root="discovery", item="discovery")


@endpoint(["GET"])
def service_list(request, params, fmt):
    return render(fmt, [_service(c) for c in _leaves()], root="services", item="service")


@endpoint(["GET"])
def service_definition(request, params, code, fmt):
    cat = _leaves().filter(code=code).first()
    if cat is None:
        raise Open311Error(404, _("service_code: unknown service %(code)s.") % {"code": code})
    return render(fmt, {"service_code": cat.code, "attributes": []}, root="service_definition", item="service_definition")


@endpoint(["GET", "POST"])
def requests_view(request, params, fmt):
    if request.method == "POST":
        return _create(request, params, fmt)
    return _list(request, params, fmt)


def _list(request, params, fmt):
    qs = _cases()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:  # overrides every other filter (the spec)
        qs = qs.filter(number__in=ids[:MAX_REQUESTS])
    else:
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            known = set(_leaves().filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise Open311Error(400, _("service_code: unknown service %(code)s.") % {"code": ", ".join(unknown)})
            qs = qs.filter(category__code__in=codes)
        start, end = _date(params, "start_date"), _date(params, "end_date")
        if start and end and start > end:
            raise Open311Error(400, _("start_date: must not be after end_date."))
        if start is None:
            start = (end or timezone.now()) - datetime.timedelta(days=DEFAULT_DAYS)
        qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status: use open, closed or both (comma separated)."))
        if statuses == {"open"}:
            qs = qs.exclude(state__in=CLOSED_STATES)
        elif statuses == {"closed"}:
            qs = qs.filter(state__in=CLOSED_STATES)
    rows = [_request_row(c) for c in qs.order_by("-created_at", "-id")[:MAX_REQUESTS]]
    return render(fmt, rows, root="service_requests", item="request")


def _create(request, params, fmt):
    client = client_for_key((params.get("api_key") or request.GET.get("api_key") or "").strip())
    if client is None:
        raise Open311Error(403, _("api_key: missing, unknown or revoked."))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code: required."))
    category = services.leaf_category(code)
    if category is None:
        raise Open311Error(404, _("service_code: unknown service %(code)s.") % {"code": code})
    lat_raw, lng_raw = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    if not lat_raw or not lng_raw:
        raise Open311Error(400, _("lat/long: required; this jurisdiction needs a point (address_string alone is not enough)."))
    try:
        lat, lng = float(lat_raw), float(lng_raw)
    except ValueError:
        raise Open311Error(400, _("lat/long: must be decimal degrees (WGS84)."))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or lat != lat or lng != lng:
        raise Open311Error(400, _("lat/long: latitude must lie within ±90 and longitude within ±180."))
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description: required."))
    email = (params.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, _("email: not an e-mail address."))
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url: not an http(s) URL."))
        description = f"{description}\n{_('Photo')}: {media_url}"
    name = " ".join(p for p in ((params.get("first_name") or "").strip(), (params.get("last_name") or "").strip()) if p)
    try:
        case = services.submit(
            system(), source=Case.Source.OPEN311, description=description, category=category, lat=lat, lng=lng,
            address=(params.get("address_string") or "").strip(), reporter_name=name[:100],
            reporter_phone=(params.get("phone") or "").strip(), open311_client=client,
        )
    except ValidationError as exc:
        raise Open311Error(400, _describe(exc))
    except OutOfScope as exc:
        raise Open311Error(403, str(exc))
    except services.Conflict:
        raise Open311Error(503, _("Busy; try again."))
    row = {"service_request_id": case.number, "token": case.open311_token,
           "service_notice": _("Expected to be handled by %(t)s.") % {"t": _iso(case.handling_due)} if case.handling_due else "",
           "account_id": None}
    return render(fmt, [row], root="service_requests", item="request", status=201)


def _describe(exc: ValidationError) -> str:
    parts = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = FIELD_NAMES.get(field, field)
            for e in errors:
                for m in e.messages:
                    parts.append(f"{name}: {m}")
    else:
        parts.extend(exc.messages)
    return " ".join(parts)


@endpoint(["GET"])
def request_detail(request, params, number, fmt):
    case = _cases().filter(number=number).first()
    if case is None:
        raise Open311Error(404, _("service_request_id: unknown request %(id)s.") % {"id": number})
    return render(fmt, [_request_row(case)], root="service_requests", item="request")


@endpoint(["GET"])
def token_view(request, params, token, fmt):
    case = Case.objects.filter(open311_token=token).exclude(open311_token="").only("number", "open311_token").first()
    if case is None:
        raise Open311Error(404, _("token: unknown token."))
    return render(fmt, [{"service_request_id": case.number, "token": token}], root="service_requests", item="request")

