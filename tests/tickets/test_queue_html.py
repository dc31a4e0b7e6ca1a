"""The queue's chips built in Python (``_chips_html``) say what their template said."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import engines
from django.utils import translation

from tickets.filters import TicketFilter
from tickets.models import Ticket
from tickets.views.staff.queue import _chips, _chips_html

# The template the chips were rendered by before (kept here as the reference).
TEMPLATE = """{% for group in chips %}
  <fieldset class="chips" aria-label="{{ group.label }}">
    <legend>{{ group.label }}</legend>
    {% for o in group.options %}<label class="chip"><input type="checkbox" name="{{ group.name }}" value="{{ o.value }}"{% if o.checked %} checked{% endif %}> <span>{{ o.label }}</span></label>{% endfor %}
  </fieldset>
  {% endfor %}
"""  # noqa: E501


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_chips_html_matches_the_template(language):
    data = QueryDict("status=new&status=closed&severity=L1&channel=<x>")
    with translation.override(language):
        groups = _chips(TicketFilter(data, queryset=Ticket.objects.none()).form)
        theirs = engines["django"].from_string(TEMPLATE).render({"chips": groups})
        assert str(_chips_html(groups)).split() == ("  " + theirs).split()
    assert any(o["checked"] for g in groups for o in g["options"])


# The loop over the filter form the queue's template had before ``_filter_fields_html``.
FIELDS_TEMPLATE = """{% for field in filter.form %}
  {% if field.is_hidden %}{{ field }}{% elif field.name not in "status severity kind channel" %}
  <label class="{% if field.errors %}has-error{% endif %}">{{ field.label }}
    {{ field }}{{ field.errors }}
  </label>
  {% endif %}
  {% endfor %}"""


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "query", ["", "q=<b>&breaching_within=-1&created_after=nope&organization_code=A%26B"]
)
def test_filter_fields_html_matches_the_template(language, query):
    from tickets.views.staff.queue import _filter_fields_html, _tidy_filter_form

    with translation.override(language):
        form = TicketFilter(QueryDict(query), queryset=Ticket.objects.none()).form
        _tidy_filter_form(form)
        form.is_valid()
        theirs = engines["django"].from_string(FIELDS_TEMPLATE).render({"filter": {"form": form}})
        assert str(_filter_fields_html(form)) == theirs
        if query:
            assert "has-error" in theirs
