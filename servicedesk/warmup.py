"""What a web worker would otherwise do in its first request, done when it starts.

The first request of a process imported every view module through the URLconf and built
the URL resolvers' reverse maps (a page of links reverses ~100 URLs) and compiled each
template it rendered: 1.6 s of the dashboard's first view under load, against ~0.3 s for the
next (docs/PERFORMANCE.md, "Report metrics and the manager dashboard").
``servicedesk/wsgi.py`` calls this before it freezes the start-up objects out of the
garbage collector."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.autoreload import get_template_directories
from django.urls import URLResolver, get_resolver
from django.utils import translation


def warm_up() -> None:
    """Import the URLconf, build every resolver's reverse maps, load each language's
    translation catalog and compile the project's own templates into the cached loader
    (~110; third-party ones, the admin's, stay lazy)."""

    def walk(resolver: URLResolver) -> None:
        resolver.reverse_dict  # noqa: B018 (the property builds the maps)
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern)

    walk(get_resolver())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("English")
    base = Path(settings.BASE_DIR).resolve()
    for directory in get_template_directories():
        directory = Path(directory).resolve()
        if not directory.is_relative_to(base) or ".venv" in directory.parts:
            continue
        for path in sorted(directory.rglob("*.html")):
            for engine in engines.all():
                try:
                    engine.get_template(str(path.relative_to(directory)))
                except (TemplateDoesNotExist, TemplateSyntaxError):  # another engine's: lazy
                    continue
