"""Test clients for the JSON API: a Django test Client that sends an account's bearer token."""

from django.test import Client


def bearer_client(account, name: str = "test") -> Client:
    from linli.people.auth import issue_token

    _, secret = issue_token(account, name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
