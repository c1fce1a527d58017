"""Forms of the cockpit's actions: each field has a label, every form is posted with its CSRF token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import ADMIN, OPERATOR


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Note (why it may go on)"), required=False, max_length=500)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class CustomerEmailForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Message"), widget=forms.Textarea, max_length=10000)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), required=False, max_length=500)
    requeue = forms.BooleanField(label=_("Release the order back into automatic processing"), required=False)


class PackingForm(forms.Form):
    shipment = forms.CharField(label=_("Delivery note (scan or type its number)"), max_length=32)
    tracking_number = forms.CharField(label=_("Tracking number (scan the parcel label)"), max_length=64)
    carrier = forms.CharField(label=_("Carrier (empty: the shipper's carrier)"), required=False, max_length=64)

    def clean_tracking_number(self) -> str:
        value = self.cleaned_data["tracking_number"].strip()
        if not value:
            raise forms.ValidationError(_("Enter the tracking number."))
        return value


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("no access")), (OPERATOR, _("operator")), (ADMIN, _("admin"))],
        required=False,
    )
