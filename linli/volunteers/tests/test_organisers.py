"""Co-organisers of an activity: the community organises, with co-building units, property companies, social
organisations and volunteer teams of the community as co-organisers; their contacts can open the activity."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.core import roles
from linli.people.models import Organization
from linli.volunteers import services
from linli.volunteers.models import Activity

from .conftest import activity, sc, staff_person


@pytest.fixture
def units(world):
    return (Organization.objects.create(kind="co_building", name="市供电公司", community=world.a),
            Organization.objects.create(kind="social", name="夕阳红老年协会", community=world.a))


def test_an_activity_has_co_organisers(world, units):
    power, elders = units
    act = activity(world, organisers=[power, elders, world.orgs["property"]])
    assert set(Activity.objects.get(pk=act.pk).organisers.all()) == {power, elders, world.orgs["property"]}
    assert set(power.volunteer_activities.all()) == {act}
    plain = activity(world, title="无协办")
    assert plain.organisers.count() == 0


@pytest.mark.parametrize("bad", ["police", "party", "other_community", "inactive"])
def test_a_co_organiser_outside_the_rule_is_refused_and_nothing_is_created(world, units, bad):
    org = {"police": lambda: world.orgs["police"],  # a government department
           "party": lambda: Organization.objects.create(kind="party", name="柳航里社区党委", party_level="community_committee", community=world.a),
           "other_community": lambda: Organization.objects.create(kind="co_building", name="东风园共建单位", community=world.b),
           "inactive": lambda: Organization.objects.create(kind="social", name="已注销协会", community=world.a, active=False)}[bad]()
    with pytest.raises(ValidationError) as exc:
        activity(world, organisers=[units[0], org])
    assert exc.value.message_dict == {"organisers": [f"Co-organisers: {org.name} is not a co-building unit, property company, "
                                                     "social organisation or volunteer team of this community."]}
    assert Activity.objects.count() == 0


def test_the_organising_team_must_be_of_the_community(world):
    team_b = services.create_team(sc(world, "other_community_staff"), world.b, name="东风园服务队")
    with pytest.raises(ValidationError) as exc:
        activity(world, team=team_b)
    assert exc.value.message_dict == {"team": ["Organising team: must be a volunteer team of this community."]}
    assert Activity.objects.count() == 0
    team = services.create_team(sc(world, "community_staff"), world.a, name="益民志愿服务队")
    assert activity(world, team=team).team == team


def test_staff_create_an_activity_with_two_co_organisers_on_the_page(client, world, units):
    power, elders = units
    client.force_login(world.accounts["community_staff"])
    form = client.get(reverse("volunteers:activities")).content.decode()
    assert f'name="organisers" value="{power.pk}"' in form and f'name="organisers" value="{world.orgs["police"].pk}"' not in form
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    fmt = "%Y-%m-%dT%H:%M"
    r = client.post(reverse("volunteers:activities"), {
        "title": "重阳节义诊", "kind": "clinic", "audience": "volunteers", "place": "社区服务站", "starts_at": start.strftime(fmt),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime(fmt), "capacity": "6", "waitlist_size": "2", "points_per_hour": "10",
        "target_group": "elderly", "organisers": [str(power.pk), str(elders.pk)]}, follow=True)
    act = Activity.objects.get()
    assert r.redirect_chain[-1][0] == reverse("volunteers:activity", args=[act.pk])
    assert set(act.organisers.all()) == {power, elders}
    page = r.content.decode()
    dd = page[page.index('<dd id="organisers">'):]
    dd = dd[:dd.index("</dd>")]
    assert "市供电公司" in dd and "夕阳红老年协会" in dd and "航苑物业" not in dd


def test_a_contact_of_a_co_organising_organisation_sees_the_activity(client, world, units):
    """The property company's manager lives in another community: the activity their company co-organises opens for
    them and is listed on their volunteers home page; an activity it does not co-organise stays hidden."""
    staff_person(world, "pm_b", "韩经理", roles.PROPERTY_MANAGER, world.orgs["property"], community=world.b)
    theirs = activity(world, title="小区消防演练", organisers=[world.orgs["property"], units[0]])
    other = activity(world, title="社区义诊", organisers=[units[1]])
    client.force_login(world.accounts["pm_b"])
    assert client.get(reverse("volunteers:activity", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("volunteers:activity", args=[other.pk])).status_code == 404
    home = client.get(reverse("volunteers:home")).content.decode()
    assert 'id="co-organised"' in home
    listed = home[home.index('id="co-organised"'):]
    listed = listed[:listed.index("</section>")]
    assert "小区消防演练" in listed and "社区义诊" not in listed
    # a resident of the other community without such a tie sees neither
    client.force_login(world.accounts["resident_b"])
    assert client.get(reverse("volunteers:activity", args=[theirs.pk])).status_code == 404
    assert 'id="co-organised"' not in client.get(reverse("volunteers:home")).content.decode()


def test_an_ended_appointment_no_longer_opens_the_activity(client, world, units):
    staff_person(world, "pm_b", "韩经理", roles.PROPERTY_MANAGER, world.orgs["property"], community=world.b)
    theirs = activity(world, organisers=[world.orgs["property"]])
    world.persons["pm_b"].appointments.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(world.accounts["pm_b"])
    assert client.get(reverse("volunteers:activity", args=[theirs.pk])).status_code == 404
