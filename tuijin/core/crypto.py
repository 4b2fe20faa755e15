"""Personal data at rest: mobile numbers encrypted in the database, found by a keyed hash.

A stored value is a token, base64 text of::

    version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)

Version 1 is SM4-GCM (the default, GB/T 32907), version 2 AES-256-GCM (``TUIJIN_DATA_CIPHER=aes``).
The version and key id are authenticated with the ciphertext, so any flipped byte of a token
fails the tag check and raises ``TamperedValueError``: a damaged number is refused, never
shown as another number. Equality lookups and uniqueness use a keyed hash of the normalised
value (HMAC-SM3, or HMAC-SHA256 with AES) under a key derived separately from the data key,
so a copy of the database without the key shows neither the numbers nor a way to test one.

The data key (32 random bytes) comes from ``TUIJIN_DATA_KEY`` (base64) or from the data folder
(``data_key``, created 0600 on first use, like the secret key). Former keys stay readable
during a rotation: ``TUIJIN_DATA_KEYS_OLD`` (base64, separated by spaces or commas) or the
lines of ``data_key.old``. ``tuijin rotate-data-key`` re-encrypts every value under the
current key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
SM4, AES = 1, 2  # token versions: the cipher that made the token
CIPHERS = {"sm4": SM4, "aes": AES}
NONCE, TAG, KEY_ID = 12, 16, 4
HEADER = 1 + KEY_ID
# Bytes around the ciphertext; a token is base64 of HEADER + NONCE + plain + TAG bytes.
OVERHEAD = HEADER + NONCE + TAG
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


class DataKeyError(ImproperlyConfigured):
    """The data key is missing, malformed, or does not open a stored value."""


class TamperedValueError(ValueError):
    """A stored token fails its integrity check: the database row was altered or damaged."""


def token_length(plain_chars: int) -> int:
    """The longest token for a value of ``plain_chars`` characters (up to 4 bytes each)."""
    return 4 * -(-(OVERHEAD + 4 * plain_chars) // 3)


@dataclass(frozen=True)
class DataKey:
    raw: bytes
    key_id: bytes = b""  # the first bytes of a hash of the key, written into each token

    def __post_init__(self) -> None:
        digest = hashlib.sha256(b"tuijin-key-id" + self.raw).digest()[:KEY_ID]
        object.__setattr__(self, "key_id", digest)

    def derive(self, purpose: bytes, version: int) -> bytes:
        """A subkey per purpose: the cipher key and the hash key never coincide."""
        mac = hmac.HMAC(self.raw, hashes.SM3() if version == SM4 else hashes.SHA256())
        mac.update(b"tuijin-data-" + purpose)
        return mac.finalize()


@dataclass(frozen=True)
class Keyring:
    current: DataKey
    old: tuple[DataKey, ...]
    version: int  # the cipher new tokens are made with
    source: str  # "env" or the key file's path

    def by_id(self, key_id: bytes) -> DataKey | None:
        for key in (self.current, *self.old):
            if key.key_id == key_id:
                return key
        return None


def _decode_key(text: str, where: str) -> DataKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{where} 中的数据密钥应为 {KEY_BYTES} 字节的 base64 文本")
    return DataKey(raw)


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "data_key"


def old_key_path() -> Path:
    return Path(settings.DATA_DIR) / "data_key.old"


def write_key_file(path: Path, text: str, *, exclusive: bool) -> None:
    """Write a key file readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


@cache
def keyring() -> Keyring:
    """The keys in force: from the environment, else the data folder (created on first use)."""
    name = os.environ.get("TUIJIN_DATA_CIPHER", "sm4").strip().lower() or "sm4"
    if name not in CIPHERS:
        raise DataKeyError(f"TUIJIN_DATA_CIPHER 只能是 sm4 或 aes，收到「{name}」")
    if os.environ.get("TUIJIN_DATA_KEY"):
        current = _decode_key(os.environ["TUIJIN_DATA_KEY"], "TUIJIN_DATA_KEY")
        old_texts = re.split(r"[\s,]+", os.environ.get("TUIJIN_DATA_KEYS_OLD", ""))
        old = [_decode_key(t, "TUIJIN_DATA_KEYS_OLD") for t in old_texts if t]
        return Keyring(current, tuple(old), CIPHERS[name], "env")
    path = key_path()
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it a moment ago
            write_key_file(path, new_key_text(), exclusive=True)
    current = _decode_key(path.read_text(), str(path))
    old = []
    if old_key_path().exists():
        lines = old_key_path().read_text().split()
        old = [_decode_key(line, str(old_key_path())) for line in lines if line.strip()]
    return Keyring(current, tuple(old), CIPHERS[name], str(path))


