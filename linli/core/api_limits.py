"""Bounded work per request: every input of the JSON API has limits, checked first and published.

An API handler runs only after its inputs passed validation, so what is refused here costs no
database work beyond the caller's sign-in. Two layers:

- explicit limits where a field has a natural one (a title is at most 200 characters: it is a
  column of 200), written in the schemas with ``Field(max_length=…)`` or the types below;
- ``bound(api)``, run once when the API is built, gives every field that still has none the house
  limits: text at most ``TEXT_MAX`` characters, integers within the 64-bit range the database
  stores (``±ID_MAX``), lists at most ``LIST_MAX`` items, floats finite. Every text refuses NUL
  characters and lone surrogates (PostgreSQL cannot store the first, UTF-8 cannot encode the
  second). The limits are part of the published OpenAPI schema (maxLength, maximum, pattern…),
  so a client that follows the schema is never refused for them.

``document_errors(api)`` declares in the schema every status an operation may answer besides its
own (400 unreadable body, 401, 403, 404, 409, 422, 429) with the body linli gives them.
"""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Annotated, Any, Union

import annotated_types
from pydantic import AfterValidator, BaseModel, StringConstraints, WithJsonSchema
from ninja.params.models import PathModel
from pydantic.types import AllowInfNan

ID_MAX = 2**63 - 1  # the largest id (and integer) the databases store: a signed 64-bit integer
OFFSET_MAX = 10**9  # the largest offset of a list page
TEXT_MAX = 4000  # characters of a text field without a limit of its own
LIST_MAX = 1000  # items of a list field without a limit of its own
NO_NUL = r"^[^\x00]*$"  # published as the pattern of every text field


def clean_text(value):
    """A text may not carry NUL characters or lone surrogates (refused with 422 naming the field)."""
    if value is None:
        return value
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (a lone surrogate was sent)") from None
    return value


