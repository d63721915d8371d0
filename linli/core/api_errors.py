"""API plumbing shared by every app's api.py: error bodies, reference look-ups and pagination.

Errors:
- a record that does not exist and a record outside the caller's scope give the
  same 404 body, so guessed ids tell nothing;
- a record the caller may read but not change gives 403 (core.errors.OutOfScope);
- bad input gives 422 ``{"detail": [{"field": ..., "message": ..., "code": ...}]}``,
  from a service's ValidationError and from request parsing alike;
- a step the record's current state does not allow (core.errors.StateConflict, e.g. "already moved
  out") gives 409 with the same body.
"""

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

from linli.core.errors import StateConflict

try:  # django-ninja >= 1.5
    from ninja.responses import Status
except ImportError:  # pragma: no cover
    Status = None

MAX_LIMIT = 500
OFFSET_MAX = 10**9  # a larger offset answers 422 (the database could not skip that far anyway)
DEFAULT_LIMIT = 100


class ReferenceNotFound(Http404):
    """An id given in a request body names nothing the caller may see."""

    def __init__(self, field: str):
        self.field = field
        super().__init__(field)


def not_found_body() -> dict:
    return {"detail": _("Not found.")}


def get_in(queryset, pk, field: str):
    """The record `pk` of an already scope-filtered queryset, or ReferenceNotFound(field)."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ReferenceNotFound(field)
    return obj


def created(obj):
    """A 201 response for a handler declared with response={201: Schema}."""
    return Status(201, obj) if Status is not None else (201, obj)


def validation_items(exc: DjangoValidationError) -> list[dict]:
    items = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    items.append({"field": None if field == "__all__" else field, "message": str(message), "code": error.code or "invalid"})
    else:
        for error in exc.error_list:
            for message in error.messages:
                items.append({"field": None, "message": str(message), "code": error.code or "invalid"})
    return items


def _parse_items(exc: NinjaValidationError) -> list[dict]:
    items = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        # loc is (source, name, ...) e.g. ("body", "payload", "phone") or ("query", "limit")
        names = [p for p in loc[1:] if p not in {"payload", "filters"}] or loc[1:]
        field = ".".join(names) if names else None
        items.append({"field": field, "message": f"{field}: {err.get('msg', '')}" if field else err.get("msg", ""), "code": err.get("type", "invalid"), "loc": loc})
    return items


def register(api) -> None:
    """Install the error handlers on a NinjaAPI."""

    def on_not_found(request, exc):
        body = not_found_body()
        if isinstance(exc, ReferenceNotFound):
            body["field"] = exc.field
        return api.create_response(request, body, status=404)

    def on_denied(request, exc):
        message = str(exc) or _("You may not change this record.")
        return api.create_response(request, {"detail": message}, status=403)

    def on_invalid(request, exc):
        return api.create_response(request, {"detail": validation_items(exc)}, status=422)

    def on_conflict(request, exc):  # the record's state does not allow the step: 409, same body as 422
        return api.create_response(request, {"detail": validation_items(exc)}, status=409)

    def on_parse_error(request, exc):
        return api.create_response(request, {"detail": _parse_items(exc)}, status=422)

    api.add_exception_handler(Http404, on_not_found)
    document_errors(api)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(DjangoValidationError, on_invalid)
    api.add_exception_handler(StateConflict, on_conflict)
    api.add_exception_handler(NinjaValidationError, on_parse_error)
    # Anything else: logged with its traceback and the request id, answered 500 with the id (never a trace).
    from linli.core.request_id import api_server_error

    api.add_exception_handler(Exception, api_server_error(api))


# Every status an operation may answer besides its own, with linli's bodies (published in the schema).
ERROR_STATUSES = {
    400: "The request body is not JSON.",
    401: "No valid bearer token or session.",
    403: "The record is visible to the caller but they may not change it (or the CSRF check failed).",
    404: "No such record, or one outside the caller's scope (the same answer for both).",
    409: "Someone else changed the record first, or its state does not allow this step.",
    422: "Bad input: `detail` lists each field with its message.",
    429: "Too many failed sign-ins: try again later.",
}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
                   "description": "a message, or (422) a list of {field, message, code}"},
        "field": {"type": "string", "description": "404 for an id in the body: the field that named it"},
    },
    "required": ["detail"],
}


def document_errors(api) -> None:
    """Declare ERROR_STATUSES on every operation of the published schema (400 only where a body is read)."""
    original = api.get_openapi_schema

    def get_openapi_schema(*args, **kwargs):
        schema = original(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                for status, description in ERROR_STATUSES.items():
                    if status == 400 and "requestBody" not in operation:
                        continue
                    if str(status) not in responses and status not in responses:
                        responses[status] = {"description": description, "content": {"application/json": {"schema": ref}}}
        return schema

    api.get_openapi_schema = get_openapi_schema


class Paginated(LimitOffsetPagination):
    """limit/offset pagination, at most MAX_LIMIT items a page."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=OFFSET_MAX)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
