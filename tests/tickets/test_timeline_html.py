# ruff: noqa: E501  (the reference template keeps its long lines)
"""The staff timeline built in Python (``timeline_html``) says what its template said."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import engines
from django.utils import timezone

from tests import factories as f
from tickets.views.staff.timeline import Entry, timeline_html

# The template the timeline was rendered by before (kept here as the reference).
TEMPLATE = """{% load i18n %}    {% for entry in timeline %}
      {% if entry.kind == "change" %}
      <li class="change">
        <time datetime="{{ entry.when|date:'c' }}">{{ entry.when|date:"Y-m-d H:i" }}</time> · <strong>{{ entry.actor|default:_("System") }}</strong> · {{ entry.text }}
        {% if entry.attachment_id %}<a href="{% url 'attachment-download' pk=entry.attachment_id %}">{% translate "Download" %}</a>{% endif %}
      </li>
      {% else %}
      <li class="{{ entry.kind }}">
        <div class="meta small muted">
          {% if entry.kind == "note" %}<span class="badge note-badge">{% translate "Internal note" %}</span>{% else %}<span class="badge reply-badge">{% translate "Public reply" %}</span>{% endif %}
          <strong>{{ entry.actor|default:_("Former user") }}</strong>{% if entry.actor.is_customer %} <span class="muted">({% translate "Customer" %})</span>{% endif %}
          · <time datetime="{{ entry.when|date:'c' }}">{{ entry.when|date:"Y-m-d H:i" }}</time>
        </div>
        {% if entry.text %}<div class="body">{{ entry.text|linebreaks }}</div>{% endif %}
        {% if entry.files %}<ul class="files">{% for a in entry.files %}<li><a href="{% url 'attachment-download' pk=a.pk %}">{{ a.original_name }}</a> <span class="muted small">{{ a.size|filesizeformat }}</span></li>{% endfor %}</ul>{% endif %}
      </li>
      {% endif %}
    {% empty %}
      <li class="change">{% translate "Nothing recorded yet." %}</li>
    {% endfor %}
"""


def _normalise(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


class _File:
    def __init__(self, pk, name, size):
        self.pk, self.original_name, self.size = pk, name, size


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_timeline_html_matches_the_template(language, settings):
    from django.utils import translation

    customer = f.CustomerFactory(first_name="<Zhang>", last_name="San")
    agent = f.UserFactory(username="li & co")
    when = timezone.now() - dt.timedelta(days=3)
    entries = [
        Entry(when=when, kind="change", actor=None, text="Ticket <T-1> recorded."),
        Entry(when=when, kind="change", actor=agent, text="File added: a.txt.", attachment_id=7),
        Entry(
            when=when,
            kind="reply",
            actor=customer,
            text="Line one <b>\n\nLine & two",
            files=(_File(3, "log <1>.txt", 2048), _File(4, "b.png", 5)),
        ),
        Entry(when=when, kind="note", actor=agent, text=""),
        Entry(when=when, kind="note", actor=None, text="orphan"),
    ]
    with translation.override(language):
        ours = str(timeline_html(entries))
        theirs = engines["django"].from_string(TEMPLATE).render({"timeline": entries})
        assert _normalise(ours) == _normalise(theirs)
        empty = engines["django"].from_string(TEMPLATE).render({"timeline": []})
        assert _normalise(str(timeline_html([]))) == _normalise(empty)
    assert "&lt;Zhang&gt;" in ours and "log &lt;1&gt;.txt" in ours
