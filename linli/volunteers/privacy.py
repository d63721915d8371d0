"""Volunteers' part of a person's copy (registered with linli.people.privacy in VolunteersConfig.ready)."""

from .models import LedgerAccount, Posting, ServiceOrder, ServiceRecord, SignUp, Volunteer, Wish


def register() -> None:
    from linli.people import privacy

    privacy.register_section("volunteer_registrations", lambda p: Volunteer.objects.filter(person=p).order_by("pk"))
    privacy.register_section("volunteer_service_records", lambda p: ServiceRecord.objects.filter(volunteer__person=p).order_by("pk"))
    privacy.register_section("points_accounts", lambda p: LedgerAccount.objects.filter(volunteer__person=p).order_by("pk"))
    privacy.register_section("points_postings", points_postings)
    privacy.register_section("activity_signups", lambda p: SignUp.objects.filter(person=p).order_by("pk"))
    privacy.register_section("wishes", lambda p: Wish.objects.filter(person=p).order_by("pk"))
    privacy.register_section("service_orders", lambda p: ServiceOrder.objects.filter(person=p).order_by("pk"))


def points_postings(person):
    accounts = LedgerAccount.objects.filter(volunteer__person=person).values("pk")
    return (Posting.objects.filter(from_account__in=accounts) | Posting.objects.filter(to_account__in=accounts)).order_by("pk")
