"""民事民提、民事民议、民事民决、民事民办、民事民评 through the services: happy paths, refusals (nothing changes), races."""

import datetime
import threading
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.meetings import services
from linli.meetings.models import Action, Ballot, Choice, Evaluation, Matter, MatterEvent, Option, Reply, Support, Vote
from linli.people.scopes import resolve, system

from .conftest import sc

TOMORROW = lambda: timezone.now() + datetime.timedelta(days=1)  # noqa: E731


def counts():
    return {m.__name__: m.objects.count() for m in (Matter, Support, Reply, Option, Vote, Ballot, Choice, Action, Evaluation, MatterEvent)}


def raise_lift(world, **kw):
    args = dict(title="1号楼加装电梯", what="老人上下楼困难，希望加装电梯", why="楼里60岁以上老人多", place="1号楼", level="compound")
    args.update(kw)
    return services.raise_matter(sc(world, "resident"), **args)


# ------------------------------------------------------------------ raise and support

def test_support_threshold_puts_the_matter_on_the_agenda_once(world, town):
    services.set_support_threshold(sc(world, "community_staff"), world.a, 3)
    matter = raise_lift(world)
    assert (matter.status, matter.support_count, matter.compound_id) == ("raised", 1, world.compounds["A"].pk)
    assert matter.raised_by == world.persons["a1"] and Support.objects.filter(matter=matter).count() == 1
    assert OutboxMessage.objects.filter(recipient=world.accounts["community_staff"], event_key=f"matter:{matter.pk}:raised").exists()
    n1, = town.household("A1", "301", "邻居甲")
    n2, = town.household("A2", "401", "邻居乙")
    services.support(sc(world, n1.key), matter)
    matter.refresh_from_db()
    assert (matter.status, matter.support_count) == ("raised", 2)
    services.support(sc(world, n2.key), matter)
    matter.refresh_from_db()
    assert (matter.status, matter.support_count) == ("on_agenda", 3)
    assert list(matter.events.values_list("kind", flat=True)) == ["raised", "on_agenda"]
    # refusals: twice, from outside the compound, a staff member who lives nowhere: nothing moves
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.support(sc(world, n1.key), matter)
    assert "already support" in str(e.value.message_dict["support"])
    with pytest.raises(OutOfScope, match="only residents living in the matter's area"):
        services.support(sc(world, "resident_b"), matter)
    with pytest.raises(OutOfScope):
        services.support(sc(world, "community_staff"), matter)
    assert counts() == before


@pytest.mark.parametrize("kw, field, text", [
    ({"title": " "}, "title", "Title: say in a few words"),
    ({"what": "太"}, "what", "What: describe the matter"),
    ({"level": "planet"}, "level", "For whom"),
])
def test_raise_refusals_name_the_field_and_change_nothing(world, kw, field, text):
    before = counts()
    with pytest.raises(ValidationError) as e:
        raise_lift(world, **kw)
    assert text in str(e.value.message_dict[field])
    assert counts() == before


def test_building_leader_raises_for_a_resident_of_their_building_only(world):
    leader = sc(world, "building_leader")
    m = services.raise_matter(leader, title="单元门禁坏了", what="2单元门禁坏了一个月", level="building", raised_for=world.persons["a2"])
    assert (m.raised_by, m.raised_for, m.building) == (world.persons["building_leader"], world.persons["a2"], world.buildings["A1"])
    assert m.support_count == 1 and m.supports.get().person == world.persons["a2"]
    before = counts()
    with pytest.raises(OutOfScope, match="building leader"):
        services.raise_matter(leader, title="2号楼的事", what="2号楼楼道灯坏了", raised_for=world.persons["a3"])  # building 2
    assert counts() == before


# ------------------------------------------------------------------ deliberate

