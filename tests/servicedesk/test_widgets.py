from __future__ import annotations

from django import forms

from servicedesk.widgets import FastSelect, FastSelectMultiple


def _normalise(html: str) -> str:
    """Whitespace folded; the <select> tag's attributes sorted (their order means nothing)."""
    html = " ".join(html.replace(">", "> ").replace("<", " <").split())
    head, _, rest = html.partition(">")
    return " ".join(sorted(head.split())) + ">" + rest


def test_fast_select_renders_like_djangos_select_and_escapes():
    choices = [("", "All"), (1, "Zhang <San>"), (2, 'Li "Si" & co')]
    for value in (None, "1", 2):
        ours = FastSelect(choices=choices).render("who", value, attrs={"id": "id_who"})
        django = forms.Select(choices=choices).render("who", value, attrs={"id": "id_who"})
        assert _normalise(ours) == _normalise(django)
    assert "Zhang &lt;San&gt;" in FastSelect(choices=choices).render("who", None)


def test_fast_select_multiple_and_groups():
    choices = [("open", [("new", "New"), ("accepted", "Accepted")]), ("closed", "Closed")]
    html = FastSelectMultiple(choices=choices).render("status", ["new", "closed"])
    assert "multiple" in html and '<optgroup label="open">' in html
    assert '<option value="new" selected>' in html and '<option value="closed" selected>' in html
    assert '<option value="accepted">' in html


def test_fast_select_matches_django_for_model_choices(db):
    from servicedesk.models import Organization

    a = Organization.objects.create(name="A & B", code="ab")
    Organization.objects.create(name="C", code="c")

    class Ours(forms.Form):
        org = forms.ModelChoiceField(Organization.objects.order_by("pk"), widget=FastSelect)

    class Djangos(forms.Form):
        org = forms.ModelChoiceField(Organization.objects.order_by("pk"))

    for data in ({}, {"org": str(a.pk)}):
        ours = str(Ours(data or None)["org"])
        django = str(Djangos(data or None)["org"])
        assert _normalise(ours) == _normalise(django)
    assert "required" in str(Ours()["org"])
