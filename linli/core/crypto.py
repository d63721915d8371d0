"""Personal data at rest: Fernet encryption, keyed look-up hashes, masking.

The key comes from LINLI_ENCRYPTION_KEY or the key file LINLI_KEY_FILE. Outside
production a key file is created on first use; in production (LINLI_PRODUCTION=1)
the app refuses to start without an explicit key.
"""

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class MissingKey(ImproperlyConfigured):
    pass


def _key_from_file(path: Path, create: bool) -> bytes | None:
    if path.exists():
        return path.read_bytes().strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


@lru_cache(maxsize=1)
def master_key() -> bytes:
    if settings.LINLI_ENCRYPTION_KEY:
        return settings.LINLI_ENCRYPTION_KEY.encode()
    key = _key_from_file(Path(settings.LINLI_KEY_FILE), create=not settings.PRODUCTION)
    if not key:
        raise MissingKey(
            "No encryption key: set LINLI_ENCRYPTION_KEY or put a Fernet key in "
            f"LINLI_KEY_FILE ({settings.LINLI_KEY_FILE}). Production mode never creates one."
        )
    return key


def check_configuration() -> None:
    """Called at start-up: in production a missing or malformed key stops the app."""
    if settings.PRODUCTION:
        Fernet(master_key())


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(master_key())


@lru_cache(maxsize=1)
def _lookup_key() -> bytes:
    return hashlib.sha256(b"linli-lookup-hash:" + master_key()).digest()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered row
        raise ValueError("cannot decrypt a personal-data field: wrong key or damaged value") from exc


def lookup_hash(value: str) -> str:
    """Keyed hash for exact look-ups and duplicate checks (not reversible without the key)."""
    return hmac.new(_lookup_key(), value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def reset_caches() -> None:
    master_key.cache_clear()
    _fernet.cache_clear()
    _lookup_key.cache_clear()
