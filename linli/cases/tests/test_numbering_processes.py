"""Issue 12 (3): case numbers from the day's counter row, correct under two real processes.

Two Python processes (not threads) submit N cases each against the test database (the SQLite file, or the PostgreSQL
database of the --postgres run), released together: every number is unique, and the day's numbers run 0001…2N with no
gap; the counter row ends at 2N."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.utils import timezone

from linli.cases.models import Case, CaseCounter, CaseEvent

from .test_worker_kill import _database_url

N = int(os.environ.get("LINLI_NUMBERING_N", "25"))

CHILD = textwrap.dedent("""
    import os, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django
    django.setup()
    from linli.cases import services
    from linli.people.models import Account
    from linli.people.scopes import resolve
    from linli.places.models import Dwelling

    n, go, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    scope = resolve(Account.objects.get(username="resident"))
    home = Dwelling.objects.get(pk=int(sys.argv[4]))
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    for i in range(n):
        services.submit(scope, source="resident", description=f"楼上渗水 {tag} {i}", category="home.leak", dwelling=home)
    print("done", flush=True)
""")


@pytest.mark.django_db(transaction=True)
def test_two_processes_draw_unique_gapless_numbers(tmp_path):
    from linli.cases.tests.conftest import make_categories
    from linli.testing.world import build_world

    w = build_world()
    make_categories()
    go = tmp_path / "go"
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING")
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(N), str(go), tag, str(w.dwellings["A1-101"].pk)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("p1", "p2")]
    try:
        for p in procs:  # both set up (Django loaded, connected) before either submits
            line = p.stdout.readline()
            assert line.strip() == "ready", p.stderr.read()[-3000:]
        go.touch()
        for p in procs:
            out, err = p.communicate(timeout=600)
            assert p.returncode == 0, err[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 2 * N == len(set(numbers))
    day = timezone.localdate()
    prefix = day.strftime("%Y%m%d")
    assert sorted(numbers) == [f"{prefix}-{i:04d}" for i in range(1, 2 * N + 1)]  # no gap, no collision
    assert CaseCounter.objects.get(day=day).last == 2 * N
    assert {d.split()[1] for d in Case.objects.values_list("description", flat=True)} == {"p1", "p2"}
    assert CaseEvent.objects.filter(action="submit").count() == 2 * N
