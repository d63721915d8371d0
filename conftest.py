import pytest

# The test environment (var/test, a fixed key) is set by linli/testing/pytest_env.py, loaded with -p.


@pytest.fixture
def world(db):
    from linli.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s per account; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages_outside_requests():
    """Service messages are asserted by their English msgids; page requests still follow the
    language middleware (zh-Hans by default), which the page and browser tests cover."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def api_as(world):
    """api_as("grid_worker") -> a test Client sending that world account's bearer token (one per account)."""
    from linli.testing.api import bearer_client

    clients = {}

    def make(key):
        if key not in clients:
            clients[key] = bearer_client(world.accounts[key])
        return clients[key]

    return make
