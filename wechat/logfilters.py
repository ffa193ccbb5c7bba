"""Logging filters that keep access tokens out of every log line.

urllib3 logs each request's URL at DEBUG, and WeChat wants the access token
in the query string. Raising urllib3's level hides that line until someone
turns DEBUG on to chase a bug; this filter masks the token in the record
itself, so no handler (console, file, Sentry, pytest's caplog) ever sees it.
"""

import logging

from wechat.http import mask


class MaskAccessTokens(logging.Filter):
    """Replace the value of every `access_token=`/`token=` query parameter with ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
