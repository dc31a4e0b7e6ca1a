from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The (lazily translated) label of ``value``, or ``value`` itself if it is no choice.

    Django's generated ``get_FOO_display()`` rebuilds a dict of lazy labels on every call
    (~0.1 ms); models whose choices are shown in lists override it with this.
    """
    try:
        return choices(value).label
    except ValueError:
        return value


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Service agent")
    ENGINEER = "engineer", _("Engineer")
    TESTER = "tester", _("Tester")
    MANAGER = "manager", _("Service-center manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER, Role.ADMIN})


class TeamKind(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    ON_SITE = "on_site", _("On-site service")
    REMOTE = "remote", _("Remote service")
    WEBSITE = "website", _("Website")


class SkillArea(models.TextChoices):
    APPLICATION = "application", _("Application")
    DATABASE = "database", _("Database")
    OS = "os", _("Operating system")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class ServiceMode(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    REMOTE = "remote", _("Remote service")
    ON_SITE = "on_site", _("On-site service")
    FULL = "full", _("Hotline, remote and on-site")


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
