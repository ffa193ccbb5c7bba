"""The `/wechat/` callback: verify → read → unwrap → parse → store once → dispatch → wrap."""

import functools
import logging

from django.db import Error as DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wechat import envelope
from wechat.dispatch import run_handler
from wechat.exceptions import PushRejected
from wechat.inbox import EMPTY_REPLY, Push, process_once
from wechat.parsing import kind_of, to_message, xml_to_dict

logger = logging.getLogger(__name__)


def answer_plainly(view):
    """Answer a rejected push with its status and reason, and an unreachable
    database with 503 so that WeChat retries the push later."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PushRejected as err:
            logger.info("push rejected (%s): %s", err.status_code, err)
            return HttpResponse(str(err), status=err.status_code, content_type="text/plain")
        except DatabaseError:
            logger.exception("database unavailable while answering a push")
            return HttpResponse(
                "database unavailable, retry later", status=503, content_type="text/plain"
            )

    return wrapper


@csrf_exempt
@require_http_methods(["GET", "POST"])
@answer_plainly
def callback(request: HttpRequest) -> HttpResponse:
    # Host checked against ALLOWED_HOSTS as everywhere else (DisallowedHost → 400):
    # in production this view runs past the site's middleware (wrist.callback_handler).
    request.get_host()
    envelope.verify_signature(request)
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    xml = envelope.unwrap(request, envelope.read_body(request))
    data = xml_to_dict(xml)
    kind = kind_of(data)
    push = Push(
        xml=xml,
        data=data,
        kind=kind,
        message=to_message(data, kind),
        encrypted=envelope.is_encrypted(request),
    )
    reply = process_once(push, run_handler)
    content_type = "text/plain" if reply == EMPTY_REPLY else "application/xml"
    return HttpResponse(envelope.wrap(request, reply), content_type=content_type)
