"""Inserting new model instances in one statement whose SQL is built once per process (issue 12).

`Model.save(force_insert=True)` and `bulk_create` compile their INSERT anew on every call: for an intake's case, its
timeline rows and its outbox rows that compilation cost more than the database's work. `insert_instances` writes
the same values — every concrete field through its own `pre_save` (auto_now) and `get_db_prep_save` (dates, JSON,
encrypted fields), except where that conversion is the identity (a str for a CharField, an int for an integer
column or a foreign key: the plan per model says which), related objects saved earlier in the same step picked up as Django does — with an
INSERT … RETURNING of the primary key (SQLite ≥ 3.35, PostgreSQL) kept per model, row count and database vendor.

No model signals are sent (as with bulk_create); the instances come back with their primary keys set and marked
saved. Models with a primary key that is not an automatic one go through bulk_create.
"""

import datetime

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin, Field

_SQL: dict = {}
_PLANS: dict = {}

# Field classes whose conversion for the database is the identity for these values: CharField's to_python keeps
# any str (choices' members included), IntegerField's int() and FloatField's float() keep exactly an int and a
# float, BooleanField keeps a bool; a foreign key defers to its target. An aware datetime goes straight to the
# database's adapter (what DateTimeField's conversion ends in). Any other value, and any other field class (JSON,
# encrypted fields, subclasses), goes through get_db_prep_save.
_STR, _DATETIME = "str", "datetime"
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


def _plan(model):
    """Per model and database: the columns to write and, per column, how to read and convert its value."""
    key = (model, connection.vendor)
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


def _statement(model, count: int, fields) -> str:
    key = (model, count, connection.vendor)
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
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
    if not isinstance(opts.pk, AutoFieldMixin) or any(o.pk is not None for o in objs) or not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(objs)
    fields, steps, relations, private = _plan(model)
    params = []
    append = params.append
    adapt_datetime = connection.ops.adapt_datetimefield_value
    for obj in objs:
        if private:  # generic relations: Django's own check
            obj._prepare_related_fields_for_save(operation_name="insert")
        else:
            _prepare_related(obj, relations)  # a related row saved after it was assigned
        values = obj.__dict__
        for field, attname, pre_save, identity in steps:
            value = field.pre_save(obj, True) if pre_save else (values[attname] if attname in values else getattr(obj, attname))
            if value is None:
                append(None)
            elif identity is _STR:
                append(value if isinstance(value, str) else field.get_db_prep_save(value, connection))
            elif identity is _DATETIME:
                aware = type(value) is datetime.datetime and value.tzinfo is not None
                append(adapt_datetime(value) if aware else field.get_db_prep_save(value, connection))
            else:
                append(value if type(value) in identity else field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(_statement(model, len(objs), fields), params)
        rows = cursor.fetchall()
    for obj, (pk,) in zip(objs, rows):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
