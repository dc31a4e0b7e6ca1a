"""The form renderer (servicedesk/rendering.py) writes what Django's templates write."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django import forms
from django.forms import renderers
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from servicedesk.rendering import FormRenderer
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Help", initial='a "quoted" <b>')
    safe = forms.CharField(initial=mark_safe("<i>safe</i>"), required=False)
    number = forms.IntegerField(min_value=1, initial=12345)
    amount = forms.DecimalField(initial="1234.5", required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial=7)
    day = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), initial=dt.date(2026, 1, 2)
    )
    when = forms.DateTimeField(initial=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC))
    at = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False, initial=True)
    off = forms.BooleanField(required=False)
    file = forms.FileField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": True}))
    empty_body = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(
        choices=[("", "---"), ("a", gettext_lazy("Close")), (1, "1 & <2>"), ("b", "B")],
        initial="a",
    )
    grouped = forms.ChoiceField(
        choices=[("Open", [("new", "New"), ("x", "X")]), ("done", "Done")], initial="x"
    )
    many = forms.MultipleChoiceField(
        choices=[(1, "one"), (2, "two"), (3, "three")], initial=[1, 3], required=False
    )
    typed = forms.TypedChoiceField(choices=[(True, "Yes"), (False, "No")], coerce=bool)
    flags = forms.NullBooleanField(required=False)
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A")], required=False)


def _both(form_data=None, **kwargs):
    ours = Everything(form_data, renderer=FormRenderer(), **kwargs)
    djangos = Everything(form_data, renderer=DjangoTemplates(), **kwargs)
    return ours, djangos


@pytest.mark.parametrize("data", [None, {"text": "x" * 30, "number": "0", "choice": "zz"}])
def test_every_field_renders_as_djangos_templates_render_it(data):
    ours, djangos = _both(data)
    for name in Everything.base_fields:
        assert str(ours[name]) == str(djangos[name]), name
        assert str(ours[name].errors) == str(djangos[name].errors), name
    assert str(ours) == str(djangos)
    assert str(ours.non_field_errors()) == str(djangos.non_field_errors())


def test_values_are_escaped_and_attributes_written_as_django_does():
    assert FormRenderer()._builtin()  # Django's own templates: the Python is used
    ours, _djangos = _both()
    html = str(ours["text"])
    assert 'value="a &quot;quoted&quot; &lt;b&gt;"' in html and 'maxlength="20"' in html
    assert 'value="<i>safe</i>"' in str(ours["safe"])  # a safe value stays as it is
    assert "1 &amp; &lt;2&gt;" in str(ours["choice"]) and " data-x" in str(ours["body"])
    assert str(ErrorList(renderer=FormRenderer())) == ""
    errors = ErrorList(["<b>bad</b>"], renderer=FormRenderer())
    assert str(errors) == str(ErrorList(["<b>bad</b>"], renderer=DjangoTemplates()))


def test_an_overridden_widget_template_is_rendered_not_written(tmp_path):
    (tmp_path / "django" / "forms" / "widgets").mkdir(parents=True)
    (tmp_path / "django" / "forms" / "widgets" / "input.html").write_text("<input mine>")
    builtin = Path(renderers.__file__).parent / "templates"

    class Overridden(FormRenderer):
        @cached_property
        def engine(self):
            return self.backend(
                {"APP_DIRS": False, "DIRS": [tmp_path, builtin], "NAME": "mine", "OPTIONS": {}}
            )

    assert str(Everything(renderer=Overridden())["text"]) == "<input mine>"
    assert str(Everything(renderer=Overridden())["choice"]).startswith("<select")


def _page(client, url):
    html = client.get(url).content.decode()
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1", html)
    return re.sub(r'name="since" value="[^"]+"', "", html)


@pytest.mark.django_db
def test_the_ticket_page_and_the_queue_are_the_same_with_djangos_renderer(
    client, settings, manager, customer, product, engineer
):
    ticket = services.ticket_create(
        actor=manager,
        title="Payments <stuck>",
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=customer.organization,
        product=product,
        severity="L2",
    )
    f.TeamFactory(name="Database & OS")
    client.force_login(manager)
    pages = [
        reverse("staff:ticket", kwargs={"pk": ticket.pk}),
        reverse("staff:queue") + "?status=new&severity=L2&organization_code=x",
        reverse("staff:queue") + "?number=bad&created_after=nonsense",
    ]
    ours = [_page(client, url) for url in pages]
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    assert ours == [_page(client, url) for url in pages]
