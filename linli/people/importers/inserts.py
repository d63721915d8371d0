"""Plain multi-row INSERTs for the rows an import creates: what bulk_create writes, without model instances.

bulk_create builds a model instance per row and passes every value of every field through the SQL compiler
(pre_save, get_db_prep_save, placeholders): for the import's new residents that was half of its time. Here a
row is a tuple of values in the order of the field names given; every other column gets its field's default
(auto_now / auto_now_add fields: now), computed once per call. Values go to the database as given except for
the fields whose Python value differs from the database's (dates, times, JSON, decimals), which pass through
the field's get_db_prep_save. The encrypted columns and their look-up hashes are the caller's to fill
(crypto.encrypt_many, crypto.lookup_hash): they are written as given.

Statements are as long as the backend allows (SQLite's bound-parameter limit, read from the connection;
30,000 parameters on PostgreSQL), so a batch of 1,000 residents is a handful of statements. `returning`
names columns to read back (RETURNING, SQLite ≥ 3.35 and PostgreSQL): callers map the rows by a key they
return, never by position.
"""

from django.db import connection, models
from django.utils import timezone

from linli.core.fields import EncryptedTextField, LookupHashField

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


def insert(model, names: list[str], rows: list[tuple], returning: tuple[str, ...] = ()) -> list[tuple]:
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
