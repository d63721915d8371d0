"""Test helpers for the JSON API: bearer-token clients, JSON writes, and reading list and error answers.

    bearer_client(account)          a test Client sending a fresh token of that account (MachineClient: the served
                                    application's middleware chain for machine requests)
    bearer(secret)                  a test Client sending this secret (a revoked, forged or command-issued one)
    post(client, url, data)         JSON body (dates as text); patch likewise
    items(r), names(r)              a 200 list answer's items, their sorted names
    fields(r)                       a 422 answer's {field: message}

The root conftest's `api_as("grid_worker")` gives one bearer client per world account. A module whose
assertions read API messages in English (the msgids) marks itself
`pytestmark = pytest.mark.usefixtures("english_messages")` and imports the fixture from here.
"""

import json

import pytest
from django.test import Client


@pytest.fixture
def english_messages(settings):
    """Messages are asserted in English (the msgids); zh-Hans is covered by the page tests."""
    settings.LANGUAGE_CODE = "en"


class MachineClient(Client):
    """A test Client whose machine requests (/api/ and /open311/ without a cookie) run the machine chain, as the served
    application's do (linli.core.api_chain); its other requests run the full chain."""

    def __init__(self, *args, **kwargs):
        from django.test.client import ClientHandler

        from linli.core.api_chain import MachineChainMixin, is_machine_request

        super().__init__(*args, **kwargs)

        class MachineClientHandler(MachineChainMixin, ClientHandler):
            pass

        full, machine = self.handler, MachineClientHandler(enforce_csrf_checks=self.handler.enforce_csrf_checks)
        self.handler = lambda environ: (machine if is_machine_request(environ) else full)(environ)


def bearer(secret: str, **defaults) -> Client:
    return MachineClient(HTTP_AUTHORIZATION=f"Bearer {secret}", **defaults)


def bearer_client(account, name: str = "test", **defaults) -> Client:
    from linli.people.auth import issue_token

    _, secret = issue_token(account, name)
    return bearer(secret, **defaults)


def post(client, url, data):
    return client.post(url, json.dumps(data, default=str), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data, default=str), content_type="application/json")


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def names(response):
    return sorted(i["name"] for i in items(response))


def fields(response, status=422):
    assert response.status_code == status, response.content
    return {d["field"]: d["message"] for d in response.json()["detail"]}
