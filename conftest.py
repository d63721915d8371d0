import os

import pytest

os.environ.setdefault("LINLI_VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
os.environ.setdefault("LINLI_ENCRYPTION_KEY", "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y=")


@pytest.fixture
def world(db):
    from linli.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s per account; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