def test_replies_from_the_scope_only_and_moderation_leaves_a_log(world, town):
    matter = raise_lift(world)
    Matter.objects.filter(pk=matter.pk).update(status="on_agenda")
    r = services.reply(sc(world, "resident"), matter, "我家同意，费用按楼层分摊")
    matter.refresh_from_db()
    assert matter.status == "deliberating"
    before = counts()
    with pytest.raises(OutOfScope):
        services.reply(sc(world, "resident_b"), matter, "我是隔壁社区的")
    with pytest.raises(ValidationError) as e:
        services.reply(sc(world, "resident"), matter, " ")
    assert "Reply: write at least" in str(e.value.message_dict["text"])
    with pytest.raises(ValidationError) as e:
        services.hide_reply(sc(world, "community_staff"), r, "")
    assert "Reason" in str(e.value.message_dict["reason"])
    with pytest.raises(OutOfScope):
        services.hide_reply(sc(world, "other_community_staff"), r, "广告")
    assert counts() == before
    services.hide_reply(sc(world, "community_staff"), r, "含有个人电话")
    r.refresh_from_db()
    assert r.hidden and r.hidden_reason == "含有个人电话" and r.hidden_by == world.accounts["community_staff"]
    assert matter.events.filter(kind="moderation", note="含有个人电话").exists()


def test_options_by_the_proposer_or_staff(world, town):
    matter = raise_lift(world)
    o = services.add_option(sc(world, "resident"), matter, "加装外挂电梯", "380000")
    assert o.cost == 380000
    services.add_option(sc(world, "community_staff"), matter, "暂不加装")
    n1, = town.household("A1", "302", "邻居丙")
    before = counts()
    with pytest.raises(OutOfScope, match="proposer"):
        services.add_option(sc(world, n1.key), matter, "我的方案")
    with pytest.raises(ValidationError) as e:
        services.add_option(sc(world, "resident"), matter, "方案", "很多钱")
    assert "Cost: a number" in str(e.value.message_dict["cost"])
    assert counts() == before


# ------------------------------------------------------------------ decide: exact arithmetic

def decide(eligible, cast, counts, quorum=Fraction(2, 3), by_building=False, majority=Fraction(1, 2), strict=True):
    return services.decide(eligible_by_building=eligible, cast_by_building=cast, counts=counts, quorum=quorum,
                           by_building=by_building, majority=majority, strict=strict)


def test_quorum_exactly_two_thirds_passes_and_one_short_fails():
    assert decide({1: 9}, {1: 6}, {"a": 6, "b": 0})["quorum_met"] is True  # 6/9 == 2/3 exactly
    assert decide({1: 9}, {1: 5}, {"a": 5, "b": 0})["quorum_met"] is False  # one short
    assert decide({1: 3}, {1: 2}, {"a": 2})["quorum_met"] is True
    # float arithmetic would say 0.6666666666666666 < 0.6666666666666667 for 200/300 vs 2/3; Fraction does not
    assert decide({1: 300}, {1: 200}, {"a": 200})["quorum_met"] is True
    assert decide({1: 300}, {1: 199}, {"a": 199})["quorum_met"] is False


def test_quorum_by_building_must_hold_in_every_building():
    overall = decide({1: 3, 2: 3}, {1: 3, 2: 1}, {"a": 4})  # 4/6 == 2/3 overall
    assert overall["quorum_met"] is True
    by_b = decide({1: 3, 2: 3}, {1: 3, 2: 1}, {"a": 4}, by_building=True)  # building 2: 1/3
    assert by_b["quorum_met"] is False and by_b["buildings"][2] == {"eligible": 3, "cast": 1, "met": False}
    assert decide({1: 3, 2: 3}, {1: 2, 2: 2}, {"a": 4}, by_building=True)["passed"] is True


def test_majority_edges_ties_and_at_least():
    half = decide({1: 4}, {1: 4}, {"a": 2, "b": 2})  # a tie: nobody wins
    assert half["tie"] and half["winner"] is None and not half["passed"]
    assert decide({1: 4}, {1: 4}, {"a": 2, "b": 1, "c": 1})["passed"] is False  # 2/4 is not more than 1/2
    assert decide({1: 4}, {1: 4}, {"a": 2, "b": 1, "c": 1}, strict=False)["winner"] == "a"  # at least 1/2
    assert decide({1: 3}, {1: 3}, {"a": 2, "b": 1}, majority=Fraction(2, 3), strict=False)["passed"] is True  # exactly 2/3
    assert decide({1: 3}, {1: 3}, {"a": 2, "b": 1}, majority=Fraction(2, 3), strict=True)["passed"] is False
    assert decide({1: 7}, {1: 7}, {"a": 4, "b": 3}, majority=Fraction(2, 3), strict=False)["passed"] is False  # 4/7 < 2/3
    assert decide({1: 5}, {1: 0}, {"a": 0, "b": 0})["passed"] is False


