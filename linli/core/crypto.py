"""Personal data at rest: Fernet encryption, keyed look-up hashes, masking.

The key comes from LINLI_ENCRYPTION_KEY or the key file LINLI_KEY_FILE. Outside
production a key file is created on first use; in production (LINLI_PRODUCTION=1)
the app refuses to start without an explicit key.

encrypt_many makes the same Fernet tokens as encrypt (version 0x80, time stamp, random IV, AES-128-CBC with
PKCS7 padding, HMAC-SHA256 over it all; cryptography's Fernet decrypts them) for many values at once, at a
fifth of the cost: the AES key schedule and the HMAC key pads are set up once per call instead of once per
value. tests: linli/core/tests/test_crypto.py compares its tokens byte for byte with Fernet's for the same
IV and time.
"""

import base64
import hashlib
import os
import threading
import time
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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


class _Hmac:
    """HMAC-SHA256 under one key with the key's inner and outer pads hashed once (RFC 2104): each message then
    costs two copies of a hash state, not a new HMAC object (hmac.new re-derives the pads every time)."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


@lru_cache(maxsize=1)
def _lookup_hmac() -> _Hmac:
    return _Hmac(_lookup_key())


@lru_cache(maxsize=1)
def _fernet_parts() -> tuple[_Hmac, bytes]:
    """The Fernet key's halves: the signing key (as its HMAC) and the AES-128 encryption key."""
    raw = base64.urlsafe_b64decode(master_key())
    if len(raw) != 32:
        raise ValueError("the encryption key is not a Fernet key (32 bytes, url-safe base64)")
    return _Hmac(raw[:16]), raw[16:]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


_blocks = threading.local()  # one AES block function per thread (cipher contexts are not shared between threads)


def encrypt_many(values: list[str], *, _at: int | None = None, _ivs: bytes | None = None) -> list[str]:
    """[encrypt(v) for v in values], faster: the same Fernet tokens, each with its own random IV.

    CBC is written out over the AES block function (ECB of one block at a time): C0 = IV, Ci = AES(Pi xor Ci-1),
    exactly what Fernet's CBC mode computes. _at and _ivs fix the time stamp and the IVs for the tests only."""
    sign, enc_key = _fernet_parts()
    state = getattr(_blocks, "aes", None)
    if state is None or state[0] != enc_key:
        state = (enc_key, Cipher(algorithms.AES(enc_key), modes.ECB()).encryptor())
        _blocks.aes = state
    aes = state[1].update
    head = b"\x80" + int(time.time() if _at is None else _at).to_bytes(8, "big")
    ivs = os.urandom(16 * len(values)) if _ivs is None else _ivs
    out = []
    frm, b64 = int.from_bytes, base64.urlsafe_b64encode
    for k, value in enumerate(values):
        iv = ivs[16 * k:16 * k + 16]
        data = value.encode()
        pad = 16 - len(data) % 16
        data += bytes((pad,)) * pad
        chain, parts = frm(iv, "big"), [head, iv]
        for i in range(0, len(data), 16):
            block = aes((chain ^ frm(data[i:i + 16], "big")).to_bytes(16, "big"))
            parts.append(block)
            chain = frm(block, "big")
        basic = b"".join(parts)
        out.append(b64(basic + sign.digest(basic)).decode())
    return out


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered row
        raise ValueError("cannot decrypt a personal-data field: wrong key or damaged value") from exc


def lookup_hash(value: str) -> str:
    """Keyed hash for exact look-ups and duplicate checks (not reversible without the key)."""
    return _lookup_hmac().digest(value.encode()).hex()  # = hmac.new(_lookup_key(), value, sha256).hexdigest()


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
    _lookup_hmac.cache_clear()
    _fernet_parts.cache_clear()
