"""Who certifies service hours: the community's staff of the activity's community; a team lead only an activity
they created or one their team organises; anyone else is refused, and nothing changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.core import roles
from linli.people.models import Organization
from linli.volunteers import services
from linli.volunteers.models import Posting, ServiceRecord

from .conftest import activity, approved, sc, staff_person

REFUSED = ("Certify: only the community's staff, or a team lead who created or whose team organises this activity, "
           "may certify its hours.")


def lead(world, key="lead", name="卢队长", where=None):
    return staff_person(world, key, name, roles.VOLUNTEER_TEAM_LEAD, where or world.a)


def past(world, scope=None, **kw):
    now = timezone.now()
    args = dict(title="楼道清理", place="1号楼", starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1),
                capacity=5)
    args.update(kw)
    return services.create_activity(scope or sc(world, "community_staff"), world.a, **args)


def unchanged(rec, vol):
    rec.refresh_from_db()
    return (rec.certified_at, rec.certified_by, rec.rating, rec.points, rec.minutes, services.account_of(vol).balance, Posting.objects.count(),
            OutboxMessage.objects.filter(event_key=f"service:{rec.pk}:certified").count())


def assert_refused(scope, rec, vol, message=REFUSED):
    before = unchanged(rec, vol)
    with pytest.raises(OutOfScope) as exc:
        services.certify(scope, rec, minutes=50, rating=5)
    assert str(exc.value) == message
    assert not services.may_certify(scope, rec)
    assert unchanged(rec, vol) == before and before[0] is None


def test_community_staff_and_secretary_of_the_community_certify(world, vol):
    act = past(world)
    for key in ("community_staff", "community_secretary"):
        rec = services.record_hours(sc(world, "community_staff"), act, vol, minutes=60) if key == "community_staff" else \
            services.record_hours(sc(world, "community_staff"), past(world, title="第二场"), vol, minutes=30)
        done = services.certify(sc(world, key), rec, rating=4)
        assert (done.certified_by, done.rating, done.points) == (world.accounts[key], 4, rec.minutes * 10 // 60)
    assert services.account_of(vol).balance == 10 + 5


def test_staff_of_another_community_and_others_are_refused(world, vol):
    rec = services.record_hours(sc(world, "community_staff"), past(world), vol, minutes=60)
    for key in ("other_community_staff", "subdistrict_staff", "grid_worker", "building_leader", "resident", "property_manager"):
        assert_refused(sc(world, key), rec, vol)


def test_a_team_lead_certifies_an_activity_they_created(world, vol):
    me = lead(world)
    act = past(world, me)
    rec = services.record_hours(me, act, vol, minutes=60)
    assert services.may_certify(me, rec)
    done = services.certify(me, rec, rating=5)
    assert (done.certified_by, done.points, services.account_of(vol).balance) == (world.accounts["lead"], 10, 10)


def test_a_team_lead_is_refused_for_the_community_s_own_activity_and_another_team_s(world, vol):
    me = lead(world)
    other_lead = approved(world, key=None, person_key="a3")
    their_team = services.create_team(sc(world, "community_staff"), world.a, name="邻里互助志愿服务队", lead=other_lead)
    own = services.record_hours(sc(world, "community_staff"), past(world), vol, minutes=60)
    theirs = services.record_hours(sc(world, "community_staff"), past(world, title="理发", team=their_team), vol, minutes=60)
    another_lead = lead(world, "lead2", "马队长")
    another = services.record_hours(another_lead, past(world, another_lead, title="马队长的活动"), vol, minutes=60)
    for rec in (own, theirs, another):
        assert_refused(me, rec, vol)


def test_a_team_lead_certifies_what_their_team_organises(world, vol):
    """The lead of the organising team (as the team's lead volunteer), and the appointed lead of a volunteer-team
    organisation that co-organises the activity."""
    me = lead(world)
    my_volunteer = approved(world, key="lead", person_key="lead")
    team = services.create_team(sc(world, "community_staff"), world.a, name="益民志愿服务队", lead=my_volunteer)
    rec = services.record_hours(sc(world, "community_staff"), past(world, team=team), vol, minutes=60)
    assert services.certify(me, rec).certified_by == world.accounts["lead"]

    org = Organization.objects.create(kind="volunteer_team", name="航苑小区志愿服务队", community=world.a)
    org_lead = lead(world, "org_lead", "钱队长", where=org)
    co = services.record_hours(sc(world, "community_staff"), past(world, title="小区清扫", organisers=[org]), vol, minutes=90)
    assert_refused(me, co, vol)  # not my team's organisation
    assert services.certify(org_lead, co, rating=4).certified_by == world.accounts["org_lead"]
    # and a team of that organisation, named as the organising team, is theirs too
    org_team = services.create_team(sc(world, "community_staff"), world.a, name=org.name, organization=org)
    third = services.record_hours(sc(world, "community_staff"), past(world, title="文明劝导", team=org_team), vol, minutes=30)
    assert services.certify(org_lead, third).certified_by == world.accounts["org_lead"]
    assert services.account_of(vol).balance == 10 + 15 + 5


def test_a_team_lead_who_is_staff_elsewhere_is_no_community_staff_here(world, vol):
    """Community staff of community B who is also a team lead in A: in A they certify only as a team lead."""
    from linli.people import services as people
    from linli.people.scopes import system
    people.appoint(system(), world.persons["other_community_staff"], roles.VOLUNTEER_TEAM_LEAD, world.a, starts_on=datetime.date(2020, 1, 1))
    both = sc(world, "other_community_staff")
    assert services.is_staff(both, world.a) and not services.is_community_staff(both, world.a)
    rec = services.record_hours(sc(world, "community_staff"), past(world), vol, minutes=60)
    assert_refused(both, rec, vol)


def test_service_menu_hours_are_certified_by_the_community_s_staff_only(world, vol):
    me = lead(world)
    item = services.add_menu_item(sc(world, "community_staff"), world.a, target_group="elderly", title="上门理发")
    order = services.order_service(sc(world, "community_staff"), item, person=world.persons["a2"])
    services.claim_order(sc(world, "resident"), order)
    rec = services.complete_order(sc(world, "resident"), order, minutes=60)
    assert_refused(me, rec, vol, "Certify: only the community's staff may certify the hours of a service-menu task.")
    assert services.certify(sc(world, "community_staff"), rec).points == 10


def test_the_activity_page_offers_certify_only_to_who_may(client, world, vol):
    me = lead(world)
    rec = services.record_hours(sc(world, "community_staff"), past(world), vol, minutes=60)
    client.force_login(world.accounts["lead"])
    page = client.get(reverse("volunteers:activity", args=[rec.activity_id])).content.decode()
    assert f'id="record-{rec.pk}"' in page and reverse("volunteers:certify", args=[rec.pk]) not in page
    assert "待社区工作人员或组织队伍的队长认定" in page
    r = client.post(reverse("volunteers:certify", args=[rec.pk]), {"minutes": "60", "rating": "5"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("volunteers:activity", args=[rec.activity_id])
    body = r.content.decode()
    assert 'class="msg error"' in body and "认定时长：只有本社区工作人员，或创建了该活动、其队伍组织该活动的志愿服务队队长" in body  # told, in zh-Hans
    rec.refresh_from_db()
    assert rec.certified_at is None and Posting.objects.count() == 0
    client.force_login(world.accounts["community_staff"])
    page = client.get(reverse("volunteers:activity", args=[rec.activity_id])).content.decode()
    assert reverse("volunteers:certify", args=[rec.pk]) in page
    client.post(reverse("volunteers:certify", args=[rec.pk]), {"minutes": "60", "rating": "5"})
    assert ServiceRecord.objects.get(pk=rec.pk).certified_by == world.accounts["community_staff"]
    assert services.may_certify(me, rec) is False
