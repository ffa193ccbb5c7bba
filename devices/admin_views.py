"""Admin views beyond Django's: a device's QR code image and "send message", and
closing a binding from its page.

The device views are wrapped by `admin_site.admin_view` (staff only) in
`DeviceAdmin.get_urls`; closing a binding is a button of the binding's change form.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import reverse

from devices import actions
from devices.actions import refusal
from devices.forms import SendMessageForm
from devices.models import Binding, Device
from wechat.exceptions import WeChatAPIError


def _device(model_admin, request: HttpRequest, object_id: str, *, change: bool) -> Device:
    device = model_admin.get_object(request, object_id)
    if device is None:
        raise Http404("no such device")
    allowed = (
        model_admin.has_change_permission(request, device)
        if change
        else model_admin.has_view_permission(request, device)
    )
    if not allowed:
        raise PermissionDenied
    return device


def qr_code(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The device's QR code as a PNG; WeChat's refusal as a 502 text naming the error."""
    device = _device(model_admin, request, object_id, change=False)
    try:
        png = actions.qr_png(device.device_id)
    except WeChatAPIError as err:
        return HttpResponse(refusal(err), status=502, content_type="text/plain; charset=utf-8")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


def send_message(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Send the form's text to the device (`transMsg`) and report WeChat's answer."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    device = _device(model_admin, request, object_id, change=True)
    form = SendMessageForm(request.POST, device=device)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, f"Message not sent. {problems}")
    else:
        user, content = form.cleaned_data["user"], form.cleaned_data["content"]
        try:
            answer = actions.send_message(device, user.openid, content)
        except WeChatAPIError as err:
            messages.error(request, f"Message not sent. {refusal(err)}")
        else:
            text = json.dumps(answer, ensure_ascii=False)
            messages.success(
                request, f"Message sent to {device} for {user}. WeChat answered: {text}"
            )
    url = reverse("admin:devices_device_change", args=[device.pk])
    return HttpResponseRedirect(url)


def close_binding(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The "Close this binding" button: compelUnbind on WeChat, then close it here."""
    binding = model_admin.get_object(request, object_id)
    if binding is None:
        raise Http404("no such binding")
    if not model_admin.has_change_permission(request, binding):
        raise PermissionDenied
    if binding.is_active:
        unbind_and_report(model_admin, request, binding)
    else:
        messages.warning(request, f"{binding} is already closed.")
    return HttpResponseRedirect(reverse("admin:devices_binding_change", args=[binding.pk]))


def unbind_and_report(
    model_admin, request: HttpRequest, binding: Binding, *, quiet: bool = False
) -> bool:
    """Close `binding` through WeChat; a refusal becomes an admin error message."""
    try:
        actions.compel_unbind(binding)
    except WeChatAPIError as err:
        model_admin.message_user(request, f"{binding}: {refusal(err)}", messages.ERROR)
        return False
    if not quiet:
        model_admin.message_user(request, f"Closed {binding}.", messages.SUCCESS)
    return True
