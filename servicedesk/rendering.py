"""The form renderer of every page: Django's widget templates rendered in Python.

Django renders each widget through templates: an ``<input>`` is three template renders
(``text.html`` includes ``input.html`` includes ``attrs.html``), a ``<select>`` two more per
option, and an empty error list two. On the staff ticket page and the triage queue these
were a third of the request's CPU (docs/PERFORMANCE.md, issue 13). ``FormRenderer`` writes
the same HTML in Python for Django's own templates of inputs, selects, text areas and empty
error lists, and renders every other template (and any of these that a project or app
template overrides) as Django does. ``tests/servicedesk/test_rendering.py`` compares the
output with Django's templates, byte for byte, over every widget the forms use.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, mark_safe

_WIDGETS = "django/forms/widgets/"
_BUILTIN_DIR = Path(django.__file__).resolve().parent / "forms" / "templates"
# The input widgets whose template is only ``{% include "django/forms/widgets/input.html" %}``.
_INPUTS: tuple[str, ...] = ("text", "checkbox", "color", "date", "datetime", "email", "file")
_INPUTS += ("hidden", "number", "password", "search", "tel", "time", "url")
_CONTEXT = Context(autoescape=True)


class _Fallback(Exception):
    """A value the template language would treat specially (a callable): render the
    template instead."""


def _value(value: Any) -> str:
    """``{{ value }}``: localized, converted to text and escaped unless already safe."""
    if callable(value):
        raise _Fallback
    return render_value_in_context(value, _CONTEXT)


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` (the filter keeps a safe value safe)."""
    if callable(value):
        raise _Fallback
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 (the filter's own formatting)
    except (ValueError, TypeError):
        text = ""
    if isinstance(value, SafeData):
        text = mark_safe(text)  # noqa: S308 (only a value that was safe already)
    return render_value_in_context(text, _CONTEXT)


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(" " + _value(name))
            if value is not True:
                out.append('="' + _formatted(value) + '"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html``."""
    value = widget["value"]
    shown = ' value="' + _formatted(value) + '"' if value != None else ""  # noqa: E711 (as the template compares)
    return (
        f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _option(option: dict[str, Any]) -> str:
    """``django/forms/widgets/select_option.html`` (with its final line break)."""
    if option.get("template_name") != _WIDGETS + "select_option.html":
        raise _Fallback
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_value(option['label'])}</option>\n"
    )


def _select(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/select.html``."""
    out = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = widget["value"]
    shown = _value(value) if value else ""
    head = f'<textarea name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{head}\n{shown}</textarea>"


def _no_errors(context: dict[str, Any]) -> str:
    """``django/forms/errors/list/default.html`` of an empty list (a list with errors is
    rendered by the template)."""
    if context["errors"]:
        raise _Fallback
    return ""


_FAST: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"{_WIDGETS}{name}.html": lambda c: _input(c["widget"]) for name in _INPUTS},
    _WIDGETS + "input.html": lambda c: _input(c["widget"]),
    _WIDGETS + "select.html": lambda c: _select(c["widget"]),
    _WIDGETS + "textarea.html": lambda c: _textarea(c["widget"]),
    "django/forms/errors/list/default.html": _no_errors,
}
# Templates the Python above stands for: if any is overridden, every template is rendered.
_STANDS_FOR = (
    *_FAST,
    _WIDGETS + "attrs.html",
    _WIDGETS + "select_option.html",
    "django/forms/errors/list/ul.html",
)


class FormRenderer(DjangoTemplates):
    """``FORM_RENDERER``: Django's default renderer with the common widgets in Python."""

    _fast: bool | None = None

    def _builtin(self) -> bool:
        """Whether every template the Python stands for is Django's own (no override)."""
        if self._fast is None:
            self._fast = all(
                Path(self.get_template(name).origin.name).resolve().is_relative_to(_BUILTIN_DIR)
                for name in _STANDS_FOR
            )
        return self._fast

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = _FAST.get(template_name)
        if fast is not None and self._builtin():
            try:
                return fast(context)
            except _Fallback:
                pass
        return super().render(template_name, context, request=request)
