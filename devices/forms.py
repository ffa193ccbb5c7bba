"""Admin forms that ask WeChat before anything is saved."""

from django import forms
from django.core.exceptions import ValidationError

from devices.actions import refusal
from devices.models import Binding, Device, WeChatUser
from wechat import tools
from wechat.exceptions import WeChatAPIError


class AddBindingForm(forms.ModelForm):
    """Bind a user to a device: WeChat's `compelBind` must agree before it is saved."""

    class Meta:
        model = Binding
        fields = ["user", "device"]

    def clean(self) -> dict:
        cleaned = super().clean()
        user, device = cleaned.get("user"), cleaned.get("device")
        if self.errors or user is None or device is None:
            return cleaned
        if Binding.objects.active().filter(user=user, device=device).exists():
            raise ValidationError("This user is already bound to this device.")
        # Last, once everything local is valid: WeChat binds, or refuses and nothing is saved.
        try:
            tools.compelBind(device.device_id, user.openid)
        except WeChatAPIError as err:
            raise ValidationError(refusal(err)) from err
        return cleaned


class SendMessageForm(forms.Form):
    """A message for the device, on behalf of one of its bound users (`transMsg`)."""

    user = forms.ModelChoiceField(
        queryset=WeChatUser.objects.none(),
        empty_label=None,
        help_text="One of the users bound to this device.",
    )
    content = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent as the device's bytes (base64-encoded for you).",
    )

    def __init__(self, *args, device: Device, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = WeChatUser.objects.filter(
            bindings__device=device, bindings__unbound_at__isnull=True
        ).order_by("openid")