# ------------------------------------------------------------------ decide: ballots

@pytest.fixture
def voting(world, town):
    """A compound matter with a vote open: one vote per household, 2/3 of households in every building, > 1/2."""
    services.set_support_threshold(sc(world, "community_staff"), world.a, 1)
    matter = raise_lift(world)
    services.add_option(sc(world, "resident"), matter, "加装电梯", 380000)
    extra = [town.household("A1", f"40{i}", f"甲{i}")[0] for i in range(1, 3)] + [town.household("A2", f"50{i}", f"乙{i}")[0] for i in range(1, 3)]
    vote = services.open_vote(sc(world, "community_staff"), matter, level="compound", unit="household", quorum=(2, 3), by_building=True,
                              majority=(1, 2), strict=True, closes_at=TOMORROW())
    world.extra = extra
    return matter, vote


def test_open_vote_freezes_the_household_roll_and_adds_yes_no(world, voting):
    matter, vote = voting
    matter.refresh_from_db()
    assert matter.status == "voting"
    # building 1: 101 (王建国 and 李秀兰 = one household), 201, 401, 402; building 2: 301, 501, 502. Staff live nowhere.
    assert vote.eligible == 7 and vote.roll.filter(building=world.buildings["A1"]).count() == 4
    assert [o.label for o in matter.options.all()] == ["加装电梯", "Disagree"] and matter.options.get(label="Disagree").rejects
    assert OutboxMessage.objects.filter(recipient=world.accounts["resident"], event_key=f"vote:{vote.pk}:open").exists()


def test_a_household_votes_once_whichever_way(world, voting):
    matter, vote = voting
    yes = matter.options.get(label="加装电梯")
    ballot = services.cast(sc(world, "resident"), vote, yes)
    assert ballot.channel == "online" and ballot.entry.household == world.persons["a1"].household
    before = counts()
    # the spouse online, then staff on paper from the ballot list: both refused
    from linli.people import services as people
    people.create_account(world.persons["a1_spouse"], "spouse", "x-pass-123456")
    with pytest.raises(ValidationError) as e:
        services.cast(resolve(world.persons["a1_spouse"].account), vote, yes)
    assert "this household has already voted (Online)" in str(e.value.message_dict["vote"])
    with pytest.raises(ValidationError) as e:
        services.enter_paper_ballot(sc(world, "community_staff"), vote, ballot.entry, matter.options.get(label="Disagree"))
    assert "already voted" in str(e.value.message_dict["vote"])
    assert counts() == before
    # paper first, then online: refused the same way
    entry = vote.roll.get(household=world.persons["a2"].household)
    services.enter_paper_ballot(sc(world, "community_staff"), vote, entry, yes)
    people.create_account(world.persons["a2"], "a2", "x-pass-123456")
    with pytest.raises(ValidationError) as e:
        services.cast(resolve(world.persons["a2"].account), vote, yes)
    assert "(Paper)" in str(e.value.message_dict["vote"])
    vote.refresh_from_db()
    assert (vote.cast, Ballot.objects.filter(vote=vote).count(), Choice.objects.filter(vote=vote).count()) == (2, 2, 2)


def test_vote_refusals_after_close_before_open_outside_scope(world, voting, town):
    matter, vote = voting
    yes = matter.options.get(label="加装电梯")
    before = counts()
    with pytest.raises(OutOfScope, match="only residents of 航苑"):
        services.cast(sc(world, "resident_b"), vote, yes)
    with pytest.raises(OutOfScope, match="Only the community's staff"):
        services.enter_paper_ballot(sc(world, "other_community_staff"), vote, vote.roll.first(), yes)
    late, = town.household("A1", "601", "新住户")  # moved in after the roll was frozen
    with pytest.raises(OutOfScope, match="not on this vote's roll"):
        services.cast(sc(world, late.key), vote, yes)
    Vote.objects.filter(pk=vote.pk).update(opens_at=timezone.now() + datetime.timedelta(hours=1))
    with pytest.raises(ValidationError) as e:
        services.cast(sc(world, "resident"), vote, yes)
    assert "Vote: voting opens at" in str(e.value.message_dict["vote"])
    Vote.objects.filter(pk=vote.pk).update(opens_at=timezone.now() - datetime.timedelta(days=2), closes_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError) as e:
        services.cast(sc(world, "resident"), vote, yes)
    assert "Vote: voting closed at" in str(e.value.message_dict["vote"])
    assert counts() == before


