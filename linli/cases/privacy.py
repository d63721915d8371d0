"""Cases' part of a person's copy and of anonymisation (registered with linli.people.privacy in CasesConfig.ready)."""

from django.db.models import Q

from .models import Case, Rating


def register() -> None:
    from linli.people import privacy

    privacy.register_section("cases_reported", cases_reported)
    privacy.register_section("case_ratings", ratings)
    privacy.register_anonymiser(anonymise_reporters)


def _reported(person):
    return Case.objects.filter(Q(reporter_person=person) | Q(reporter__person=person)).order_by("pk")


def cases_reported(person):
    """The cases the person reported (with the contact they gave), in full: it is their own copy."""
    return _reported(person)


def ratings(person):
    return Rating.objects.filter(account__person=person).order_by("pk")


def anonymise_reporters(person_ids) -> int:
    """The reporter's name and phone copied on their cases are cleared; the case and its timeline stay."""
    n = 0
    for case in Case.objects.filter(Q(reporter_person_id__in=person_ids) | Q(reporter__person_id__in=person_ids)).exclude(
            reporter_name="", reporter_phone_hash=""):
        case.reporter_name, case.reporter_phone = "", ""
        case.save(update_fields=["reporter_name", "reporter_phone", "reporter_phone_hash"])
        n += 1
    return n
