"""INSERTs whose SQL is not compiled by the ORM on every call (issue 12): the two ways linli writes new rows fast.

`insert_instances` — new model instances (an intake's case, its timeline and outbox rows). `Model.save(force_insert=True)`
and `bulk_create` compile their INSERT anew on every call: for an intake that compilation cost more than the database's
work. Here the same values — every concrete field through its own `pre_save` (auto_now) and `get_db_prep_save` (dates,
JSON, encrypted fields), except where that conversion is the identity (a str for a CharField, an int for an integer
column or a foreign key: the plan per model says which), related objects saved earlier in the same step picked up as
Django does — go out in an INSERT … RETURNING of the primary key (SQLite ≥ 3.35, PostgreSQL) kept per model, row count
and database vendor. No model signals are sent (as with bulk_create); the instances come back with their primary keys
set and marked saved. Models with a primary key that is not an automatic one go through bulk_create.

`insert_rows` — plain tuples, no instances (an import's thousands of new residents, households, memberships):
bulk_create built a model instance per row and passed every value of every field through the SQL compiler, half of the
import's time. A row is a tuple of values in the order of the field names given; every other column gets its field's
default (auto_now / auto_now_add fields: now), computed once per call. Values go to the database as given except for the
fields whose Python value differs from the database's (dates, times, JSON, decimals), which pass through the field's
get_db_prep_save. Encrypted columns and their look-up hashes are the caller's to fill (crypto.encrypt_many,
crypto.lookup_hash): they are written as given. Statements are as long as the backend allows (SQLite's bound-parameter
limit, read from the connection; 30,000 parameters on PostgreSQL). `returning` names columns to read back: callers map
the rows by a key they return, never by position. `select_in` is the matching batch read.
"""

import datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.db.models.fields import AutoFieldMixin, Field
from django.utils import timezone

from linli.core import replica
from linli.core.fields import EncryptedTextField, LookupHashField

_SQL: dict = {}
_PLANS: dict = {}

# Field classes whose conversion for the database is the identity for these values: CharField's to_python keeps
# any str (choices' members included), IntegerField's int() and FloatField's float() keep exactly an int and a
# float, BooleanField keeps a bool; a foreign key defers to its target. An aware datetime goes straight to the
# database's adapter (what DateTimeField's conversion ends in). Any other value, and any other field class (JSON,
# encrypted fields, subclasses), goes through get_db_prep_save.
_STR, _DATETIME = "str", "datetime"
_UTC = datetime.timezone.utc
_IDENTITY = {
    models.CharField: _STR, models.TextField: _STR, models.SlugField: _STR,
    models.IntegerField: (int,), models.BigIntegerField: (int,), models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,), models.PositiveSmallIntegerField: (int,), models.PositiveBigIntegerField: (int,),
    models.FloatField: (float,), models.BooleanField: (bool,), models.DateTimeField: _DATETIME,
}
_PLAIN_PRE_SAVE = (Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save)


def _identity_types(field):
    if isinstance(field, models.ForeignKey):
        return _IDENTITY.get(type(field.target_field)) or ((int,) if isinstance(field.target_field, AutoFieldMixin) else ())
    if isinstance(field, AutoFieldMixin):
        return (int,)
    return _IDENTITY.get(type(field), ())


def _plan(model, conn):
    """Per model and database: the columns to write and, per column, how to read and convert its value."""
    key = (model, conn.vendor)
    plan = _PLANS.get(key)
    if plan is None:
        opts = model._meta
        fields = [f for f in opts.concrete_fields if f is not opts.pk and not getattr(f, "generated", False)]
        steps = []
        for f in fields:
            plain = type(f).pre_save in _PLAIN_PRE_SAVE and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
            steps.append((f, f.attname, not plain, _identity_types(f)))
        relations = [(f, f.cache_name, f.attname, f.target_field.attname) for f in fields if f.is_relation and f.many_to_one]
        plan = _PLANS[key] = (fields, steps, relations, bool(opts.private_fields))
    return plan


def _prepare_related(obj, relations) -> None:
    """As Model._prepare_related_fields_for_save for an insert: a related row assigned before it was saved gives
    its primary key now; an unsaved one is refused; a cached row whose key no longer matches is dropped."""
    cache, values = obj._state.fields_cache, obj.__dict__
    for field, name, attname, target_attname in relations:
        rel = cache.get(name)
        if rel is None:
            continue
        pk = getattr(rel, target_attname)
        if pk is None:
            raise ValueError(f"insert() prohibited to prevent data loss due to unsaved related object '{name}'.")
        current = values.get(attname)
        if current in field.empty_values:
            values[attname] = pk
        elif current != pk:
            del cache[name]


