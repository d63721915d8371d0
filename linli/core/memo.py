"""Process-local caches that stay right across server processes (issue 12).

An intake used to read the same rarely-changing rows on every request — the token and its account, the caller's
posts, the category, the place of a dwelling, who holds a post — each through the ORM, whose SQL compilation cost
more than the database's work. A `Memo` keeps such answers in the process, tagged with the *generation* of the
tables they were read from.

A generation is a row of `core_cachegeneration`, one per group of tables (GROUPS). A trigger on every table of a
group (registered with `watch` by each app for its own tables, installed after every migrate) gives the group's row a new
random value in the same transaction as any insert, update or delete — bulk updates, imports and raw SQL
included. Every `Memo.get` first reads its groups' values (one small query, no ORM; inside a request once, and again
only after the request wrote something) and drops its entries when they changed; so a change committed by any process
is seen by every process on its next request, exactly when the data itself becomes visible. The values are random rather than counted so that a rolled-back change or a flushed
test database can never bring back a value an old entry was tagged with.

The cost is that one query per request (about 30 µs on SQLite); a miss computes as before and stores the answer
when the generation did not move meanwhile. Entries are shared between a process's threads: callers copy model
instances they hand out for changing (`copy_instance`).
"""

import copy
import threading

from django.db import connection

# the groups; each app names the tables that move a group with `watch` (in its AppConfig.ready)
GROUPS = ("auth", "posts", "people", "places", "orgs", "categories", "lockouts", "grids", "stations")

TABLE = "core_cachegeneration"


_local = threading.local()


def _read() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, value FROM {TABLE}")
        return dict(cursor.fetchall())


def snapshot(groups) -> tuple:
    """The current values of these groups (0 for a group no change has touched yet).

    Inside a request the values are read once and kept until the request writes anything (any statement but a
    SELECT clears them: the request may just have moved a generation) — so a request sees the generations as of
    its start or its last write, as it sees the data. Outside requests (commands, the worker, tests calling
    services) every call reads."""
    values = getattr(_local, "values", None)
    if values is None:
        values = _read()
        if getattr(_local, "in_request", False):
            _local.values = values
    return tuple(values.get(g, 0) for g in groups)


def _forget_on_write(execute, sql, params, many, context):
    if _local.values is not None and not sql.lstrip()[:6].upper().startswith("SELECT"):
        _local.values = None
    return execute(sql, params, many, context)


def request_started(**kwargs) -> None:
    _local.values = None
    _local.in_request = True
    if _forget_on_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(_forget_on_write)


def request_finished(**kwargs) -> None:
    _local.values = None
    _local.in_request = False
    if _forget_on_write in connection.execute_wrappers:
        connection.execute_wrappers.remove(_forget_on_write)


class Memo:
    """A dict of answers valid while the generations of `groups` stay as they were when the answers were read."""

    def __init__(self, name: str, groups, maxsize: int = 4096, one_at_a_time: bool = False):
        """one_at_a_time: a miss is computed by one thread of the process while the others wait for its answer
        (for answers that take long to build, such as the grid index)."""
        unknown = set(groups) - set(GROUPS)
        if unknown:
            raise ValueError(f"memo {name}: unknown groups {sorted(unknown)}")
        self.name, self.groups, self.maxsize = name, tuple(groups), maxsize
        self._lock = threading.Lock()
        self._computing = threading.Lock() if one_at_a_time else None
        self._tag = None
        self._data = {}
        self.hits = self.misses = 0

    def _kept(self, tag, key):
        """(True, the answer) when it is held for this generation; else (False, None). Called under self._lock."""
        if tag != self._tag:
            self._data.clear()
            self._tag = tag
        elif key in self._data:
            self.hits += 1
            return True, self._data[key]
        return False, None

    def get(self, key, compute):
        tag = snapshot(self.groups)
        with self._lock:
            found, value = self._kept(tag, key)
        if found:
            return value
        if self._computing is None:
            return self._computed(tag, key, compute)
        with self._computing:
            tag = snapshot(self.groups)  # as of now, not of before the wait: a stale tag would throw out a newer answer
            with self._lock:  # another thread may have built it while this one waited
                found, value = self._kept(tag, key)
            return value if found else self._computed(tag, key, compute)

    def _computed(self, tag, key, compute):
        self.misses += 1
        value = compute()
        with self._lock:
            if tag == self._tag:  # a newer generation came in meanwhile: the answer may be stale, do not keep it
                if len(self._data) >= self.maxsize:
                    self._data.clear()
                self._data[key] = value
        return value

    def clear(self):
        with self._lock:
            self._data.clear()
            self._tag = None


