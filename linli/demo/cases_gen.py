"""Demo cases for 柳航里: reports from every source, in every state, so the queues, the case pages,
the public board and the rates have something true to show. Everything goes through cases.services."""

import datetime
import random

from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case, Category
from linli.cases.taxonomy import leaves
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import resolve, system
from linli.places.models import Community

SEED = 3110
SOURCES = ["resident", "hotline", "patrol", "building_leader", "hotline", "resident"]


def _scope_for(source, case_like, rng):
    if source == "patrol":
        appt = Appointment.objects.filter(role=roles.GRID_WORKER, grid=case_like.dwelling.building.grid, person__account__isnull=False).first()
        return resolve(appt.person.account) if appt else system()
    if source == "building_leader":
        appt = Appointment.objects.filter(role=roles.BUILDING_LEADER, building=case_like.dwelling.building, person__account__isnull=False).first()
        return resolve(appt.person.account) if appt else system()
    return system()


def build(main: Community, count: int = 80) -> int:
    rng = random.Random(SEED)
    codes = [leaf["code"] for leaf in leaves() if Category.objects.filter(code=leaf["code"]).exists()]
    examples = {leaf["code"]: leaf["examples"] for leaf in leaves()}
    residents = list(Person.objects.filter(community=main, dwelling__isnull=False, status=Person.Status.LIVING_HERE).exclude(phone_hash="").select_related("dwelling__building")[:600])
    demo_resident = Account.objects.filter(username="resident").select_related("person__dwelling__building").first()
    if not residents or not codes:
        return 0
    made = 0
    for i in range(count):
        code = rng.choice(codes)
        text = rng.choice(examples[code])
        source = SOURCES[i % len(SOURCES)]
        reporter = demo_resident.person if (source == "resident" and demo_resident and i % 12 == 0) else rng.choice(residents)

        class Probe:
            dwelling = reporter.dwelling

        scope = _scope_for(source, Probe, rng)
        kwargs = dict(source=source, description=text, category=code, dwelling=reporter.dwelling)
        if source == "resident":
            if demo_resident and reporter.pk == demo_resident.person_id:
                scope = resolve(demo_resident)
            else:
                kwargs["source"] = "hotline"
                kwargs.update(reporter_name=reporter.name, reporter_phone=reporter.phone)
        elif source == "hotline":
            kwargs.update(reporter_name=reporter.name, reporter_phone=reporter.phone)
        else:
            kwargs["reporter_person"] = reporter
        case = services.submit(scope, **kwargs)
        made += 1
        _progress(case, rng.random())
    return made


def _handler_scope(case):
    if case.assignee_id:
        return resolve(case.assignee)
    return system()


def _progress(case: Case, r: float) -> None:
    """Move a share of the cases along: 25 % stay new, the rest accepted, resolved or closed."""
    if r < 0.25:
        return
    s = _handler_scope(case)
    services.accept(s, case, "已收到，马上处理")
    if r < 0.45:
        return
    if r > 0.9 and case.tier in ("community", "department"):
        staff = Appointment.objects.filter(role=roles.COMMUNITY_STAFF, community=case.community, person__account__isnull=False).first()
        dept = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT, subdistrict=case.subdistrict).first()
        if staff and dept:
            services.whistle(resolve(staff.person.account), case, [dept], "需要相关部门协同处置", report_in_hours=4)
            return
    services.resolve(s, case, "已现场处理完毕，问题解决")
    if r < 0.6:
        return
    # the verdict period has passed for the older ones: closed by the community's rule
    Case.objects.filter(pk=case.pk).update(rating_due=timezone.now() - datetime.timedelta(minutes=1))
    case.refresh_from_db()
    services.close_unrated(case.pk, timezone.now())
