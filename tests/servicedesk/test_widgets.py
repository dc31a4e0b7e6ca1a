from __future__ import annotations

from django import forms

from servicedesk.widgets import FastSelect, FastSelectMultiple


def _normalise(html: str) -> str:
    return " ".join(html.replace(">", "> ").replace("<", " <").split())


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
