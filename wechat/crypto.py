"""Signatures and the AES message encryption of WeChat's safe mode.

Encryption: AES-256-CBC with IV = key[:16], PKCS#7 padding to 32-byte blocks,
plaintext = 16 random bytes + 4-byte big-endian length + message + app id.
"""

import base64
import hashlib
import hmac
import os
import struct
import time

from Crypto.Cipher import AES

from wechat.exceptions import DecryptionFailed

BLOCK_SIZE = 32


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and concatenated."""
    digest = hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False)
    return digest.hexdigest()


def signature_matches(signature: str, *parts: str) -> bool:
    """Compare in constant time, so the signature cannot be guessed byte by byte."""
    return hmac.compare_digest(sign(*parts).encode(), (signature or "").encode())


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Turn the 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters long")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except ValueError as err:
        raise ValueError("EncodingAESKey is not valid base64") from err
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


class MessageCrypto:
    """Encrypts and decrypts message bodies for one account (key + app id)."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        self.key = decode_aes_key(encoding_aes_key)
        self.app_id = app_id

    def _cipher(self):
        return AES.new(self.key, AES.MODE_CBC, self.key[:16])

    def encrypt(self, plaintext: str, random_prefix: bytes | None = None) -> str:
        """Encrypt `plaintext`; `random_prefix` is fixed only by tests."""
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        message = plaintext.encode()
        data = prefix + struct.pack(">I", len(message)) + message + self.app_id.encode()
        pad = BLOCK_SIZE - len(data) % BLOCK_SIZE
        data += bytes([pad]) * pad
        return base64.b64encode(self._cipher().encrypt(data)).decode()

    def decrypt(self, encrypted: str) -> str:
        """Decrypt an `<Encrypt>` value, checking padding, length and app id."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except ValueError as err:
            raise DecryptionFailed("Encrypt is not valid base64") from err
        if not raw or len(raw) % 16:
            raise DecryptionFailed("Encrypt has a length that AES-CBC cannot produce")
        data = self._cipher().decrypt(raw)
        pad = data[-1]
        if not 1 <= pad <= BLOCK_SIZE or data[-pad:] != bytes([pad]) * pad:
            raise DecryptionFailed("Encrypt does not decrypt with this EncodingAESKey")
        data = data[:-pad]
        if len(data) < 20:
            raise DecryptionFailed("Encrypt is too short to hold a message")
        (length,) = struct.unpack(">I", data[16:20])
        message, from_app_id = data[20 : 20 + length], data[20 + length :]
        if len(message) != length:
            raise DecryptionFailed("Encrypt holds a truncated message")
        if not hmac.compare_digest(from_app_id, self.app_id.encode()):
            raise DecryptionFailed("Encrypt was made for another app id")
        try:
            return message.decode()
        except UnicodeDecodeError as err:
            raise DecryptionFailed("Encrypt does not hold UTF-8 text") from err


def encrypted_envelope(
    crypto: MessageCrypto, token: str, plaintext: str, nonce: str, timestamp: str | None = None
) -> str:
    """Wrap an encrypted message in the XML envelope WeChat expects."""
    timestamp = timestamp or str(int(time.time()))
    encrypted = crypto.encrypt(plaintext)
    signature = sign(token, timestamp, nonce, encrypted)
    return (
        f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce><![CDATA[{nonce}]]></Nonce></xml>"
    )