def _statement(model, count: int, fields, conn) -> str:
    key = (model, count, conn.vendor)
    sql = _SQL.get(key)
    if sql is None:
        qn = conn.ops.quote_name
        opts = model._meta
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
               f"VALUES {', '.join([one] * count)} RETURNING {qn(opts.pk.column)}")
        _SQL[key] = sql
    return sql


def insert_instances(objs) -> list:
    """INSERT these unsaved instances of one model; sets their primary keys (in the order given) and returns them."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    conn = connections[DEFAULT_DB_ALIAS]  # the default connection, looked up once (each look-up reads a Local)
    if not isinstance(opts.pk, AutoFieldMixin) or any(o.pk is not None for o in objs) or not conn.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(objs)
    fields, steps, relations, private = _plan(model, conn)
    params = []
    for obj in objs:
        _values(obj, steps, relations, private, params.append, conn)
    with conn.cursor() as cursor:
        cursor.execute(_statement(model, len(objs), fields, conn), params)
        rows = cursor.fetchall()
    for obj, (pk,) in zip(objs, rows):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = conn.alias
    return objs


_NEW: dict = {}


def _new_plan(model):
    """Per model, for new_instance: the columns' defaults that are values (copied into every instance), those that are
    computed (called per instance unless given), and what each keyword names: (attname, the foreign key or None)."""
    plan = _NEW.get(model)
    if plan is None:
        opts = model._meta
        special = [f for f in opts.concrete_fields
                   if f.one_to_one or (not f.is_relation and hasattr(type(model.__dict__.get(f.attname)), "__set__"))]
        if opts.private_fields or special:
            # a generic relation, a one-to-one (its reverse side is cached too) or a field with a setter of its own:
            # Model.__init__
            plan = _NEW[model] = None
            return plan
        constant, computed, names = {}, [], {}
        for f in opts.concrete_fields:
            if f.has_default() and callable(f.default):
                computed.append((f.attname, f.get_default))
            else:
                constant[f.attname] = f.get_default()
            names[f.attname] = (f.attname, None)
            if f.is_relation:
                names[f.name] = (f.attname, f)
            elif f.name != f.attname:
                names[f.name] = (f.attname, None)
        plan = _NEW[model] = (constant, computed, names)
    return plan


def _routers_write_default() -> bool:
    """No router, or only linli.core.replica's: an instance and its related rows are written to the primary, as
    new_instance assumes (the descriptor would ask the routers)."""
    return all(isinstance(r, replica.Router) for r in router.routers)


def new_instance(model, **values):
    """An unsaved instance, as model(**values) makes it, without Model.__init__'s walk over every field with each
    keyword looked up twice and every related row passed through its descriptor (an intake builds a 45-column case, its
    timeline and outbox rows): the defaults are copied from a plan kept per model, a related row is cached and its key
    taken (None while it is unsaved: insert_instances takes it then). Keywords are field names or attnames; any other is
    refused as Model.__init__ refuses it. With database routers other than linli's replica router (which writes
    everything to the primary and relates rows of either database), or for a model with init signals' receivers, a generic
    relation, a one-to-one key or a field with a setter of its own, Model.__init__ builds it."""
    routed = bool(router.routers)
    plan = (None if routed and not _routers_write_default() or pre_init.has_listeners(model) or post_init.has_listeners(model)
            else _new_plan(model))
    if plan is None:
        return model(**values)
    constant, computed, names = plan
    obj = model.__new__(model)
    state = obj._state = ModelState()
    attrs = obj.__dict__
    attrs.update(constant)
    for attname, default in computed:
        if attname not in values:
            attrs[attname] = default()
    cache = state.fields_cache
    for name, value in values.items():
        try:
            attname, relation = names[name]
        except KeyError:
            raise TypeError(f"{model.__name__}() got unexpected keyword arguments: '{name}'") from None
        if relation is None:
            attrs[attname] = value
        elif value is None:
            attrs[attname] = None
            cache[name] = None
        else:
            if not isinstance(value, relation.remote_field.model._meta.concrete_model):
                raise ValueError(f'Cannot assign "{value!r}": "{model.__name__}.{name}" must be a '
                                 f'"{relation.remote_field.model._meta.object_name}" instance.')
            attrs[attname] = getattr(value, relation.target_field.attname)
            cache[name] = value
            # the databases, as the descriptor sets them: through the default router, or through the replica's,
            # which writes to the primary and relates rows read from either database
            if state.db is None:
                state.db = DEFAULT_DB_ALIAS if routed else value._state.db or DEFAULT_DB_ALIAS
            if value._state.db is None:
                value._state.db = state.db
            elif value._state.db != state.db and not (routed and value._state.db in (DEFAULT_DB_ALIAS, replica.ALIAS)):
                raise ValueError(f'Cannot assign "{value!r}": the current database router prevents this relation.')
    return obj


def _values(obj, steps, relations, private, append, conn) -> None:
    """The database values of an unsaved instance's columns (the plan's order), appended one by one."""
    if private:  # generic relations: Django's own check
        obj._prepare_related_fields_for_save(operation_name="insert")
    else:
        _prepare_related(obj, relations)  # a related row saved after it was assigned
    values = obj.__dict__
    adapt_datetime = conn.ops.adapt_datetimefield_value
    # SQLite keeps UTC moments as text: a moment already in UTC (timezone.now()) is written as Django's adapter writes
    # it — str() of the naive UTC value — without its conversion to UTC
    utc_text = conn.vendor == "sqlite" and conn.timezone is _UTC
    for field, attname, pre_save, identity in steps:
        value = field.pre_save(obj, True) if pre_save else (values[attname] if attname in values else getattr(obj, attname))
        if value is None:
            append(None)
        elif identity is _STR:
            append(value if isinstance(value, str) else field.get_db_prep_save(value, conn))
        elif identity is _DATETIME:
            if type(value) is datetime.datetime and value.tzinfo is not None:
                append(str(value.replace(tzinfo=None)) if utc_text and value.tzinfo is _UTC else adapt_datetime(value))
            else:
                append(field.get_db_prep_save(value, conn))
        else:
            append(value if type(value) in identity else field.get_db_prep_save(value, conn))


def column_values(obj) -> tuple[list, list]:
    """The concrete fields (primary key aside) insert_instances would write for this unsaved instance, and their
    database values in the same order: for a caller that writes the row with SQL of its own (the case's numbered
    insert on PostgreSQL, cases.services.base.insert_numbered_case)."""
    conn = connections[DEFAULT_DB_ALIAS]
    fields, steps, relations, private = _plan(type(obj), conn)
    params: list = []
    _values(obj, steps, relations, private, params.append, conn)
    return fields, params


# ---------------------------------------------------------------- rows as tuples (imports)
_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)
_CONVERTED = (models.DateField, models.DecimalField, models.JSONField, models.UUIDField, models.DurationField)
MAX_PARAMS = 30_000


def _as_is(field) -> bool:
    """True when the field's database value is its Python value (text, whole numbers, booleans, foreign keys)."""
    if isinstance(field, (EncryptedTextField, LookupHashField)) or field.is_relation:
        return True
    return isinstance(field, _AS_IS) and not isinstance(field, _CONVERTED)