def copy_instance(obj):
    """A copy of a cached model instance (own field values and own cache of related objects), one level deep."""
    if obj is None:
        return None
    twin = _twin(obj)
    cache = twin._state.fields_cache
    for name, related in cache.items():
        if related is not None and hasattr(related, "_state"):
            cache[name] = _twin(related)
    return twin


def _twin(obj):
    """What copy.copy makes of a model instance (its field values, its own _state with its own fields_cache), without
    the pickling protocol's round trip through Model.__reduce__ and __setstate__ (an API intake made 26 such copies)."""
    values = obj.__dict__
    if any(isinstance(value, memoryview) for value in values.values()):
        return copy.copy(obj)  # Django's pickling turns these into bytes and back
    state = obj._state
    twin_state = object.__new__(type(state))
    twin_state.__dict__.update(state.__dict__)
    twin_state.fields_cache = dict(state.fields_cache)
    twin = object.__new__(type(obj))
    twin.__dict__.update(values)
    twin._state = twin_state
    return twin


# ---------------------------------------------------------------------------- the triggers
def _trigger_name(table: str, op: str) -> str:
    return f"linli_gen_{table}_{op}"[:63]


def _events(table: str, columns):
    """(trigger name, event) for insert, update (of these columns only, if given) and delete."""
    for op in ("insert", "update", "delete"):
        event = "UPDATE OF " + ", ".join(f'"{c}"' for c in columns) if op == "update" and columns else op.upper()
        yield _trigger_name(table, op), event


def _sqlite_sql(table: str, groups, columns) -> tuple[list[str], list[str]]:
    create, drop = [], []
    rows = ", ".join(f"('{g}', 0)" for g in groups)
    names = ", ".join(f"'{g}'" for g in groups)
    for name, event in _events(table, columns):
        create.append(f'DROP TRIGGER IF EXISTS "{name}"')
        create.append(
            f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN '
            f"INSERT OR IGNORE INTO {TABLE} (name, value) VALUES {rows}; "
            f"UPDATE {TABLE} SET value = abs(random()) WHERE name IN ({names}); END"
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{name}"')
    return create, drop


def _postgres_sql(table: str, groups, columns) -> tuple[list[str], list[str]]:
    func = "linli_gen_bump_" + "_".join(groups)
    rows = ", ".join(f"('{g}', floor(random() * 9e15)::bigint)" for g in groups)
    create = [
        f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {TABLE} (name, value) VALUES {rows} "
        f"ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$"
    ]
    drop = []
    for name, event in _events(table, columns):
        # once per statement: a bulk insert of 100,000 rows moves the generation once, not 100,000 times
        create.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        create.append(f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {func}()')
        drop.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
    return create, drop


_REGISTERED: dict[str, tuple] = {}


def watch(model, group: str, update_fields=None) -> None:
    """Move `group` on every change of `model`'s table. With update_fields, an UPDATE moves it only when it sets
    one of those fields (e.g. not for a token's last-used time). Apps call this in their AppConfig.ready. A table
    may move several groups (watched once per group, with the same update_fields): one trigger moves them all."""
    if group not in GROUPS:
        raise ValueError(f"generation trigger on {model}: unknown group {group}")
    label, fields = model._meta.label_lower, tuple(update_fields or ())
    known = _REGISTERED.get(label)
    if known is not None and known[2] != fields:
        raise ValueError(f"generation trigger on {model}: every group of a table watches the same columns")
    groups = known[1] if known is not None else ()
    _REGISTERED[label] = (model, groups + ((group,) if group not in groups else ()), fields)


def install_triggers(using="default", **kwargs) -> int:
    """(Re)install every registered trigger; idempotent. Runs after every migrate (a SQLite table rebuilt by a
    migration loses its triggers) and after a restore."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor not in ("sqlite", "postgresql"):
        return 0
    tables = set(conn.introspection.table_names())
    if TABLE not in tables:
        return 0
    count = 0
    with conn.cursor() as cursor:
        for model, groups, fields in _REGISTERED.values():
            if model._meta.db_table not in tables:
                continue
            columns = [model._meta.get_field(f).column for f in fields]
            maker = _postgres_sql if conn.vendor == "postgresql" else _sqlite_sql
            for statement in maker(model._meta.db_table, groups, columns)[0]:
                cursor.execute(statement)
            count += 1
    return count
