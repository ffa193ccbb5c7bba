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
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PROCESSING, db_index=True
    )
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
