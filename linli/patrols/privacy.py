"""Grid work's part of a person's copy (registered with linli.people.privacy in PatrolsConfig.ready)."""

from .models import CareVisit


def register() -> None:
    from linli.people import privacy

    privacy.register_section("care_visits", care_visits)


def care_visits(person):
    """The care visits to the person: when, why (the rule), what was found and what followed."""
    return CareVisit.objects.filter(person=person).order_by("pk")
