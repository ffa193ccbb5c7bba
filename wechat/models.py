"""The inbound-push log: every valid push, stored before it is answered."""

from django.db import models


class InboundMessage(models.Model):
    """One push from WeChat, kept once per dedup key, with its reply and outcome."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "processing"
        ANSWERED = "answered", "answered"
        FAILED = "failed", "handler failed"

    dedup_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="MsgId (MsgID for device pushes), or sender + CreateTime + event.",
    )
    kind = models.CharField(
        max_length=64, db_index=True, help_text="Handler key, e.g. text or event.subscribe."
    )
    msg_type = models.CharField("MsgType", max_length=32)
    event = models.CharField("Event", max_length=64, blank=True)
    sender = models.CharField("FromUserName", max_length=128, db_index=True)
    recipient = models.CharField("ToUserName", max_length=128, blank=True)
    xml = models.TextField(help_text="The push as WeChat sent it, decrypted.")
    encrypted = models.BooleanField(default=False, help_text="Arrived in safe/compatible mode.")
    # Not indexed: the outcome UPDATE sets it, and on PostgreSQL an indexed
    # column changing makes every push's UPDATE rewrite all the table's indexes.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    reply = models.TextField(blank=True, help_text="The plain reply XML, or 'success'.")
    error = models.TextField(blank=True, help_text="Traceback of a handler that raised.")
    received_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    handler_ms = models.FloatField(
        null=True, blank=True, help_text="Time the handler took, in milliseconds."
    )

    class Meta:
        verbose_name = "inbound push"
        verbose_name_plural = "inbound pushes"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.sender} ({self.status})"


class MediaUpload(models.Model):
    """A temporary media file uploaded to WeChat, so the same content is not uploaded twice.

    WeChat keeps temporary media 3 days; `wechat.media` reuses a row younger
    than that, minus a margin.
    """

    class MediaType(models.TextChoices):
        IMAGE = "image", "image"
        VOICE = "voice", "voice"
        VIDEO = "video", "video"
        THUMB = "thumb", "thumb"

    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the uploaded content.")
    media_type = models.CharField(max_length=8, choices=MediaType.choices)
    media_id = models.CharField(max_length=255, help_text="WeChat's id for the uploaded file.")
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(help_text="Bytes uploaded.")
    answer = models.JSONField(help_text="WeChat's answer to the upload.")
    uploaded_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "media upload"
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["sha256", "media_type", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.media_type} {self.filename or self.sha256[:12]} → {self.media_id}"


class OutboundSend(models.Model):
    """A customer-service message sent in the background, with its attempts and outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        RETRYING = "retrying", "waiting to retry"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        UNCONFIRMED = "unconfirmed", "unconfirmed (not resent)"

    call = models.CharField(
        max_length=32, help_text="The wechat.tools function, e.g. customSendText."
    )
    recipient = models.CharField("openid", max_length=128, db_index=True)
    args = models.JSONField(default=list, help_text="The call's arguments after the openid.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    errcode = models.IntegerField(null=True, blank=True, help_text="The last error's code.")
    error = models.TextField(blank=True, help_text="The last error.")
    answer = models.JSONField(null=True, blank=True, help_text="WeChat's answer once sent.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbound send"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call} to {self.recipient} ({self.status})"