def test_open_vote_refusals(world, voting):
    matter, _vote = voting
    other = raise_lift(world, title="小区停车难")
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.open_vote(sc(world, "community_staff"), other, level="compound", closes_at=timezone.now() - datetime.timedelta(hours=1))
    assert "Closes: the time lies in the past" in str(e.value.message_dict["closes_at"])
    with pytest.raises(ValidationError) as e:
        services.open_vote(sc(world, "community_staff"), other, level="compound", quorum=(4, 3), closes_at=TOMORROW())
    assert "Quorum: a fraction above 0 and at most 1" in str(e.value.message_dict["quorum"])
    with pytest.raises(ValidationError) as e:
        services.open_vote(sc(world, "community_staff"), other, level="building", closes_at=TOMORROW())
    assert "Who votes" in str(e.value.message_dict["level"])
    with pytest.raises(ValidationError) as e:
        services.open_vote(sc(world, "community_staff"), matter, level="compound", closes_at=TOMORROW())  # already voting
    assert "Vote: only a matter on the agenda" in str(e.value.message_dict["matter"])
    with pytest.raises(OutOfScope):
        services.open_vote(sc(world, "resident"), other, level="compound", closes_at=TOMORROW())
    assert counts() == before


def test_mixed_online_and_paper_vote_passes_by_building_and_recount_matches(world, voting):
    matter, vote = voting
    yes, no = matter.options.get(label="加装电梯"), matter.options.get(label="Disagree")
    staff = sc(world, "community_staff")
    services.cast(sc(world, "resident"), vote, yes)  # A1-101 online
    e1, e2 = world.extra[0], world.extra[1]
    services.cast(sc(world, e1.key), vote, yes)  # A1-401 online
    services.enter_paper_ballot(staff, vote, vote.roll.get(household=e2.household), no)  # A1-402 paper: building 1 has 3/4
    b2 = vote.roll.filter(building=world.buildings["A2"])
    services.enter_paper_ballot(staff, vote, b2[0], yes)  # building 2: 1/3 so far
    with pytest.raises(ValidationError) as e:
        services.close_vote(staff, vote)
    assert "close it early only on purpose" in str(e.value.message_dict["vote"])
    # building 2 is short of 2/3: closing now would fail the quorum by building although 4/7 ... add one more
    services.cast(sc(world, world.extra[2].key), vote, yes)  # building 2: 2/3 exactly
    vote = services.close_vote(staff, vote, early=True)
    assert vote.status == "closed" and vote.passed is True and vote.winner == yes
    assert vote.result["cast"] == 5 and vote.result["eligible"] == 7 and vote.result["counts"] == {str(yes.pk): 4, str(no.pk): 1}
    assert vote.result["buildings"][str(world.buildings["A2"].pk)] == {"eligible": 3, "cast": 2, "met": True}
    matter.refresh_from_db()
    assert (matter.status, matter.decision) == ("decided", "加装电梯")
    # who voted is auditable (5 ballots, 2 on paper), how is not: a choice has no ballot, no time
    assert Ballot.objects.filter(vote=vote, channel="paper").count() == 2
    assert {f.name for f in Choice._meta.get_fields()} == {"id", "vote", "option"}
    assert services.recount(vote) == {"counts": {yes.pk: 4, no.pk: 1}, "ballots": 5, "choices": 5, "matches": True}
    Choice.objects.filter(vote=vote, option=no).delete()  # tampering is caught by the recount
    assert services.recount(vote)["matches"] is False
    with pytest.raises(ValidationError):
        services.cast(sc(world, world.extra[3].key), vote, yes)  # after close


def test_quorum_short_in_one_building_returns_the_matter_to_discussion(world, voting):
    matter, vote = voting
    yes = matter.options.get(label="加装电梯")
    staff = sc(world, "community_staff")
    for entry in vote.roll.filter(building=world.buildings["A1"]):
        services.enter_paper_ballot(staff, vote, entry, yes)
    services.cast(sc(world, world.extra[2].key), vote, yes)  # building 2: 1 of 3; overall 5/7 > 2/3
    vote = services.close_vote(staff, vote, early=True)
    assert vote.passed is False and vote.result["quorum_met"] is False and vote.result["majority_met"] is True
    matter.refresh_from_db()
    assert matter.status == "deliberating" and matter.events.filter(kind="vote_failed").exists()


