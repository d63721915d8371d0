"""Inserting new model instances in one statement whose SQL is built once per process (issue 12).

`Model.save(force_insert=True)` and `bulk_create` compile their INSERT anew on every call: for an intake's case, its
timeline rows and its outbox rows that compilation cost more than the database's work. `insert_instances` writes
the same values — every concrete field through its own `pre_save` (auto_now, defaults) and `get_db_prep_save`
(dates, JSON, encrypted fields), related objects saved earlier in the same step picked up as Django does — with an
INSERT … RETURNING of the primary key (SQLite ≥ 3.35, PostgreSQL) kept per model, row count and database vendor.

No model signals are sent (as with bulk_create); the instances come back with their primary keys set and marked
saved. Models with a primary key that is not an automatic one go through bulk_create.
"""

from django.db import connection
from django.db.models.fields import AutoFieldMixin

_SQL: dict = {}


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
    fields = [f for f in opts.concrete_fields if f is not opts.pk and not getattr(f, "generated", False)]
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # a related row saved after it was assigned
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(_statement(model, len(objs), fields), params)
        rows = cursor.fetchall()
    for obj, (pk,) in zip(objs, rows):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
