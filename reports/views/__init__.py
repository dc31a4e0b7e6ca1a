"""Report pages, one module per page group: ``dashboard`` (the landing page and the
dashboard), ``runs`` (report runs and their documents), ``schedules`` (managers' scheduled
reports), ``exports`` (ticket exports and the per-case service report)."""

from .dashboard import dashboard, index

__all__ = ["dashboard", "index"]
