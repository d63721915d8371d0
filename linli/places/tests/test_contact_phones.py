"""Contact phones of venues and organisations are personal data: encrypted at rest like residents'
(issue 13, point 5), shown masked; the migration encrypts values stored in plain text before."""

from django.db import connection

from linli.core.fields import encrypt_plain_column
from linli.people.models import Organization
from linli.places.models import Venue

PHONE = "13912345678"


def _stored(table: str, pk: int) -> str:
    with connection.cursor() as c:
        c.execute(f"SELECT contact_phone FROM {table} WHERE id = %s", [pk])
        return c.fetchone()[0]


def test_venue_and_organisation_phones_are_stored_encrypted(world):
    venue = world.venues["shop"]
    venue.contact_phone = PHONE
    venue.save()
    org = Organization.objects.create(kind="social", name="邻里互助会", community=world.a, contact_phone=PHONE)
    for table, pk in (("places_venue", venue.pk), ("people_organization", org.pk)):
        raw = _stored(table, pk)
        assert raw.startswith("gAAAAA") and PHONE not in raw and "5678" not in raw
    assert Venue.objects.get(pk=venue.pk).contact_phone == PHONE
    assert Organization.objects.get(pk=org.pk).contact_phone_masked == "139****5678"


def test_the_migration_encrypts_plain_values_and_is_reversible(world):
    venue = world.venues["shop"]
    with connection.cursor() as c:  # as an older linli stored it
        c.execute("UPDATE places_venue SET contact_phone = %s WHERE id = %s", [PHONE, venue.pk])
    forward, backward = encrypt_plain_column("places_venue", "contact_phone")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    forward(None, editor)
    once = _stored("places_venue", venue.pk)
    assert once.startswith("gAAAAA") and Venue.objects.get(pk=venue.pk).contact_phone == PHONE
    forward(None, editor)  # running it again leaves tokens alone
    assert _stored("places_venue", venue.pk) == once
    backward(None, editor)
    assert _stored("places_venue", venue.pk) == PHONE


def test_venue_page_and_api_show_the_phone_masked(world, client, api_as):
    venue = world.venues["shop"]
    venue.contact_phone = PHONE
    venue.save()
    shown = api_as("community_staff").get(f"/api/v1/places/venues/{venue.pk}").json()
    assert shown["contact_phone"] == "139****5678"
    client.force_login(world.accounts["community_staff"])
    page = client.get(f"/venues/{venue.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page
