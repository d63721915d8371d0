"""A SELECT of model instances compiled once, run with new values (issue 12: a resident's first report).

A queryset compiles its SQL on every evaluation; for the lookups every request makes — the bearer token with its
account and person, a resident's own home — compiling cost several times what the database did. `Prepared` builds
the queryset once per database with marker values in place of the parameters that change, keeps its SQL and
Django's recipe for turning rows into instances (the columns of each model, select_related's populators, each
field's converters: decryption, dates), and on `first(**values)` runs that SQL with the real values put where the
markers were. What comes back is what the queryset's `.first()` would give (tests compare them field by field).

A shape whose marker does not reach the SQL unchanged as one parameter (a lookup that transforms its value, such as
`icontains`) is refused when it is compiled, so it cannot silently run with a marker.
"""

import weakref

from django.db import connections
from django.db.models.query import get_related_populators


_ALL: "weakref.WeakSet[Prepared]" = weakref.WeakSet()  # every shape alive, compiled at start by warm_all


class Prepared:
    def __init__(self, build, *names: str):
        """build(**markers) -> QuerySet: the shape, with each of `names` standing for a value given to first()."""
        self.build, self.names = build, names
        self._plans: dict = {}
        _ALL.add(self)

    def _plan(self, alias: str):
        plan = self._plans.get(alias)
        if plan is None:
            # integers no real value is: a text column receives them as their digits, an integer column as is
            markers = {name: -9_111_222_333_444_000 - i for i, name in enumerate(self.names)}
            queryset = self.build(**markers)
            if not queryset.ordered:
                queryset = queryset.order_by("pk")
            compiler = queryset[:1].query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = {}
            for i, param in enumerate(params):
                for name, marker in markers.items():
                    if param == marker or param == str(marker):
                        slots[i] = name
                    elif isinstance(param, str) and str(marker) in param:
                        raise ValueError(f"Prepared: {name} is transformed by its lookup ({param!r}); not preparable")
            if sorted(slots.values()) != sorted(self.names):
                raise ValueError(f"Prepared: each of {self.names} must appear once as a parameter; found {sorted(slots.values())}")
            info = compiler.klass_info
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = [col[0].target.attname for col in compiler.select[start:end]]
            populators = get_related_populators(info, compiler.select, alias)
            plan = self._plans[alias] = (sql, list(params), slots, compiler, info["model"], start, end, init_list, populators)
        return plan

    def compiled(self, alias: str = "default") -> bool:
        return alias in self._plans

    def first(self, **values):
        """The first instance for these values (with its select_related objects), or None."""
        alias = "default"  # linli has one database
        sql, params, slots, compiler, model, start, end, init_list, populators = self._plan(alias)
        params = list(params)
        for i, name in slots.items():
            params[i] = values[name]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(1)
        for row in compiler.results_iter([rows]):
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            return obj
        return None


def warm_all(alias: str = "default") -> int:
    """Compile every shape made so far (the server's master does this before it forks its workers, so that no
    worker's first request compiles one). Returns how many were compiled; a shape that cannot be prepared is left to
    refuse at its first use, as it would without this."""
    compiled = 0
    for prepared in list(_ALL):
        try:
            prepared._plan(alias)
        except ValueError:
            continue
        compiled += 1
    return compiled
