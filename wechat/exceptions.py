"""Every error wrist raises about WeChat has one root, `WeChatError`.

Errors about an inbound push carry the HTTP status the callback answers with;
they also subclass the Django exception that maps to that status, so they read
right wherever Django meets them.
"""

from django.core.exceptions import PermissionDenied, SuspiciousOperation


class WeChatError(Exception):
    """Root of every WeChat-related error raised by wrist."""


class PushRejected(WeChatError):
    """An inbound push that is answered with an HTTP error status."""

    status_code = 400


class BadSignature(PushRejected, PermissionDenied):
    """The push's signature is missing or does not match the Token."""

    status_code = 403


class MalformedPush(PushRejected, SuspiciousOperation):
    """The body is not a well-formed WeChat XML push."""

    status_code = 400


class ForbiddenXML(MalformedPush):
    """The XML carries a DTD or entity declarations, which WeChat never sends."""


class DecryptionFailed(MalformedPush):
    """The `<Encrypt>` payload cannot be decrypted with our key and app id."""


class PushTooLarge(PushRejected):
    """The body is larger than any push WeChat sends."""

    status_code = 413


class WeChatAPIError(WeChatError):
    """WeChat answered an outbound call with an error, or could not be reached.

    `errcode` is WeChat's code (negative for network failures), `errmsg` its
    message, `api` the name of the call that failed.
    """

    def __init__(self, errcode: int, errmsg: str, api: str = "", response=None) -> None:
        self.errcode = int(errcode)
        self.errmsg = str(errmsg)
        self.api = api
        self.response = response
        super().__init__(f"{api or 'WeChat API'} failed: [{self.errcode}] {self.errmsg}")
