from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Organization

from .models import CampaignSchedule

SCORES = [(n, str(n)) for n in range(1, 6)]


class AnswerForm(forms.Form):
    """The survey page: a score 1-5 (the campaign's three questions) and a comment."""

    overall = forms.TypedChoiceField(
        label=_("How satisfied are you with the service? (1 = poor, 5 = excellent)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    responsiveness = forms.TypedChoiceField(
        label=_("Responsiveness (1 = poor, 5 = excellent)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    professionalism = forms.TypedChoiceField(
        label=_("Professionalism (1 = poor, 5 = excellent)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, campaign: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not campaign:
            del self.fields["responsiveness"]
            del self.fields["professionalism"]
        else:
            self.fields["overall"].label = _("Overall satisfaction (1 = poor, 5 = excellent)")
            self.fields["comment"].label = _("Anything else you would like to tell us?")


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    schedule = forms.ChoiceField(label=_("Schedule"), choices=CampaignSchedule.choices)
    starts_on = forms.DateField(
        label=_("First sent on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reminder_days = forms.IntegerField(
        label=_("Reminder after (days)"), min_value=1, max_value=60, initial=7
    )


class PolicyForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.filter(is_active=True)
    )
    random_percent = forms.IntegerField(
        label=_("Random survey share (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the desk's default."),
    )