def test_the_worker_closes_votes_whose_time_is_up(world, voting):
    from linli.meetings import sweeps

    matter, vote = voting
    services.cast(sc(world, "resident"), vote, matter.options.get(label="加装电梯"))
    assert sweeps.close_due_votes() == 0
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    assert sweeps.close_due_votes() == 1 and sweeps.close_due_votes() == 0
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.result["quorum_met"] is False


@pytest.mark.django_db(transaction=True)
def test_two_members_of_one_household_vote_at_once_exactly_one_ballot():
    from linli.people import services as people
    from linli.testing.world import build_world

    w = build_world()
    services.set_support_threshold(system(), w.a, 1)
    matter = services.raise_matter(resolve(w.accounts["resident"]), title="楼道加装扶手", what="老人上楼需要扶手", level="compound")
    vote = services.open_vote(system(), matter, level="compound", unit="household", closes_at=TOMORROW())
    people.create_account(w.persons["a1_spouse"], "spouse", "x-pass-123456")
    yes = matter.options.get(label="Agree")
    barrier = threading.Barrier(2)
    results = []

    def go(account):
        translation.activate("en")  # a new thread does not inherit the test's language
        try:
            barrier.wait(timeout=5)
            services.cast(resolve(account), vote, yes)
            results.append("won")
        except ValidationError as exc:
            results.append(str(exc.message_dict["vote"]))
        finally:
            connection.close()

    from linli.people.models import Account
    threads = [threading.Thread(target=go, args=(Account.objects.get(username=u),)) for u in ("resident", "spouse")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1 and any("already voted" in r for r in results), results
    assert Ballot.objects.filter(vote=vote).count() == 1 and Choice.objects.filter(vote=vote).count() == 1
    vote.refresh_from_db()
    assert vote.cast == 1


# ------------------------------------------------------------------ do and evaluate

def test_actions_done_make_the_matter_done_and_residents_evaluate(world, voting):
    matter, vote = voting
    staff = sc(world, "community_staff")
    yes = matter.options.get(label="加装电梯")
    for entry in vote.roll.all():
        services.enter_paper_ballot(staff, vote, entry, yes)
    services.close_vote(staff, vote, early=True)
    due = timezone.localdate() + datetime.timedelta(days=30)
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.plan_actions(staff, matter, [{"text": "报装", "due_on": due}])
    assert "an action needs an owner" in str(e.value.message_dict["resolutions"])
    with pytest.raises(ValidationError) as e:
        services.plan_actions(staff, matter, [{"text": "报装", "owner_org": world.orgs["property"], "due_on": timezone.localdate() - datetime.timedelta(days=1)}])
    assert "the due date lies in the past" in str(e.value.message_dict["resolutions"])
    with pytest.raises(ValidationError):
        services.evaluate(sc(world, "resident"), matter, 5)  # not done yet
    assert counts() == before
    a1, a2 = services.plan_actions(staff, matter, [
        {"text": "物业报装电梯", "owner_org": world.orgs["property"], "owner_kind": "property", "due_on": due},
        {"text": "社区协调资金", "owner": world.accounts["community_staff"], "owner_kind": "community", "due_on": due}])
    matter.refresh_from_db()
    assert matter.status == "in_progress" and a1.owner_kind == "property"
    services.report_progress(resolve(world.accounts["property_manager"]), a1, "已完成报装", 100, done=True)
    matter.refresh_from_db()
    assert matter.status == "in_progress"
    with pytest.raises(OutOfScope):
        services.report_progress(resolve(world.accounts["property_manager"]), a2, "不是我的", 50)
    services.report_progress(staff, a2, "资金到位，电梯已投入使用", 100, done=True)
    matter.refresh_from_db()
    assert matter.status == "done" and matter.done_at is not None
    services.evaluate(sc(world, "resident"), matter, 5, "很满意")
    services.evaluate(sc(world, world.extra[0].key), matter, 3)
    matter.refresh_from_db()
    assert matter.status == "evaluated"
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.evaluate(sc(world, "resident"), matter, 4)
    assert "already evaluated" in str(e.value.message_dict["rating"])
    with pytest.raises(ValidationError) as e:
        services.evaluate(sc(world, world.extra[1].key), matter, 9)
    assert "Satisfaction: choose from 1" in str(e.value.message_dict["rating"])
    with pytest.raises(OutOfScope):
        services.evaluate(sc(world, "resident_b"), matter, 1)
    assert counts() == before
    assert services.evaluation_summary(matter) == {"count": 2, "average": 4.0, "satisfied": 1, "satisfied_rate": 50,
                                                   "by_rating": {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}}
    assert list(matter.events.values_list("kind", flat=True)) == ["raised", "on_agenda", "option", "vote_opened", "decided",
                                                                  "in_progress", "done", "evaluated"]


def test_one_vote_per_adult_counts_adults_and_leaves_minors_off_the_roll(world, town):
    services.set_support_threshold(sc(world, "community_staff"), world.a, 1)
    matter = raise_lift(world, level="building")
    parent, = town.household("A1", "701", "家长")
    from linli.people import services as people
    child = people.register_person(system(), household=parent.household, relation="child", name="孩子", phone="13799990001",
                                   birth_date=timezone.localdate().replace(year=timezone.localdate().year - 10))
    people.create_account(child, "child", "x-pass-123456")
    vote = services.open_vote(sc(world, "community_staff"), matter, level="building", unit="adult", closes_at=TOMORROW())
    on_roll = set(vote.roll.values_list("person__name", flat=True))
    assert {"王建国", "李秀兰", "张伟", "家长"} <= on_roll and "孩子" not in on_roll
    agree = matter.options.get(label="Agree")
    services.cast(sc(world, "resident"), vote, agree)
    people.create_account(world.persons["a1_spouse"], "spouse", "x-pass-123456")
    services.cast(resolve(world.persons["a1_spouse"].account), vote, agree)  # the same household, another adult: allowed
    with pytest.raises(OutOfScope, match="not on this vote's roll"):
        services.cast(resolve(child.account), vote, agree)
    with pytest.raises(ValidationError) as e:
        services.cast(sc(world, "resident"), vote, agree)
    assert "this voter has already voted" in str(e.value.message_dict["vote"])
    vote.refresh_from_db()
    assert vote.cast == 2


@pytest.mark.django_db(transaction=True)
def test_supports_racing_past_the_threshold_put_the_matter_on_the_agenda_once():
    from linli.people import services as people
    from linli.testing.world import build_world

    w = build_world()
    services.set_support_threshold(system(), w.a, 3)
    matter = services.raise_matter(resolve(w.accounts["resident"]), title="小区增设座椅", what="门口等车的老人没地方坐", level="compound")
    people.create_account(w.persons["a2"], "a2", "x-pass-123456")
    people.create_account(w.persons["a3"], "a3", "x-pass-123456")
    people.create_account(w.persons["a1_spouse"], "spouse", "x-pass-123456")
    barrier = threading.Barrier(3)
    errors = []

    def go(username):
        from linli.people.models import Account
        translation.activate("en")
        try:
            account = Account.objects.get(username=username)
            barrier.wait(timeout=5)
            services.support(resolve(account), matter)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in ("a2", "a3", "spouse")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    matter.refresh_from_db()
    assert (matter.support_count, matter.status) == (4, "on_agenda")
    assert MatterEvent.objects.filter(matter=matter, kind="on_agenda").count() == 1 and Support.objects.filter(matter=matter).count() == 4


# ------------------------------------------------------------------ a community-wide vote; a vote that opens later

def test_community_vote_rolls_every_household_of_the_community_and_computes_quorum_and_majority(world, town):
    from linli.places import services as places

    staff = sc(world, "community_staff")
    services.set_support_threshold(staff, world.a, 1)
    # a building outside the compound 航苑 (still community A): a compound vote leaves it out, a community vote does not
    world.buildings["A9"] = places.create_building(system(), world.a, number="9号楼", grid=world.grids["A2"], entrances=1)
    far, = town.household("A9", "101", "街边住户")
    extra, = town.household("A2", "501", "乙五")
    matter = raise_lift(world, title="社区食堂选址", what="在社区中心开办老年食堂", level="community")
    assert (matter.compound_id, matter.building_id) == (None, None)
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.open_vote(staff, matter, level="compound", closes_at=TOMORROW())
    assert "the matter concerns the whole community; the community votes" in str(e.value.message_dict["level"])
    assert counts() == before
    vote = services.open_vote(staff, matter, level="community", unit="household", quorum=(1, 2), majority=(1, 2), strict=True, closes_at=TOMORROW())
    # A1-101 (王建国, 李秀兰: one household), A1-201, A2-301, A2-501, A9-101; community B's household and the staff (living nowhere) are not
    expected = {world.persons[k].household_id for k in ("a1", "a2", "a3")} | {extra.household_id, far.household_id}
    assert set(vote.roll.values_list("household_id", flat=True)) == expected and vote.eligible == 5
    assert world.persons["b1"].household_id not in expected
    assert vote.roll.filter(building=world.buildings["A9"]).count() == 1
    agree, disagree = matter.options.get(label="Agree"), matter.options.get(label="Disagree")
    services.cast(sc(world, far.key), vote, agree)  # outside the compound, inside the community: votes
    services.cast(sc(world, "resident"), vote, agree)
    with pytest.raises(OutOfScope, match="only residents of 柳航里社区"):
        services.cast(sc(world, "resident_b"), vote, agree)
    # 2 of 5 households: under the half needed, whatever the majority
    assert services._result(vote)["quorum_met"] is False
    services.enter_paper_ballot(staff, vote, vote.roll.get(household=world.persons["a3"].household), disagree)
    vote = services.close_vote(staff, vote, early=True)
    # 3 of 5 ≥ 1/2 → quorum; 2 of 3 votes > 1/2 → passed
    assert (vote.result["eligible"], vote.result["cast"], vote.result["quorum_met"], vote.result["majority_met"], vote.passed) == (5, 3, True, True, True)
    assert vote.result["counts"] == {str(agree.pk): 2, str(disagree.pk): 1} and vote.winner == agree
    assert set(vote.result["buildings"]) == {str(world.buildings[k].pk) for k in ("A1", "A2", "A9")}
    matter.refresh_from_db()
    assert (matter.status, matter.decision) == ("decided", "Agree")


def test_a_vote_opening_later_refuses_ballots_until_then(world, town):
    staff = sc(world, "community_staff")
    services.set_support_threshold(staff, world.a, 1)
    matter = raise_lift(world)
    later = timezone.now() + datetime.timedelta(hours=3)
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.open_vote(staff, matter, level="compound", opens_at=later, closes_at=later - datetime.timedelta(hours=1))
    assert "Closes: the vote must close after it opens" in str(e.value.message_dict["closes_at"])
    with pytest.raises(ValidationError) as e:
        services.open_vote(staff, matter, level="compound", opens_at="tomorrow", closes_at=TOMORROW())
    assert "Opens: a date and time" in str(e.value.message_dict["opens_at"])
    assert counts() == before
    vote = services.open_vote(staff, matter, level="compound", opens_at=later, closes_at=later + datetime.timedelta(days=2))
    assert vote.opens_at == later
    assert OutboxMessage.objects.get(event_key=f"vote:{vote.pk}:open", recipient=world.accounts["resident"]).subject.startswith("Vote on 1号楼加装电梯 opens at")
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.cast(sc(world, "resident"), vote, matter.options.get(label="Agree"))
    assert "Vote: voting opens at" in str(e.value.message_dict["vote"])
    with pytest.raises(ValidationError):
        services.enter_paper_ballot(staff, vote, vote.roll.first(), matter.options.get(label="Agree"))
    assert counts() == before
    Vote.objects.filter(pk=vote.pk).update(opens_at=timezone.now() - datetime.timedelta(seconds=1))  # the time has come
    assert services.cast(sc(world, "resident"), vote, matter.options.get(label="Agree")).channel == "online"


def test_an_opening_time_already_past_opens_the_vote_now(world):
    staff = sc(world, "community_staff")
    services.set_support_threshold(staff, world.a, 1)
    matter = raise_lift(world)
    t0 = timezone.now()
    vote = services.open_vote(staff, matter, level="compound", opens_at=t0 - datetime.timedelta(days=3), closes_at=TOMORROW())
    assert t0 <= vote.opens_at <= timezone.now()  # the voting period never starts before the vote existed
