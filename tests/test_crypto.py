"""The safe-mode crypto against Tencent's and EasyWeChat's public samples."""

import base64
import json
from pathlib import Path

import pytest

from wechat.crypto import MessageCrypto, decode_aes_key, sign, signature_matches
from wechat.exceptions import DecryptionFailed
from wechat.parsing import xml_to_dict

VECTORS = json.loads((Path(__file__).parent / "data" / "crypto_vectors.json").read_text("utf-8"))


@pytest.mark.parametrize("name", ["official_sample", "second_sample"])
def test_public_sample_decrypts_to_its_plaintext(name):
    sample = VECTORS[name]
    crypto = MessageCrypto(sample["encoding_aes_key"], sample["app_id"])
    assert crypto.decrypt(sample["encrypt"]) == sample["plaintext_xml"]


@pytest.mark.parametrize("name", ["official_sample", "second_sample"])
def test_public_sample_msg_signature_matches(name):
    sample = VECTORS[name]
    parts = (sample["token"], sample["timestamp"], sample["nonce"], sample["encrypt"])
    assert sign(*parts) == sample["msg_signature"]
    assert signature_matches(sample["msg_signature"], *parts)
    forged = sample["msg_signature"][:-1] + ("1" if sample["msg_signature"][-1] == "0" else "0")
    assert not signature_matches(forged, *parts)


def test_official_sample_query_signature_matches():
    sample = VECTORS["official_sample"]
    assert sign(sample["token"], sample["timestamp"], sample["nonce"]) == sample["signature"]


def test_sample_decrypted_with_another_app_id_is_refused():
    sample = VECTORS["official_sample"]
    crypto = MessageCrypto(sample["encoding_aes_key"], "wx_someone_else")
    with pytest.raises(DecryptionFailed, match="another app id"):
        crypto.decrypt(sample["encrypt"])


def test_deterministic_vector_encrypts_byte_for_byte():
    vector = VECTORS["deterministic"]
    crypto = MessageCrypto(vector["encoding_aes_key"], vector["app_id"])
    encrypted = crypto.encrypt(vector["plaintext"], random_prefix=vector["random_prefix"].encode())
    assert encrypted == vector["encrypt"]
    assert crypto.decrypt(encrypted) == vector["plaintext"]


def test_encryption_uses_a_fresh_random_prefix_each_time():
    crypto = MessageCrypto(VECTORS["deterministic"]["encoding_aes_key"], "wx1")
    assert crypto.encrypt("same text") != crypto.encrypt("same text")


def test_wrong_key_is_refused():
    sample = VECTORS["official_sample"]
    other_key = "A" * 43
    with pytest.raises(DecryptionFailed):
        MessageCrypto(other_key, sample["app_id"]).decrypt(sample["encrypt"])


@pytest.mark.parametrize(
    "encrypted",
    ["", "not base64!", base64.b64encode(b"x" * 15).decode(), base64.b64encode(b"x" * 33).decode()],
)
def test_garbage_encrypt_is_refused(encrypted):
    with pytest.raises(DecryptionFailed):
        MessageCrypto(VECTORS["official_sample"]["encoding_aes_key"], "wx").decrypt(encrypted)


def test_truncated_encrypt_is_refused():
    sample = VECTORS["official_sample"]
    raw = base64.b64decode(sample["encrypt"])
    with pytest.raises(DecryptionFailed):
        MessageCrypto(sample["encoding_aes_key"], sample["app_id"]).decrypt(
            base64.b64encode(raw[:-32]).decode()
        )


@pytest.mark.parametrize("key", ["short", "a" * 44, "!" * 43])
def test_malformed_aes_key_is_a_value_error(key):
    with pytest.raises(ValueError):
        decode_aes_key(key)


def test_decrypted_sample_parses_as_a_text_push():
    sample = VECTORS["official_sample"]
    xml = MessageCrypto(sample["encoding_aes_key"], sample["app_id"]).decrypt(sample["encrypt"])
    data = xml_to_dict(xml)
    assert data["MsgType"] == "text"
    assert data["Content"] == "abcdteT"
    assert data["MsgId"] == "6054768590064713728"
