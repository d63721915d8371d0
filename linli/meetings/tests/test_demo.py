"""The demo generator runs through the services on a small community and tells the seeds' story."""

from linli.demo import meetings_gen
from linli.meetings.models import AgendaItem, Matter, Meeting, ReceptionSlot, StandingCommittee
from linli.people.models import Organization

from .conftest import Town


def test_demo_generator_builds_the_council_hall(world):
    town = Town(world)
    for i in range(12):
        town.household("A1" if i % 2 else "A2", f"8{i:02d}", f"居民{i}甲", f"居民{i}乙", accounts=False)
    Organization.objects.create(kind=Organization.Kind.PARTY, party_level="community_committee", name="柳航里社区党委", community=world.a)
    Organization.objects.create(kind=Organization.Kind.OWNERS_COMMITTEE, name="航苑业委会", community=world.a)
    made = meetings_gen.build(world.a)
    assert made == 32 and Matter.objects.count() == 32
    assert Matter.objects.filter(status__in=["done", "evaluated"]).count() == 18
    statuses = set(Matter.objects.values_list("status", flat=True))
    assert {"raised", "on_agenda", "deliberating", "voting", "in_progress", "evaluated"} <= statuses
    committee = StandingCommittee.objects.get()
    held = list(Meeting.objects.filter(committee=committee, held=True).order_by("starts_at"))
    assert len(held) == 8
    kinds = [m.chair_org.kind for m in held]
    assert kinds[:3] == ["party", "owners_committee", "property_company"] and kinds[3] == "party"
    upcoming = Meeting.objects.get(committee=committee, held=False)
    assert AgendaItem.objects.filter(meeting=upcoming, kind="overdue_action").count() == 2
    assert ReceptionSlot.objects.count() == 4


def test_the_demo_resident_finds_a_vote_to_cast_at_home(world):
    town = Town(world)
    for i in range(6):
        town.household("A1", f"9{i:02d}", f"楼友{i}", accounts=False)
    meetings_gen.build(world.a)
    home = world.persons["a1"].dwelling.building
    votes = [m.votes.get() for m in Matter.objects.filter(status="voting", building=home)]
    assert votes and all(v.roll.filter(household=world.persons["a1"].household).exists() for v in votes)
    assert not any(v.ballots.filter(entry__household=world.persons["a1"].household).exists() for v in votes)
    assert Matter.objects.filter(building=home, status="deliberating").exists()