def clean_deep(value):
    """clean_text over every key and text of a free-form JSON value (a GeoJSON boundary…)."""
    if isinstance(value, str):
        clean_text(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            clean_deep(k)
            clean_deep(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            clean_deep(v)
    return value


_CLEAN = AfterValidator(clean_text)
_CLEAN_DEEP = AfterValidator(clean_deep)
_NO_NUL = StringConstraints(pattern=NO_NUL)


def Text(max_length: int, min_length: int = 0, pattern: str | None = None):
    """A text field type: at most max_length characters, no NUL, no lone surrogate.

    pattern (optional) replaces the published no-NUL pattern; clean_text still refuses NUL."""
    bounds = [annotated_types.MaxLen(max_length)] + ([annotated_types.MinLen(min_length)] if min_length else [])
    return Annotated[str, *bounds, StringConstraints(pattern=pattern or NO_NUL), _CLEAN]


# ---------------------------------------------------------------------------- rules a handler checks itself
class Published:
    """Schema-only metadata: states in the published schema a rule that the handler or the service
    checks itself, with its own message naming the field and the rule (a choice from a fixed list,
    a minimum length of the text without its surrounding spaces). Nothing is validated here.

    A published ``pattern`` replaces the house no-NUL pattern (so it must refuse NUL itself);
    clean_text still refuses NUL and lone surrogates."""

    def __init__(self, **schema):
        self.schema = schema
        self.pattern = schema.get("pattern")  # seen by _has_pattern: no second pattern is added
        # a named format stands alone: a pattern beside it would be what a generator follows instead
        self.stands_alone = "format" in schema

    def __get_pydantic_json_schema__(self, core_schema, handler):
        json_schema = handler(core_schema)
        # a callable value is read when the schema is built (a list kept in the database, e.g. category codes)
        json_schema.update({k: v() if callable(v) else v for k, v in self.schema.items()})
        return json_schema

    def __repr__(self):
        return f"Published({self.schema!r})"


def OneOf(values, blank: bool = True):
    """A text that is one of `values` (or empty when `blank`): published as ``enum``; the handler
    refuses anything else with its own 422 naming the field and the list. `values` may be a function
    (a list kept in the database): it is read each time the schema is built."""
    if callable(values):
        def enum():
            return ([""] if blank else []) + [str(v) for v in values()]

        return Annotated[str, Published(enum=enum)]
    values = [str(v) for v in values]
    return Annotated[str, Published(enum=([""] if blank else []) + values)]


FORMATS = {
    "cn-resident-id": "a mainland resident ID number: 17 digits and a check digit (0-9 or X) by GB 11643, "
                      "the first two digits a province code, "
                      "its birth date a real day; or empty",
    "cn-phone": "a mainland China mobile (11 digits, e.g. 13912345678) or landline number with its area code "
                "(e.g. 03522345678) that is in service by the numbering plan; spaces and dashes ignored; or empty",
}


def Formatted(name: str, max_length: int):
    """A text with a rule of its own that a pattern cannot state (a check digit, a numbering plan),
    published as a named ``format`` (FORMATS says what each means, in the schema's description too);
    the handler or the service checks it with its own message naming the field."""
    return Annotated[str, annotated_types.MaxLen(max_length), Published(format=name, description=FORMATS[name]), _CLEAN]


ResidentId = Formatted("cn-resident-id", 18)
Phone = Formatted("cn-phone", 30)


def ListOf(values):
    """A comma-separated list of `values` (spaces around items and empty items ignored, as the
    handler splits it): published as a ``pattern``; the handler refuses any other item itself."""
    import re

    item = "(?:" + "|".join(re.escape(str(v)) for v in values) + ")"
    return Annotated[str, Published(pattern=rf"^\s*{item}?\s*(?:,\s*{item}?\s*)*$")]


def non_blank_pattern(min_chars: int) -> str:
    """A pattern true of a text whose stripped value (str.strip) has at least `min_chars` characters
    and that carries no NUL: a non-space character, then at least min_chars - 2 more, then a non-space."""
    edge = r"[^\s\x00]"
    if min_chars <= 1:
        return rf"^[^\x00]*{edge}[^\x00]*$"
    return rf"^[^\x00]*{edge}[^\x00]{{{min_chars - 2},}}{edge}[^\x00]*$"


def NonBlank(max_length: int, min_chars: int = 1):
    """A text of at most max_length characters whose value without surrounding spaces has at least
    min_chars (the service strips, then checks the length with its own message): the minimum is
    published as a pattern (a JSON Schema minLength would count the spaces); no NUL, no lone surrogate."""
    return Annotated[str, annotated_types.MaxLen(max_length), Published(pattern=non_blank_pattern(min_chars)), _CLEAN]


# ---------------------------------------------------------------------------- rules over several fields
PRESENT_ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
"""The schema of an id field that counts as given (present, not null, a possible id)."""


def present_text(min_chars: int = 1) -> dict:
    """The schema of a text field that counts as given: at least min_chars characters besides spaces."""
    return {"type": "string", "pattern": non_blank_pattern(min_chars)}


def at_least_one(*alternatives: dict) -> dict:
    """A rule over several fields, for a model's ``json_schema_extra``: at least one of the
    `alternatives` holds. Each alternative maps field names to the schema the field must then
    satisfy (it is also required: sent and, by its schema, not null), e.g.
    ``at_least_one({"dwelling": PRESENT_ID}, {"community": PRESENT_ID})`` — "a dwelling or a
    community". Published as ``anyOf`` of required sets, so a client that follows the schema sends one.
    The handler or the service still checks the rule itself, with its own message naming the field."""
    return {"anyOf": [{"required": sorted(alt), "properties": dict(alt)} for alt in alternatives]}


def all_rules(*rules: dict) -> dict:
    """Several at_least_one rules on one model: all of them hold (``allOf``)."""
    return rules[0] if len(rules) == 1 else {"allOf": list(rules)}


def rules_config(*rules: dict):
    """The model_config of a Schema whose fields obey `rules` (at_least_one…), for ``model_config = …``."""
    from pydantic import ConfigDict

    extra = all_rules(*rules)

    def publish(schema: dict, model) -> None:
        schema.update(extra)

    return ConfigDict(json_schema_extra=publish)


Id = Annotated[int, annotated_types.Ge(1), annotated_types.Le(ID_MAX)]
"""A record id: 1 … 2^63-1 (a larger one cannot name a row; it answers 422, not a database error)."""


# ---------------------------------------------------------------------------- the net
def _has(metadata, kind) -> bool:
    return any(isinstance(m, kind) for m in metadata)


def _has_pattern(metadata) -> bool:
    return any(getattr(m, "pattern", None) or getattr(m, "stands_alone", False) for m in metadata)


def _limits(base, meta, floor: int = -ID_MAX) -> list:
    """The house limits that a `base` value with constraints `meta` still lacks."""
    add = []
    if base is str:
        if not _has(meta, annotated_types.MaxLen) and not any(getattr(m, "max_length", None) for m in meta):
            add.append(annotated_types.MaxLen(TEXT_MAX))
        if not _has_pattern(meta):
            add.append(_NO_NUL)
        add.append(_CLEAN)
    elif base is int:
        if not _has(meta, (annotated_types.Le, annotated_types.Lt)) and not any(getattr(m, "le", None) is not None for m in meta):
            add.append(annotated_types.Le(ID_MAX))
        if not _has(meta, (annotated_types.Ge, annotated_types.Gt)) and not any(getattr(m, "ge", None) is not None for m in meta):
            add.append(annotated_types.Ge(floor))
    elif base is float:
        if not _has(meta, AllowInfNan):
            add.append(AllowInfNan(False))
    elif base is Decimal and not _has(meta, WithJsonSchema):
        # pydantic publishes a decimal as "a number, or a string of digits" and the string form
        # carries none of the bounds: publish the number with its bounds (strings are still read).
        schema = {"type": "number"}
        for m in meta:
            for attr, key in (("ge", "minimum"), ("le", "maximum"), ("gt", "exclusiveMinimum"), ("lt", "exclusiveMaximum")):
                if getattr(m, attr, None) is not None:
                    schema[key] = float(getattr(m, attr))
            if getattr(m, "decimal_places", None) is not None:
                schema["multipleOf"] = float(Decimal(1).scaleb(-m.decimal_places))
        add.append(WithJsonSchema(schema))
    return add


def _bounded_type(tp, seen):
    """tp with the house limits on every str/int/float/list/dict inside it (nested models bounded in place)."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        if base in (str, int, float):
            return Annotated[(base, *meta, *_limits(base, meta))]
        return Annotated[(_bounded_type(base, seen), *meta)]
    if tp in (str, int, float):
        return Annotated[(tp, *_limits(tp, []))]
    if origin in (Union, types.UnionType):
        return Union[tuple(_bounded_type(a, seen) for a in typing.get_args(tp))]
    if origin in (list, set, frozenset):
        (arg,) = typing.get_args(tp)
        return Annotated[origin[_bounded_type(arg, seen)], annotated_types.MaxLen(LIST_MAX)]
    if origin is dict or tp in (dict, list) or tp is Any:
        return Annotated[tp, _CLEAN_DEEP]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        bound_model(tp, seen)
    return tp


def _scalar(annotation):
    """The scalar type of `x`, `x | None` or Optional[x], else None."""
    if annotation in (str, int, float, Decimal):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and args[0] in (str, int, float, Decimal):
            return args[0]
    return None


def bound_model(model: type[BaseModel], seen: set | None = None) -> None:
    """Give every field of `model` (and of the models inside it) the house limits; rebuild it."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    # A path id is matched by Django's int converter (digits only): the schema says so (minimum 0).
    floor = 0 if issubclass(model, PathModel) else -ID_MAX
    for field in model.model_fields.values():
        scalar = _scalar(field.annotation)
        if scalar is not None:
            add = _limits(scalar, field.metadata, floor)
            if add:
                field.metadata.extend(add)
                continue
        if typing.get_origin(field.annotation) in (list, set, frozenset) and not _has(field.metadata, annotated_types.MaxLen):
            field.metadata.append(annotated_types.MaxLen(LIST_MAX))
            (arg,) = typing.get_args(field.annotation)
            field.annotation = typing.get_origin(field.annotation)[_bounded_type(arg, seen)]
            continue
        new = _bounded_type(field.annotation, seen)
        if new is not field.annotation:
            field.annotation = new
    # Nested models were rebuilt first (depth first), so a rebuild here picks up their new schemas.
    model.model_rebuild(force=True)


def bound(api) -> None:
    """Run bound_model over every parameter model of every operation of `api`."""
    seen: set = set()
    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    bound_model(model, seen)