def reset() -> None:
    """Forget the loaded keys (after a rotation, or a test changing the environment)."""
    keyring.cache_clear()
    _subkey.cache_clear()
    _cipher_key.cache_clear()


@cache
def _subkey(raw: bytes, purpose: bytes, version: int) -> bytes:
    key = DataKey(raw).derive(purpose, version)
    return key[:16] if version == SM4 and purpose == b"encrypt" else key


@cache
def _cipher_key(raw: bytes, version: int) -> algorithms.SM4 | AESGCM:
    """The cipher's key object, made once per key (SM4 is 128-bit, AES here 256-bit)."""
    subkey = _subkey(raw, b"encrypt", version)
    return algorithms.SM4(subkey) if version == SM4 else AESGCM(subkey)


def encrypt(text: str) -> str:
    """The token for ``text`` under the current key; a blank stays blank."""
    if not text:
        return text
    ring = keyring()
    key, version = ring.current, ring.version
    header = bytes([version]) + key.key_id
    nonce = secrets.token_bytes(NONCE)
    cipher_key = _cipher_key(key.raw, version)
    data = text.encode()
    if version == SM4:
        encryptor = Cipher(cipher_key, modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(header)
        sealed = encryptor.update(data) + encryptor.finalize() + encryptor.tag
    else:
        sealed = cipher_key.encrypt(nonce, data, header)
    return base64.b64encode(header + nonce + sealed).decode()


def looks_encrypted(value: object) -> bool:
    """Whether ``value`` has the shape of a token (not whether it opens)."""
    return (
        isinstance(value, str)
        and len(value) >= token_length(0) - 4
        and bool(_BASE64.match(value))
        and base64.b64decode(value[:4])[0] in (SM4, AES)
    )


def decrypt(token: str) -> str:
    """The text of a token; ``TamperedValueError`` if any byte of it was changed."""
    if not token:
        return token
    try:
        blob = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise TamperedValueError("加密数据已损坏或被篡改：不是有效的密文") from None
    if len(blob) < OVERHEAD or blob[0] not in (SM4, AES):
        raise TamperedValueError("加密数据已损坏或被篡改：密文格式不对")
    version, key_id = blob[0], blob[1:HEADER]
    key = keyring().by_id(key_id)
    if key is None:  # a rotation in another process may have made a new key: read them again
        reset()
        key = keyring().by_id(key_id)
    if key is None:
        raise TamperedValueError(
            "加密数据已损坏或被篡改，或加密它的密钥不在 data_key / data_key.old 中"
        )
    nonce, sealed = blob[HEADER : HEADER + NONCE], blob[HEADER + NONCE :]
    cipher_key = _cipher_key(key.raw, version)
    try:
        if version == SM4:
            decryptor = Cipher(cipher_key, modes.GCM(nonce, sealed[-TAG:])).decryptor()
            decryptor.authenticate_additional_data(blob[:HEADER])
            data = decryptor.update(sealed[:-TAG]) + decryptor.finalize()
        else:
            data = cipher_key.decrypt(nonce, sealed, blob[:HEADER])
    except InvalidTag:
        raise TamperedValueError("加密数据已损坏或被篡改：完整性校验失败") from None
    return data.decode()


def normalise(text: str) -> str:
    """What the hash sees: the value without spaces (a number typed with gaps is the same)."""
    return "".join((text or "").split())


def keyed_hash(text: str, key: DataKey | None = None, version: int | None = None) -> str:
    """Hex HMAC of the normalised value under the hash subkey; blank for a blank value."""
    value = normalise(text)
    if not value:
        return ""
    ring = keyring()
    key, version = key or ring.current, version or ring.version
    mac = hmac.HMAC(
        _subkey(key.raw, b"hash", version),
        hashes.SM3() if version == SM4 else hashes.SHA256(),
    )
    mac.update(value.encode())
    return mac.finalize().hex()


def lookup_hashes(text: str) -> list[str]:
    """The hashes ``text`` may be stored under: the current key's and cipher's first, then
    former keys' and the other cipher's (rows a rotation has not reached yet still match)."""
    ring = keyring()
    versions = (ring.version, *(v for v in (SM4, AES) if v != ring.version))
    return list(
        dict.fromkeys(
            keyed_hash(text, key, version)
            for version in versions
            for key in (ring.current, *ring.old)
        )
    )


def mask(value: str) -> str:
    """A number as the audit trail keeps it: 138****0000."""
    value = value or ""
    if value in ("None", ""):
        return value
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def rewrite_column(
    connection, table: str, column: str, hash_column: str, *, plain: bool = False, batch: int = 2000
) -> int:
    """Re-encrypt one column of ``table`` under the current key and recompute its hashes,
    ``batch`` rows at a time, on the raw rows (migrations and rotation); returns how many
    values were written. A plain value (before the encrypting migration) is encrypted, a
    token is opened with whichever key made it. ``plain=True`` writes plain text back and
    blanks the hashes (undoing the migration)."""
    quote = connection.ops.quote_name
    select = (
        f"SELECT id, {quote(column)} FROM {quote(table)} "
        f"WHERE id > %s AND {quote(column)} IS NOT NULL AND {quote(column)} <> '' "
        f"ORDER BY id LIMIT {int(batch)}"
    )
    update = (
        f"UPDATE {quote(table)} SET {quote(column)} = %s, {quote(hash_column)} = %s WHERE id = %s"
    )
    last, written = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return written
            changes = []
            for pk, stored in rows:
                text = decrypt(stored) if looks_encrypted(stored) else stored
                if plain:
                    changes.append((text, "", pk))
                else:
                    changes.append((encrypt(text), keyed_hash(text), pk))
            cursor.executemany(update, changes)
            written += len(changes)
            last = rows[-1][0]


def encrypted_columns() -> list[tuple[type, str, str, str]]:
    """(model, table, column, hash column) of every encrypted field of the installed apps."""
    from django.apps import apps

    from .fields import encrypted_fields

    return [
        (model, model._meta.db_table, f.column, f.hash_field().column)
        for model in apps.get_models()
        for f in encrypted_fields(model)
    ]


def install_new_key() -> None:
    """Make a fresh data key current in the data folder, the former one kept readable in
    ``data_key.old`` (written first, so that no moment leaves a value without its key)."""
    if os.environ.get("TUIJIN_DATA_KEY"):
        raise DataKeyError(
            "数据密钥来自环境变量 TUIJIN_DATA_KEY：请把新密钥设入 TUIJIN_DATA_KEY、"
            "旧密钥设入 TUIJIN_DATA_KEYS_OLD 后，不带 --new-key 运行本命令"
        )
    former = keyring().current
    kept = old_key_path().read_text().split() if old_key_path().exists() else []
    kept.append(base64.b64encode(former.raw).decode())
    write_key_file(old_key_path(), "\n".join(dict.fromkeys(kept)), exclusive=False)
    fresh = key_path().with_name("data_key.new")
    write_key_file(fresh, new_key_text(), exclusive=False)
    os.replace(fresh, key_path())
    reset()


def rotate(batch: int = 2000) -> dict[str, int]:
    """Re-encrypt every encrypted value under the current key and recompute its hash, in one
    transaction (lookups find rows under either key until it commits); returns the count of
    values per table."""
    from django.db import connection, transaction

    reset()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for _model, table, column, hash_column in encrypted_columns():
            written = rewrite_column(connection, table, column, hash_column, batch=batch)
            counts[f"{table}.{column}"] = written
    return counts
