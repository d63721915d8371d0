"""THE acceptance walk of the council hall (民事民提、议、决、办、评) on a 375-px phone: a resident raises a matter,
neighbours support it past the threshold, it is discussed, the staff open a household vote with a 2/3 quorum in every
building, households vote online and the staff enter paper ballots, the vote closes with a result, the decision
becomes actions, they are done and residents evaluate it."""

import datetime
import re

import pytest
from django.utils import timezone

from linli.meetings import services
from linli.meetings.models import Ballot, Choice, Matter, Vote
from linli.meetings.tests.conftest import Town
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE375 = {"width": 375, "height": 812}


def phone(open_page, username):
    page = open_page(PHONE375)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(page, username, PASSWORD)
    return page


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE375["width"] + 1, f"page is {width}px wide on a 375px phone"
    assert not page.errors, page.errors


def test_five_steps_from_raise_to_evaluation_on_a_phone(world, open_page, shoot):
    town = Town(world)
    services.set_support_threshold(resolve(world.accounts["community_staff"]), world.a, 3)
    n1, = town.household("A1", "301", "赵邻居")  # building 1
    n2, = town.household("A2", "401", "钱邻居")  # building 2
    from linli.people import services as people
    people.create_account(world.persons["a3"], "a3", PASSWORD)

    # 1. 民事民提: the resident raises a matter for the compound from the phone
    resident = phone(open_page, "resident")
    resident.goto(resident.base + "/meetings/")
    fits(resident)
    resident.click("#btn-raise")
    resident.fill("#id_title", "小区加装非机动车充电桩")
    resident.fill("#id_what", "电动车在楼道充电有火灾隐患，希望在小区东侧车棚加装充电桩")
    resident.fill("#id_why", "楼道充电屡禁不止，去年邻近小区发生过火灾")
    resident.fill("#id_place", "东侧车棚")
    resident.check("input[name=level][value=compound]")
    shoot(resident, "meetings-raise-phone")
    fits(resident)
    resident.click("#submit-matter")
    resident.wait_for_url(re.compile(r"/meetings/matters/\d+/$"))
    matter = Matter.objects.get()
    assert (matter.compound, matter.support_count, matter.status) == (world.compounds["A"], 1, "raised")
    assert resident.inner_text("#support-count") == "1"
    shoot(resident, "meetings-raised-phone")

    # 2. a neighbour supports in the browser, another through the services: the threshold (3) puts it on the agenda
    neighbour = phone(open_page, n1.key)
    neighbour.goto(neighbour.base + f"/meetings/matters/{matter.pk}/")
    neighbour.click("#btn-support")
    neighbour.wait_for_selector("#support .badge.ok")
    assert neighbour.inner_text("#support-count") == "2"
    services.support(resolve(world.accounts[n2.key]), matter)
    matter.refresh_from_db()
    assert matter.status == "on_agenda"

    # 3. 民事民议: the neighbour replies; the proposer attaches an option with its cost
    neighbour.goto(neighbour.base + f"/meetings/matters/{matter.pk}/")
    neighbour.fill("#id_reply", "支持！建议按户分摊电费，物业负责日常维护")
    neighbour.click("#btn-reply")
    neighbour.wait_for_selector("#replies .who")
    assert "按户分摊电费" in neighbour.inner_text("#replies")
    matter.refresh_from_db()
    assert matter.status == "deliberating"
    shoot(neighbour, "meetings-discussion-phone")
    fits(neighbour)
    resident.goto(resident.base + f"/meetings/matters/{matter.pk}/")
    resident.fill("#options input[name=label]", "车棚加装20个充电口")
    resident.fill("#options input[name=cost]", "36000")
    resident.click("#btn-option")
    resident.wait_for_selector("#options li")

    # 4. 民事民决: staff open a household vote, 2/3 of households in every building, more than 1/2 of the votes cast
    staff = phone(open_page, "community_staff")
    staff.goto(staff.base + f"/meetings/matters/{matter.pk}/")
    staff.select_option("#id_level", "compound")
    staff.select_option("#id_unit", "household")
    staff.fill("#id_quorum", "2/3")
    staff.check("#id_by_building")
    staff.fill("#id_majority", "1/2")
    shoot(staff, "meetings-open-vote-phone")
    fits(staff)
    staff.click("#btn-open-vote")
    staff.wait_for_selector("#btn-ballots")
    vote = Vote.objects.get()
    # building 1: 101 (王建国's household), 201, 301; building 2: 301, 401 → 5 households
    assert (vote.eligible, vote.by_building, vote.quorum_num, vote.quorum_den, vote.unit) == (5, True, 2, 3, "household")
    options = list(matter.options.order_by("id"))
    assert [o.label for o in options][0] == "车棚加装20个充电口" and options[-1].rejects

    # households vote online from their phones (one for, one against)
    resident.goto(resident.base + f"/meetings/matters/{matter.pk}/")
    resident.check(f"#cast-form input[name=option][value='{options[0].pk}']")
    shoot(resident, "meetings-vote-phone")
    fits(resident)
    resident.click("#btn-cast")
    resident.wait_for_selector("#voted")
    neighbour.goto(neighbour.base + f"/meetings/matters/{matter.pk}/")
    neighbour.check(f"#cast-form input[name=option][value='{options[-1].pk}']")
    neighbour.click("#btn-cast")
    neighbour.wait_for_selector("#voted")
    # the resident's spouse cannot vote again for the household: the page offers no ballot, the service refuses
    spouse = people.create_account(world.persons["a1_spouse"], "spouse", PASSWORD)
    with pytest.raises(Exception, match="already voted"):
        services.cast(resolve(spouse), vote, options[0])

    # staff enter the paper ballots of building 2 from the ballot list
    staff.goto(staff.base + f"/meetings/votes/{vote.pk}/ballots/")
    for person in (world.persons["a3"], n2):
        entry = vote.roll.get(household=person.household)
        staff.select_option(f"#e{entry.pk} select[name=option]", str(options[0].pk))
        staff.click(f"#e{entry.pk} button[type=submit]")
        staff.wait_for_selector(f"#e{entry.pk} >> text=/纸质|Paper/")
    # the already-voted household has no paper form
    own = vote.roll.get(household=world.persons["a1"].household)
    assert staff.locator(f"#e{own.pk} form").count() == 0
    shoot(staff, "meetings-ballot-list-phone")
    fits(staff)
    assert Ballot.objects.filter(vote=vote, channel="online").count() == 2 and Ballot.objects.filter(vote=vote, channel="paper").count() == 2

    # the vote closes with a result: building 1 has 2/3, building 2 has 2/2; 3 of 4 votes for → passed
    staff.goto(staff.base + f"/meetings/matters/{matter.pk}/")
    staff.click("#btn-close-vote")
    staff.wait_for_selector("#results")
    vote.refresh_from_db()
    assert vote.passed is True and vote.winner == options[0] and vote.result["cast"] == 4
    assert services.recount(vote)["matches"] and Choice.objects.filter(vote=vote).count() == 4
    matter.refresh_from_db()
    assert (matter.status, matter.decision) == ("decided", "车棚加装20个充电口")
    shoot(staff, "meetings-result-phone")

    # 5. 民事民办: the decision becomes actions with owners and due dates
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    staff.fill("#actions-form input[name=text_1]", "物业采购安装充电桩")
    staff.select_option("#actions-form select[name=owner_1]", f"org:{world.orgs['property'].pk}")
    staff.select_option("#actions-form select[name=kind_1]", "property")
    staff.fill("#actions-form input[name=due_1]", due)
    staff.fill("#actions-form input[name=text_2]", "社区公示收费标准")
    staff.select_option("#actions-form select[name=owner_2]", f"acc:{world.accounts['community_staff'].pk}")
    staff.select_option("#actions-form select[name=kind_2]", "community")
    staff.fill("#actions-form input[name=due_2]", due)
    staff.click("#btn-actions")
    staff.wait_for_selector("#actions .action-row")
    matter.refresh_from_db()
    assert matter.status == "in_progress" and matter.actions.count() == 2
    shoot(staff, "meetings-actions-phone")
    fits(staff)
    # the property company reports its action done (through the service); the staff report theirs in the browser
    services.report_progress(resolve(world.accounts["property_manager"]), matter.actions.get(owner_kind="property"), "20个充电口已安装通电", 100, done=True)
    last = matter.actions.get(owner_kind="community")
    staff.goto(staff.base + f"/meetings/matters/{matter.pk}/")
    staff.fill(f"#action-{last.pk} input[name=note]", "收费标准已在公告栏公示")
    staff.check(f"#action-{last.pk} input[name=done]")
    staff.click(f"#action-{last.pk} button[type=submit]")
    staff.wait_for_selector("#evaluate")
    matter.refresh_from_db()
    assert matter.status == "done"

    # 民事民评: residents evaluate; the result is public on the matter page
    resident.goto(resident.base + f"/meetings/matters/{matter.pk}/")
    resident.check("#evaluate-form input[name=rating][value='5']")
    resident.fill("#evaluate-form textarea[name=comment]", "再也不用在楼道充电了")
    shoot(resident, "meetings-evaluate-phone")
    resident.click("#btn-evaluate")
    resident.wait_for_selector("#evaluation-summary")
    services.evaluate(resolve(world.accounts[n1.key]), matter, 4)
    neighbour.goto(neighbour.base + f"/meetings/matters/{matter.pk}/")
    assert "2" in neighbour.inner_text("#evaluation-summary") and "100%" in neighbour.inner_text("#evaluation-summary")
    matter.refresh_from_db()
    assert matter.status == "evaluated"
    shoot(neighbour, "meetings-evaluated-phone")
    fits(neighbour)
