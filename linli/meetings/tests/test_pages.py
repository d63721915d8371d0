"""Council-hall pages through the test client: who sees what, forms calling the services, errors beside the form."""

import datetime
import importlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.meetings import services
from linli.meetings.models import Ballot, Matter, Meeting, Reply, Support, Vote
from linli.testing.pages import has_pager, two_pages

from .conftest import sc


def login(client, world, key):
    client.force_login(world.accounts[key])
    return client


@pytest.fixture
def matter(world):
    services.set_support_threshold(sc(world, "community_staff"), world.a, 2)
    return services.raise_matter(sc(world, "resident"), title="楼道加装扶手", what="老人上楼需要扶手", level="building")


def test_every_page_renders_for_resident_and_staff(world, matter, client):
    login(client, world, "resident")
    for name, args in [("home", []), ("raise", []), ("matter", [matter.pk]), ("reception", [])]:
        r = client.get(reverse(f"meetings:{name}", args=args))
        assert r.status_code == 200, name
    assert "楼道加装扶手" in client.get(reverse("meetings:home")).content.decode()
    assert client.get(reverse("meetings:meetings")).status_code == 200  # lists only what the scope allows (nothing)
    assert client.get(reverse("meetings:committees")).status_code == 403
    login(client, world, "community_staff")
    for name, args in [("home", []), ("matter", [matter.pk]), ("meetings", []), ("committees", []), ("reception", [])]:
        assert client.get(reverse(f"meetings:{name}", args=args)).status_code == 200, name
    # another community's staff and resident do not see the matter
    login(client, world, "resident_b")
    assert client.get(reverse("meetings:matter", args=[matter.pk])).status_code == 404
    assert "楼道加装扶手" not in client.get(reverse("meetings:home") + "?status=").content.decode()


def test_raise_form_refusal_shows_the_message_and_saves_nothing(world, client):
    login(client, world, "resident")
    r = client.post(reverse("meetings:raise"), {"title": "", "what": "x", "level": "compound"})
    assert r.status_code == 400
    assert "标题：请用几个字概括事项。" in r.content.decode()  # the field and the rule, beside the form
    assert Matter.objects.count() == 0
    r = client.post(reverse("meetings:raise"), {"title": "垃圾桶太少", "what": "小区垃圾桶太少，经常满溢", "level": "compound"})
    m = Matter.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("meetings:matter", args=[m.pk]) and m.compound == world.compounds["A"]


