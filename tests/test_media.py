"""`uploadMedia` uploads a content once and reuses its media_id while WeChat keeps it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from wechat import tools
from wechat.media import MEDIA_LIFETIME, REUSE_MARGIN
from wechat.models import MediaUpload
from wechat.tools import WeChatAPIError

USER = "oUSER_OPENID_0123456789abcdef"
UPLOAD_URL = f"{settings.WECHAT_API_BASE_URL}cgi-bin/media/upload"


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "pic.png"
    path.write_bytes(b"\x89PNG the same picture")
    return path


@pytest.fixture
def upload_api(wechat_api):
    for number in (1, 2, 3):
        wechat_api.post(
            UPLOAD_URL, json={"type": "image", "media_id": f"MEDIA_{number}", "created_at": 1}
        )
    return wechat_api


def uploads(mock) -> int:
    return len([c for c in mock.calls if "media/upload" in c.request.url])


def test_the_same_file_uploaded_twice_is_uploaded_once(upload_api, picture):
    first = tools.uploadMedia("image", str(picture))
    second = tools.uploadMedia("image", picture)
    assert first == second == {"type": "image", "media_id": "MEDIA_1", "created_at": 1}
    assert uploads(upload_api) == 1
    row = MediaUpload.objects.get()
    assert (row.media_type, row.media_id, row.filename, row.size) == (
        "image",
        "MEDIA_1",
        "pic.png",
        len(picture.read_bytes()),
    )


def test_the_same_content_under_another_name_is_reused(upload_api, picture, tmp_path):
    copy = tmp_path / "copy.png"
    copy.write_bytes(picture.read_bytes())
    tools.uploadMedia("image", picture)
    assert tools.uploadMedia("image", copy)["media_id"] == "MEDIA_1"
    assert uploads(upload_api) == 1


def test_changed_content_or_another_type_is_uploaded_again(upload_api, picture):
    tools.uploadMedia("image", picture)
    assert tools.uploadMedia("thumb", picture)["media_id"] == "MEDIA_2"
    picture.write_bytes(b"\x89PNG another picture")
    assert tools.uploadMedia("image", picture)["media_id"] == "MEDIA_3"
    assert uploads(upload_api) == 3


@pytest.mark.parametrize(
    ("age", "uploaded_again"),
    [
        (timedelta(days=2), False),
        (MEDIA_LIFETIME - REUSE_MARGIN - timedelta(minutes=1), False),
        (MEDIA_LIFETIME - REUSE_MARGIN + timedelta(minutes=1), True),
        (timedelta(days=4), True),
    ],
    ids=["2-days", "just-inside-margin", "just-past-margin", "4-days"],
)
def test_an_upload_is_reused_until_3_days_minus_the_margin(
    upload_api, picture, age, uploaded_again
):
    tools.uploadMedia("image", picture)
    MediaUpload.objects.update(uploaded_at=timezone.now() - age)
    media_id = tools.uploadMedia("image", picture)["media_id"]
    assert media_id == ("MEDIA_2" if uploaded_again else "MEDIA_1")
    assert uploads(upload_api) == (2 if uploaded_again else 1)


def test_a_failed_upload_is_not_remembered(wechat_api, picture):
    wechat_api.post(UPLOAD_URL, json={"errcode": 40004, "errmsg": "invalid media type"})
    wechat_api.post(UPLOAD_URL, json={"type": "image", "media_id": "MEDIA_OK", "created_at": 1})
    with pytest.raises(WeChatAPIError) as caught:
        tools.uploadMedia("image", picture)
    assert caught.value.errcode == 40004
    assert not MediaUpload.objects.exists()
    assert tools.uploadMedia("image", picture)["media_id"] == "MEDIA_OK"


def test_a_missing_file_is_a_file_not_found_error(wechat_api, tmp_path):
    with pytest.raises(FileNotFoundError):
        tools.uploadMedia("image", tmp_path / "nowhere.png")
    assert len(wechat_api.calls) == 0


def test_custom_send_image_twice_uploads_once_and_sends_twice(upload_api, picture):
    upload_api.post(
        f"{settings.WECHAT_API_BASE_URL}cgi-bin/message/custom/send", json={"errcode": 0}
    )
    tools.customSendImage(USER, str(picture))
    tools.customSendImage(USER, str(picture))
    assert uploads(upload_api) == 1
    sends = [c for c in upload_api.calls if "custom/send" in c.request.url]
    assert [b'"media_id": "MEDIA_1"' in c.request.body for c in sends] == [True, True]


def test_admin_lists_uploads_read_only(admin_client, upload_api, picture):
    tools.uploadMedia("image", picture)
    listing = admin_client.get("/admin/wechat/mediaupload/")
    assert listing.status_code == 200
    assert "MEDIA_1" in listing.content.decode()
    assert admin_client.get("/admin/wechat/mediaupload/add/").status_code == 403
