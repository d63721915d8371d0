import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from linli.core import crypto


def test_masks():
    assert crypto.mask_id_number("140213195001010017") == "1402**********0017"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_id_number("") == "" and crypto.mask_phone("") == ""


def test_encrypt_round_trip_and_randomised():
    a, b = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert a != b and "13812345678" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13812345678"
    assert crypto.lookup_hash("13812345678") == crypto.lookup_hash("13812345678") != crypto.lookup_hash("13812345679")


def test_wrong_key_cannot_read(settings):
    token = crypto.encrypt("secret")
    settings.LINLI_ENCRYPTION_KEY = Fernet.generate_key().decode()
    crypto.reset_caches()
    try:
        with pytest.raises(ValueError, match="wrong key"):
            crypto.decrypt(token)
    finally:
        settings.LINLI_ENCRYPTION_KEY = os.environ["LINLI_ENCRYPTION_KEY"]
        crypto.reset_caches()


def _start(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    base.update({"LINLI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "linli.settings", **env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"], env=base, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_key(tmp_path):
    result = _start(tmp_path, LINLI_PRODUCTION="1", LINLI_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "No encryption key" in result.stderr
    assert not (tmp_path / "linli.key").exists()


def test_production_starts_with_key(tmp_path):
    result = _start(tmp_path, LINLI_PRODUCTION="1", LINLI_SECRET_KEY="x" * 50, LINLI_ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_creates_a_key_file(tmp_path):
    result = _start(tmp_path)
    assert result.returncode == 0, result.stderr
    # the key file is created on first use of personal data, not at import time
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from linli.core import crypto; print(crypto.encrypt('x')[:5])"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}, "LINLI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "linli.settings"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "linli.key").stat().st_mode & 0o777 == 0o600


def test_encrypt_many_makes_fernet_tokens_byte_for_byte():
    """The batch encryptor writes CBC out over the AES block function: for the same IV and time its tokens must be
    exactly Fernet's, for every length around the block boundaries and for non-ASCII text."""
    fernet = Fernet(crypto.master_key())
    values = ["", "1", "13812345678", "140213195001010017", "x" * 15, "y" * 16, "z" * 17, "w" * 31, "v" * 32, "v" * 33,
              "王建国 1号楼 101", "备注" * 40, "\x00\x10\xff"]
    ivs = os.urandom(16 * len(values))
    at = 1_800_000_000
    tokens = crypto.encrypt_many(values, _at=at, _ivs=ivs)
    expected = [fernet._encrypt_from_parts(v.encode(), at, ivs[16 * k:16 * k + 16]).decode() for k, v in enumerate(values)]
    assert tokens == expected
    assert [crypto.decrypt(t) for t in tokens] == values


def test_encrypt_many_is_randomised_and_read_by_fernet():
    tokens = crypto.encrypt_many(["13812345678"] * 50)
    assert len(set(tokens)) == 50  # a fresh IV for every value
    assert {Fernet(crypto.master_key()).decrypt(t.encode()).decode() for t in tokens} == {"13812345678"}
    assert all(t.startswith("gAAAAA") for t in tokens)  # what core.fields recognises as a token
    assert crypto.encrypt_many([]) == []


def test_encrypt_many_after_a_key_change(settings):
    old = crypto.encrypt_many(["secret"])[0]
    settings.LINLI_ENCRYPTION_KEY = Fernet.generate_key().decode()
    crypto.reset_caches()
    try:
        new = crypto.encrypt_many(["secret"])[0]
        assert Fernet(settings.LINLI_ENCRYPTION_KEY.encode()).decrypt(new.encode()) == b"secret"
        with pytest.raises(ValueError, match="wrong key"):
            crypto.decrypt(old)
    finally:
        settings.LINLI_ENCRYPTION_KEY = os.environ["LINLI_ENCRYPTION_KEY"]
        crypto.reset_caches()
    assert crypto.decrypt(old) == "secret"


def test_lookup_hash_is_hmac_sha256_under_the_lookup_key():
    import hashlib
    import hmac

    for value in ["", "13812345678", "140213195001010017", "王" * 100]:
        assert crypto.lookup_hash(value) == hmac.new(crypto._lookup_key(), value.encode(), hashlib.sha256).hexdigest()