def test_support_reply_hide_vote_and_paper_ballot_pages(world, matter, client, town):
    n1, = town.household("A1", "301", "邻居甲")
    login(client, world, n1.key)
    assert client.post(reverse("meetings:support", args=[matter.pk])).status_code == 302
    matter.refresh_from_db()
    assert matter.status == "on_agenda" and Support.objects.count() == 2
    r = client.post(reverse("meetings:support", args=[matter.pk]))  # twice: the message, 400, nothing saved
    assert r.status_code == 400 and Support.objects.count() == 2
    assert "附议：您已经附议过该事项。" in r.content.decode()
    client.post(reverse("meetings:reply", args=[matter.pk]), {"text": "同意加装，我家出一份力"})
    reply = Reply.objects.get()
    login(client, world, "resident_b")
    assert client.post(reverse("meetings:reply", args=[matter.pk]), {"text": "外人"}).status_code == 404
    login(client, world, "community_staff")
    client.post(reverse("meetings:hide", args=[matter.pk, reply.pk]), {"reason": "重复发帖"})
    reply.refresh_from_db()
    assert reply.hidden
    login(client, world, n1.key)
    page = client.get(reverse("meetings:matter", args=[matter.pk])).content.decode()
    assert "重复发帖" in page and "同意加装，我家出一份力" not in page
    login(client, world, "community_staff")
    closes = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(reverse("meetings:open_vote", args=[matter.pk]), {"level": "building", "unit": "household", "quorum": "5/3",
                                                                      "majority": "1/2", "strict": "more", "closes_at": closes})
    assert r.status_code == 400 and Vote.objects.count() == 0
    assert "参与率要求：须为大于0且不超过1的分数，如 2/3。" in r.content.decode()
    client.post(reverse("meetings:open_vote", args=[matter.pk]), {"level": "building", "unit": "household", "quorum": "2/3", "by_building": "on",
                                                                  "majority": "1/2", "strict": "more", "closes_at": closes})
    vote = Vote.objects.get()
    assert vote.by_building and vote.eligible == 3  # A1-101, A1-201, A1-301
    agree = matter.options.get(rejects=False)  # "同意": labelled in the language of the staff member who opened the vote
    login(client, world, "resident")
    assert client.post(reverse("meetings:cast", args=[matter.pk]), {"option": agree.pk}).status_code == 302
    login(client, world, "community_staff")
    roll = client.get(reverse("meetings:ballots", args=[vote.pk])).content.decode()
    assert "101" in roll
    own = vote.roll.get(household=world.persons["a1"].household)
    r = client.post(reverse("meetings:paper", args=[vote.pk]), {"entry": own.pk, "option": agree.pk})  # already voted online
    assert r.status_code == 400 and Ballot.objects.count() == 1
    assert f"{own.label}: 表决：本户已经投过票（线上）。" in r.content.decode()
    other = vote.roll.get(household=n1.household)
    client.post(reverse("meetings:paper", args=[vote.pk]), {"entry": other.pk, "option": agree.pk})
    assert Ballot.objects.filter(channel="paper").count() == 1
    client.post(reverse("meetings:close_vote", args=[matter.pk]))
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.passed
    # a ballot after the close: refused with the time it closed, nothing counted
    login(client, world, "resident")
    r = client.post(reverse("meetings:cast", args=[matter.pk]), {"option": agree.pk})
    closed_at = timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")
    assert r.status_code == 400 and f"表决：已于{closed_at}截止。" in r.content.decode()
    assert Ballot.objects.count() == 2
    login(client, world, "community_staff")
    page = client.get(reverse("meetings:ballots", args=[vote.pk])).content.decode()
    assert 'class="badge ok" id="recount"' in page  # the recount equals the published result


