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
