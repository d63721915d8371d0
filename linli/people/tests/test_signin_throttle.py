"""Sign-in hardening (issue 13, point 4): lock-out per account and per address on the sign-in page,
the admin and bearer tokens; lifted in the admin; password validators for new passwords.

Before django-axes, 25 wrong passwords for one account and then the right one all answered: the
last one signed in. Each test here fails on that code."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import Client

from linli.people import services as people
from linli.people.auth import issue_token
from linli.testing.world import PASSWORD

LOCKED_ZH = "登录失败次数过多"


def _sign_in(client, username, password, path="/login/"):
    return client.post(path, {"username": username, "password": password})


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_25_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_message(world, settings):
    client = Client()
    answers = [_sign_in(client, "community_staff", f"wrong-{i}").status_code for i in range(25)]
    assert answers[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form again, with its error
    assert set(answers[settings.AXES_FAILURE_LIMIT:]) == {429}
    right = _sign_in(client, "community_staff", PASSWORD)
    assert right.status_code == 429
    text = right.content.decode()
    assert LOCKED_ZH in text and "15 分钟" in text
    assert not _signed_in(client)


def test_the_account_is_locked_from_another_address_too(world, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(REMOTE_ADDR="10.0.0.1"), "grid_worker", f"wrong-{i}")
    elsewhere = Client(REMOTE_ADDR="10.0.0.2")
    assert _sign_in(elsewhere, "grid_worker", PASSWORD).status_code == 429
    # another account from that other address is not touched
    assert _sign_in(elsewhere, "community_staff", PASSWORD).status_code == 302


def test_an_address_trying_many_accounts_is_locked(world, settings):
    client = Client(REMOTE_ADDR="10.0.0.3")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, f"guess{i}", "123456")
    assert _sign_in(client, "community_staff", PASSWORD).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.4"), "community_staff", PASSWORD).status_code == 302


def test_a_phone_number_counts_against_the_same_account(world, settings):
    """王建国 signs in as `resident` by username or by phone 13800000001: one account, one count."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(REMOTE_ADDR=f"10.0.1.{i}"), "13800000001", f"wrong-{i}")
    assert _sign_in(Client(REMOTE_ADDR="10.0.2.1"), "resident", PASSWORD).status_code == 429


def test_the_admin_sign_in_is_locked_too(world, settings):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "admin", f"wrong-{i}", path="/admin/login/")
    right = _sign_in(client, "admin", PASSWORD, path="/admin/login/?next=/admin/")
    assert right.status_code == 429 and LOCKED_ZH in right.content.decode()


def test_staff_see_the_lockout_in_the_admin_and_lift_it_then_sign_in_works(world, settings):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT + 2):
        _sign_in(client, "community_staff", f"wrong-{i}")
    assert _sign_in(client, "community_staff", PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(world.accounts["admin"])
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "community_staff" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    lifted = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert lifted.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert _sign_in(client, "community_staff", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_bad_bearer_tokens_lock_the_address_then_staff_lift_it(world, settings):
    _, good = issue_token(world.accounts["community_staff"], "test")
    url = "/api/v1/people/me"
    client = Client(REMOTE_ADDR="10.9.9.9")
    answers = [client.get(url, HTTP_AUTHORIZATION=f"Bearer ll_guess{i}").status_code for i in range(12)]
    assert answers[:settings.AXES_FAILURE_LIMIT - 1] == [401] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT:]) == {429}
    locked = client.get(url, HTTP_AUTHORIZATION=f"Bearer {good}")
    assert locked.status_code == 429 and LOCKED_ZH in locked.json()["detail"]
    # another address with the good token is served; the attempts are listed under the address
    assert Client(REMOTE_ADDR="10.9.9.8").get(url, HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    assert AccessAttempt.objects.filter(ip_address="10.9.9.9", username="(API token)").exists()
    AccessAttempt.objects.filter(ip_address="10.9.9.9").delete()  # what the admin's delete does
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200


@pytest.mark.parametrize("password, rule", [
    ("short1", "too short"),
    ("12345678901234", "entirely numeric"),
    ("password1234", "too common"),
    ("linli-demo", "demo"),
    ("newcomer-2024", "too similar"),
])
def test_new_passwords_pass_the_validators(world, password, rule):
    with pytest.raises(ValidationError) as exc:
        people.create_account(None, "newcomer-2024x", password)
    assert rule in " ".join(exc.value.message_dict["password"])


def test_a_good_new_password_is_accepted_and_a_changed_one_checked(world):
    account = people.create_account(None, "newcomer", "梧桐-巷口-7号-晨光")
    with pytest.raises(ValidationError):
        people.set_new_password(account, "1234567890123")
    people.set_new_password(account, "另一条-长的-口令-2")
    account.refresh_from_db()
    assert account.check_password("另一条-长的-口令-2")