def test_meeting_pages_schedule_record_and_pdf(world, client):
    login(client, world, "community_staff")
    r = client.post(reverse("meetings:meetings"), {"kind": "regular", "title": "网格例会", "starts_at": "2030-01-05T15:00", "place": "社区"})
    assert r.status_code == 400 and Meeting.objects.count() == 0  # no chair
    assert "主持人：会议需要主持人。" in r.content.decode()
    r = client.post(reverse("meetings:meetings"), {"kind": "joint", "title": "联席会议", "starts_at": "2030-01-05T15:00", "place": "社区",
                                                   "chair": world.persons["community_staff"].pk, "persons": [world.persons["grid_worker"].pk],
                                                   "orgs": [world.orgs["police"].pk, world.orgs["property"].pk]})
    m = Meeting.objects.get()
    assert r.status_code == 302 and m.chair == world.persons["community_staff"]
    assert {a.person_id or a.organization_id for a in m.attendances.all()} == {world.persons["community_staff"].pk, world.persons["grid_worker"].pk,
                                                                                world.orgs["police"].pk, world.orgs["property"].pk}
    from linli.core.models import OutboxMessage
    assert OutboxMessage.objects.filter(event_key=f"meeting:{m.pk}:invite", recipient=world.accounts["department_contact"]).exists()
    r = client.post(reverse("meetings:minutes", args=[m.pk]), {"minutes": "研究", "text_1": "清理楼道", "due_1": "2030-02-01"})
    assert r.status_code == 400 and m.actions.count() == 0  # no owner
    assert "决议 1：事项需要负责人（人员或组织）。" in r.content.decode()
    m.refresh_from_db()
    assert not m.held
    att = m.attendances.get(organization=world.orgs["police"])
    r = client.post(reverse("meetings:minutes", args=[m.pk]), {"minutes": "研究楼道堆物", f"att_{att.pk}": "absent", "text_1": "清理楼道",
                                                               "owner_1": f"org:{world.orgs['property'].pk}", "kind_1": "property", "due_1": "2030-02-01"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.held and m.actions.get().owner_org == world.orgs["property"]
    pdf = client.get(reverse("meetings:pdf", args=[m.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    login(client, world, "other_community_staff")
    assert client.get(reverse("meetings:meeting", args=[m.pk])).status_code == 404


def test_admin_pages_open(world, matter, client):
    login(client, world, "admin")
    for model in ("meeting", "standingcommittee", "councilsettings", "matter", "vote", "ballot", "evaluation", "receptionslot",
                  "booking", "action", "actionprogress"):
        assert client.get(f"/admin/meetings/{model}/").status_code == 200, model
    assert client.get(f"/admin/meetings/matter/{matter.pk}/change/").status_code == 200


def test_staff_raise_a_matter_grouping_cases(world, client):
    from linli.cases import services as cases
    from linli.cases.tests.conftest import make_categories

    make_categories()
    staff = sc(world, "community_staff")
    c1 = cases.submit(staff, source="hotline", description="2号楼楼道堆满杂物", category="env.clutter", dwelling=world.dwellings["A2-301"], reporter_name="刘女士")
    c2 = cases.submit(staff, source="hotline", description="2号楼楼道杂物堵住消防通道", category="env.clutter", dwelling=world.dwellings["A2-301"], reporter_name="刘女士")
    login(client, world, "community_staff")
    r = client.post(reverse("meetings:raise"), {"title": "2号楼楼道堆物整治", "what": "多次反映楼道堆物，需居民议定清理办法", "level": "building",
                                                "cases": f"{c1.number}, 99999999-0001"})
    assert r.status_code == 400 and "99999999-0001" in r.content.decode() and Matter.objects.count() == 0
    r = client.post(reverse("meetings:raise"), {"title": "2号楼楼道堆物整治", "what": "多次反映楼道堆物，需居民议定清理办法", "level": "building",
                                                "cases": f"{c1.number}，{c2.number}"})
    m = Matter.objects.get()
    assert r.status_code == 302 and set(m.cases.all()) == {c1, c2} and m.building == world.buildings["A2"]
    assert m.raised_by == world.persons["community_staff"] and m.support_count == 0  # staff live elsewhere: no self-support
    login(client, world, "resident")
    r = client.post(reverse("meetings:raise"), {"title": "不是我的诉求", "what": "关联别人反映的诉求", "cases": c1.number})
    assert r.status_code == 403 and Matter.objects.count() == 1


def test_who_sees_matters_and_meetings_by_area_and_invitation(world, client):
    from linli.meetings import queries
    from linli.people import services as people
    from linli.people.scopes import resolve

    services.set_support_threshold(sc(world, "community_staff"), world.a, 5)
    for title, level in (("小区停车", "compound"), ("社区食堂", "community"), ("1号楼扶手", "building")):
        services.raise_matter(sc(world, "resident"), title=title, what=f"{title}的问题需要商量", level=level)
    services.raise_matter(resolve(people.create_account(world.persons["a3"], "a3", "x-pass-123456")), title="2号楼门禁",
                          what="2号楼门禁坏了", level="building")

    def seen(key):
        return set(queries.matters(sc(world, key)).values_list("title", flat=True))

    everything = {"小区停车", "社区食堂", "1号楼扶手", "2号楼门禁"}
    # building 1's leader and grid A1's worker: the compound- and community-wide matters, and building 1's — not building 2's
    assert seen("building_leader") == seen("grid_worker") == {"小区停车", "社区食堂", "1号楼扶手"}
    assert seen("community_staff") == seen("subdistrict_staff") == everything
    assert seen("resident") == {"小区停车", "社区食堂", "1号楼扶手"}  # lives in building 1
    assert seen("other_community_staff") == set() and seen("resident_b") == set()
    m = services.schedule_meeting(sc(world, "community_staff"), kind="joint", community=world.a, title="联席会议", place="社区",
                                  starts_at=timezone.now(), chair=world.persons["community_staff"], organizations=[world.orgs["police"]])
    assert not queries.meetings(sc(world, "grid_worker")).exists()
    assert list(queries.meetings(sc(world, "department_contact"))) == [m]  # invited through the police station
    login(client, world, "department_contact")
    assert client.get(reverse("meetings:meeting", args=[m.pk])).status_code == 200
    login(client, world, "grid_worker")
    assert client.get(reverse("meetings:meeting", args=[m.pk])).status_code == 404


def test_the_owner_of_a_matters_action_sees_it_and_reports_on_its_page(world, client):
    from linli.meetings.models import Action

    services.set_support_threshold(sc(world, "community_staff"), world.a, 1)
    m = services.raise_matter(sc(world, "resident"), title="楼道扶手", what="楼道加装扶手", level="building")
    vote = services.open_vote(sc(world, "community_staff"), m, level="building", closes_at=timezone.now() + datetime.timedelta(days=1))
    for entry in vote.roll.all():
        services.enter_paper_ballot(sc(world, "community_staff"), vote, entry, m.options.get(rejects=False))
    services.close_vote(sc(world, "community_staff"), vote, early=True)
    login(client, world, "property_manager")
    assert client.get(reverse("meetings:matter", args=[m.pk])).status_code == 404  # nothing of theirs yet
    action, = services.plan_actions(sc(world, "community_staff"), m, [{"text": "安装扶手", "owner_org": world.orgs["property"], "due_on": timezone.localdate()}])
    assert client.get(reverse("meetings:matter", args=[m.pk])).status_code == 200
    r = client.post(reverse("meetings:progress", args=[m.pk, action.pk]), {"note": "扶手已安装", "percent": "100", "done": "on"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert Action.objects.get(pk=action.pk).status == "done" and m.status == "done"


def test_staff_set_up_a_committee_the_threshold_and_cancel_a_meeting(world, client):
    from linli.meetings.models import CouncilSettings, StandingCommittee
    from linli.people.models import Organization

    owners = Organization.objects.create(kind=Organization.Kind.OWNERS_COMMITTEE, name="航苑业委会", community=world.a)
    login(client, world, "community_secretary")
    r = client.post(reverse("meetings:committees"), {"name": "联席会", "org_1": owners.pk})
    assert r.status_code == 400 and StandingCommittee.objects.count() == 0
    assert "至少需要两个成员单位" in r.content.decode()
    r = client.post(reverse("meetings:committees"), {"name": "物业党建联席会", "org_1": owners.pk, "chair_1": world.persons["a2"].pk,
                                                     "org_2": world.orgs["property"].pk, "chair_2": world.persons["a3"].pk})
    c = StandingCommittee.objects.get()
    assert r.status_code == 302 and [(m.organization, m.chair_person) for m in c.members.all()] == [(owners, world.persons["a2"]), (world.orgs["property"], world.persons["a3"])]
    client.post(reverse("meetings:threshold"), {"support_threshold": "0"})
    assert not CouncilSettings.objects.exists()
    client.post(reverse("meetings:threshold"), {"support_threshold": "8"})
    assert CouncilSettings.objects.get(community=world.a).support_threshold == 8
    m = services.schedule_meeting(sc(world, "community_secretary"), kind="committee", community=world.a, title="一月", place="社区",
                                  starts_at=timezone.now() + datetime.timedelta(days=3), committee=c)
    assert m.chair_org == owners
    client.post(reverse("meetings:cancel", args=[m.pk]))
    m.refresh_from_db()
    assert m.cancelled and services.next_chair(c).organization == owners  # the cancelled meeting gave its turn back
    login(client, world, "resident")
    assert client.post(reverse("meetings:threshold"), {"support_threshold": "1"}).status_code == 403


def test_a_vote_opening_later_through_the_page_refuses_ballots_until_then(world, matter, client, town):
    n1, = town.household("A1", "301", "邻居甲")
    services.support(sc(world, n1.key), matter)  # threshold 2: on the agenda
    login(client, world, "community_staff")
    page = client.get(reverse("meetings:matter", args=[matter.pk])).content.decode()
    assert 'name="opens_at"' in page and 'name="closes_at"' in page
    opens = timezone.localtime() + datetime.timedelta(days=1)
    closes = opens + datetime.timedelta(days=3)
    form = {"level": "building", "unit": "household", "quorum": "2/3", "majority": "1/2", "strict": "more", "closes_at": closes.strftime("%Y-%m-%dT%H:%M")}
    r = client.post(reverse("meetings:open_vote", args=[matter.pk]), form | {"opens_at": "明天上午"})
    assert r.status_code == 400 and "开始时间：请填写日期和时间，如 2025-07-01 08:00。" in r.content.decode() and Vote.objects.count() == 0
    r = client.post(reverse("meetings:open_vote", args=[matter.pk]), form | {"opens_at": closes.strftime("%Y-%m-%dT%H:%M"),
                                                                            "closes_at": opens.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 400 and "截止时间：须晚于开始时间。" in r.content.decode() and Vote.objects.count() == 0
    r = client.post(reverse("meetings:open_vote", args=[matter.pk]), form | {"opens_at": opens.strftime("%Y-%m-%dT%H:%M")})
    vote = Vote.objects.get()
    assert r.status_code == 302 and timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M") == opens.strftime("%Y-%m-%d %H:%M")
    matter.refresh_from_db()
    assert matter.status == "voting"
    # the resident sees when voting opens, and no ballot form; a ballot sent anyway is refused with that time
    login(client, world, "resident")
    page = client.get(reverse("meetings:matter", args=[matter.pk])).content.decode()
    when = opens.strftime("%Y-%m-%d %H:%M")
    assert f"投票将于{when}开始。" in page and 'id="cast-form"' not in page
    agree = matter.options.get(rejects=False)
    r = client.post(reverse("meetings:cast", args=[matter.pk]), {"option": agree.pk})
    assert r.status_code == 400 and f"表决：将于{when}开始。" in r.content.decode()
    assert Ballot.objects.count() == 0 and Vote.objects.get().cast == 0
    Vote.objects.filter(pk=vote.pk).update(opens_at=timezone.now() - datetime.timedelta(seconds=1))  # the time has come
    assert 'id="cast-form"' in client.get(reverse("meetings:matter", args=[matter.pk])).content.decode()
    assert client.post(reverse("meetings:cast", args=[matter.pk]), {"option": agree.pk}).status_code == 302
    assert Ballot.objects.count() == 1


def test_the_meeting_page_refreshes_its_agenda_and_takes_a_manual_item(world, client, town):
    staff = sc(world, "community_staff")
    m = services.schedule_meeting(staff, kind="council", community=world.a, title="航苑居民议事会", starts_at=timezone.now() + datetime.timedelta(days=7),
                                  place="航苑议事厅", chair=world.persons["community_secretary"])
    assert m.agenda.count() == 0
    login(client, world, "community_staff")
    r = client.post(reverse("meetings:agenda_item", args=[m.pk]), {"title": " "})
    assert r.status_code == 400 and "议程事项：请说明要讨论的内容（至少2个字）。" in r.content.decode() and m.agenda.count() == 0
    r = client.post(reverse("meetings:agenda_item", args=[m.pk]), {"title": "听取物业季度工作汇报"})
    assert r.status_code == 302 and r["Location"].endswith("#agenda")
    # after it was called: a matter reaches the agenda, and an earlier meeting's resolution falls due before this one
    services.set_support_threshold(staff, world.a, 1)
    services.raise_matter(sc(world, "resident"), title="加装电梯", what="老人上下楼困难", level="compound")
    earlier = services.schedule_meeting(staff, kind="regular", community=world.a, title="网格例会", starts_at=timezone.now() - datetime.timedelta(hours=1),
                                        place="社区", chair=world.persons["community_staff"])
    services.record_minutes(staff, earlier, minutes="研究", resolutions=[{"text": "清理楼道堆物", "owner_org": world.orgs["property"],
                                                                          "due_on": timezone.localdate()}])
    page = client.get(reverse("meetings:meeting", args=[m.pk])).content.decode()
    agenda = page[page.index('id="agenda"'):page.index('id="agenda-form"')]
    assert agenda.index("听取物业季度工作汇报") < agenda.index("加装电梯") < agenda.index("清理楼道堆物")
    assert "议事厅会议" in page  # the council-hall session kind
    client.get(reverse("meetings:meeting", args=[m.pk]))
    assert list(m.agenda.values_list("kind", flat=True)) == ["other", "matter", "overdue_action"]  # opened twice, listed once


def test_reception_page_cancel_frees_the_seat_and_the_resident_books_again(world, client):
    from linli.meetings.models import Booking

    start = timezone.now() + datetime.timedelta(days=2)
    slot = services.publish_slot(sc(world, "community_secretary"), community=world.a, starts_at=start, ends_at=start + datetime.timedelta(hours=1),
                                 place="书记接待室", capacity=1)
    login(client, world, "resident")
    client.post(reverse("meetings:book", args=[slot.pk]), {"topic": "小区门口停车乱"})
    b = Booking.objects.get()
    page = client.get(reverse("meetings:reception")).content.decode()
    assert "剩余名额 0 / 1" in page and f'id="cancel-mine-{slot.pk}"' in page
    login(client, world, "resident_b")  # another community's resident does not even find it
    assert client.post(reverse("meetings:cancel_booking", args=[b.pk])).status_code == 404
    login(client, world, "resident")
    r = client.post(reverse("meetings:cancel_booking", args=[b.pk]))
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.status == "cancelled"
    page = client.get(reverse("meetings:reception")).content.decode()
    assert "剩余名额 1 / 1" in page and f'id="cancel-mine-{slot.pk}"' not in page
    r = client.post(reverse("meetings:cancel_booking", args=[b.pk]))  # twice: the message, nothing changes
    assert r.status_code == 400 and "取消预约：该预约已经取消。" in r.content.decode()
    assert client.post(reverse("meetings:book", args=[slot.pk]), {"topic": "改期后还是想聊停车"}).status_code == 302
    again = Booking.objects.exclude(pk=b.pk).get()
    assert (again.status, again.seat) == ("booked", 1)
    # the secretary cancels it from the list of bookings
    login(client, world, "community_secretary")
    assert f'id="cancel-booking-{again.pk}"' in client.get(reverse("meetings:reception")).content.decode()
    assert client.post(reverse("meetings:cancel_booking", args=[again.pk])).status_code == 302
    assert Booking.objects.filter(status="cancelled").count() == 2


def test_committee_page_shows_problems_solved_for_the_period(world, client):
    from linli.meetings.models import StandingCommittee
    from linli.people.models import Organization

    staff = sc(world, "community_secretary")
    owners = Organization.objects.create(kind=Organization.Kind.OWNERS_COMMITTEE, name="航苑业委会", community=world.a)
    c = services.create_committee(staff, community=world.a, name="物业党建联席会", members=[(owners, world.persons["a2"]),
                                                                                        (world.orgs["property"], world.persons["a3"])])
    m = services.schedule_meeting(staff, kind="committee", community=world.a, title="联席会", starts_at=timezone.now(), place="社区", committee=c)
    services.record_minutes(staff, m, minutes="议定事项", resolutions=[{"text": "修缮车棚", "owner_org": owners, "due_on": timezone.localdate()},
                                                                    {"text": "粉刷楼道", "owner_org": owners, "due_on": timezone.localdate()}])
    for a in m.actions.all():
        services.report_progress(staff, a, "已完成", 100, done=True)
    assert StandingCommittee.objects.count() == 1
    login(client, world, "community_secretary")
    today = timezone.localdate()
    page = client.get(reverse("meetings:committees") + f"?from={(today - datetime.timedelta(days=1)).isoformat()}&to={today.isoformat()}").content.decode()
    assert re.findall(r'<span class="n">(\d+)</span>', page) == ["1", "0", "2"]  # meetings held, suggestions, problems solved
    page = client.get(reverse("meetings:committees") + f"?from={(today - datetime.timedelta(days=60)).isoformat()}"
                      f"&to={(today - datetime.timedelta(days=30)).isoformat()}").content.decode()
    assert re.findall(r'<span class="n">(\d+)</span>', page) == ["0", "0", "0"]


def test_the_matter_list_pages_instead_of_stopping_at_200(world, client):
    """All matters ever raised grow without end: 30 a page with the shared pager, newest first."""
    first = services.raise_matter(sc(world, "resident"), title="议题 00", what="议题的问题需要商量", level="community")
    fields = {f.attname: getattr(first, f.attname) for f in Matter._meta.concrete_fields if f.attname != "id"}
    Matter.objects.bulk_create([Matter(**{**fields, "title": f"议题 {i:02d}", "created_at": first.created_at + datetime.timedelta(minutes=i)})
                                for i in range(1, 35)])
    login(client, world, "community_staff")
    page1 = client.get(reverse("meetings:home"), {"status": ""}).content.decode()
    titles = re.findall(r">议题 (\d\d)</a>", page1)
    assert len(titles) == 30 and titles[0] == "34" and "第 1 页，共 2 页" in page1
    page2 = client.get(reverse("meetings:home"), {"status": "", "page": 2}).content.decode()
    assert re.findall(r">议题 (\d\d)</a>", page2) == ["04", "03", "02", "01", "00"]


def test_the_meeting_list_pages_instead_of_stopping_at_100(world, client, monkeypatch):
    """The meeting list stopped at its first 100 meetings with no way to the rest; now LIST_PAGE a page with the pager."""
    view = importlib.import_module("linli.meetings.views.meetings")
    monkeypatch.setattr(view, "LIST_PAGE", 3)
    staff, start = sc(world, "community_staff"), timezone.now() + datetime.timedelta(days=1)
    for i in range(5):
        services.schedule_meeting(staff, kind="regular", community=world.a, title=f"例会 {i:02d}", starts_at=start + datetime.timedelta(days=i),
                                  place="社区", chair=world.persons["community_staff"])
    login(client, world, "community_staff")
    assert two_pages(client, reverse("meetings:meetings"), r">例会 (\d\d)</a>") == (["04", "03", "02"], ["01", "00"])  # latest first
    monkeypatch.setattr(view, "LIST_PAGE", 50)
    assert not has_pager(client, reverse("meetings:meetings"))  # one page: no pager


def test_the_reception_day_pages_its_slots_instead_of_stopping_at_100(world, client, monkeypatch):
    """The reception day stopped at its first 100 slots with no way to the rest; now SLOTS_PAGE a page with the pager."""
    view = importlib.import_module("linli.meetings.views.reception")
    monkeypatch.setattr(view, "SLOTS_PAGE", 3)
    start = timezone.now() + datetime.timedelta(days=1)
    for i in range(5):
        at = start + datetime.timedelta(days=i)
        services.publish_slot(sc(world, "community_secretary"), community=world.a, starts_at=at, ends_at=at + datetime.timedelta(hours=1),
                              place=f"接待室 {i:02d}")
    login(client, world, "resident")
    assert two_pages(client, reverse("meetings:reception"), r"· 接待室 (\d\d)</h2>") == (["00", "01", "02"], ["03", "04"])  # soonest first
    monkeypatch.setattr(view, "SLOTS_PAGE", 20)
    assert not has_pager(client, reverse("meetings:reception"))  # one page: no pager