def max_params() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        try:
            return min(MAX_PARAMS, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except AttributeError:  # Python < 3.11
            return connection.features.max_query_params or 999
    return MAX_PARAMS


def insert_rows(model, names: list[str], rows: list[tuple], returning: tuple[str, ...] = ()) -> list[tuple]:
    """INSERT rows into model's table; [] or the `returning` columns of the rows written (in no promised order)."""
    if not rows:
        return []
    opts = model._meta
    given = [opts.get_field(name) for name in names]
    now = timezone.now()
    rest = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
    tail = tuple(f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(),
                                    connection) for f in rest)
    convert = [(i, f) for i, f in enumerate(given) if not _as_is(f)]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in given + rest)
    width = len(given) + len(rest)
    one = "(" + ", ".join(["%s"] * width) + ")"
    back = (" RETURNING " + ", ".join(qn(opts.get_field(c).column) for c in returning)) if returning else ""
    per = max(1, max_params() // width)
    out, seen = [], {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            params = []
            for row in chunk:
                if convert:
                    row = list(row)
                    for i, f in convert:
                        value = row[i]
                        try:
                            row[i] = seen[i, value]
                        except KeyError:  # the same date on many rows is converted once
                            row[i] = seen[i, value] = f.get_db_prep_save(value, connection)
                        except TypeError:  # not hashable (a dict for JSON)
                            row[i] = f.get_db_prep_save(value, connection)
                params.extend(row)
                params.extend(tail)
            cursor.execute(f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES {', '.join([one] * len(chunk))}{back}", params)
            if returning:
                out.extend(cursor.fetchall())
    return out


def select_in(model, names: list[str], key: str, values: list, where: str = "") -> list[tuple]:
    """SELECT names FROM model's table WHERE key IN values [AND where]: a batch read without the ORM's per-value
    work on the IN list (25 ms per 1,000 hashes). Values come back as the driver gives them (SQLite: dates as text)."""
    if not values:
        return []
    opts, qn = model._meta, connection.ops.quote_name
    columns = ", ".join(qn(opts.get_field(name).column) for name in names)
    column = qn(opts.get_field(key).column)
    per = max_params()
    out = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), per):
            chunk = values[start:start + per]
            cursor.execute(f"SELECT {columns} FROM {qn(opts.db_table)} WHERE {column} IN ({', '.join(['%s'] * len(chunk))}){where}", chunk)
            out.extend(cursor.fetchall())
    return out
