"""A reply built straight from the objects in hand, in the shape of its published schema (issue 12).

ninja validates a handler's result against its response schema: each field read through a getter object, each
resolver called, a pydantic model built and dumped, then encoded. For the 201 of an intake that was a fifth of the
request's Python time. `reply(schema, obj)` reads the same fields the same way — the schema's `resolve_<field>`
where it has one, else the attribute (its default when missing), nested schemas in lists alike — into plain dicts
and lists, encoded by orjson with ninja's encoder for every other value (`encode`), and returns the HttpResponse
(ninja passes it through). The schema stays the published contract: tests compare this reply with ninja's rendering
of the same object, and the contract runs check it against the OpenAPI document.
"""

import typing

import orjson
from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

_PLANS: dict = {}
_MISSING = object()


def _nested(annotation):
    """The Schema of a `list[Schema]` field, else None."""
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (None,)
        if isinstance(item, type) and issubclass(item, Schema):
            return item
    return None


def _plan(schema) -> list:
    plan = _PLANS.get(schema)
    if plan is None:
        plan = []
        for name, field in schema.model_fields.items():
            resolver = getattr(schema, f"resolve_{name}", None)
            default = field.get_default(call_default_factory=True) if not field.is_required() else _MISSING
            plan.append((name, resolver, _nested(field.annotation), default))
        _PLANS[schema] = plan
    return plan


def dump(schema, obj) -> dict:
    """obj as the schema would give it, as plain data."""
    out = {}
    for name, resolver, nested, default in _plan(schema):
        if resolver is not None:
            value = resolver(obj)
        else:
            value = getattr(obj, name, default)
            if value is _MISSING:
                raise AttributeError(f"{type(obj).__name__} has no {name} for {schema.__name__}")
        if nested is not None and value is not None:
            value = [dump(nested, item) for item in value]
        out[name] = value
    return out


_encode_other = NinjaJSONEncoder().default  # moments, lazy translations, decimals, … as ninja's renderer writes them
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS  # moments in Django's format, not orjson's


def encode(data) -> bytes:
    """JSON as ninja's renderer gives it (json.dumps with NinjaJSONEncoder), value for value, written by orjson: UTF-8
    instead of \\u escapes, no spaces after separators. Every value json.dumps would hand to the encoder's default()
    (datetimes included) goes to the same default()."""
    return orjson.dumps(data, default=_encode_other, option=_OPTIONS)


def reply(schema, obj, status: int = 200) -> HttpResponse:
    return HttpResponse(encode(dump(schema, obj)), status=status, content_type="application/json; charset=utf-8")
