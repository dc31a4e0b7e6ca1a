"""The shared directory: people, organizations, contracts, products, teams, skills.

Also the integration plumbing every app uses: API tokens, idempotency records and the
notification outbox.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext_lazy as _

from . import permissions
from .choices import STAFF_ROLES, Role, ServiceMode, SkillArea, TeamKind, TokenScope, choice_label


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # What its contacts' mails default to when a contact chose nothing (empty: the site's).
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=60, blank=True, help_text=_("Empty: the site's time zone.")
    )
    # Where the customer is (a province or city, as the service centre groups them): the
    # reports' service hours per region.
    region = models.CharField(_("region"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer organization")
        verbose_name_plural = _("customer organizations")

    def __str__(self) -> str:
        return self.name


def full_name(first_name: str, last_name: str) -> str:
    """Chinese names read family name first with no space (李 + 磊 -> 李磊); others
    "first last"."""
    first, last = first_name.strip(), last_name.strip()
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


class User(AbstractUser):
    """A person who signs in: a customer contact or a member of staff."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Customers only: the organization whose data they may see."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    is_away = models.BooleanField(
        _("away"), default=False, help_text=_("Away engineers get no new assignments.")
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="customer_has_organization",
                condition=~Q(role="customer") | Q(organization__isnull=False),
            ),
        ]

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def get_role_display(self) -> str:  # shown for every staff member in assign lists
        return choice_label(Role, self.role)

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """For templates; the rule is ``servicedesk.permissions.is_manager``."""
        return permissions.is_manager(self)

    @property
    def may_log_calls(self) -> bool:
        """For the navigation; the rule is ``servicedesk.permissions.can_log_call``."""
        return permissions.can_log_call(self)

    @property
    def may_administer(self) -> bool:
        """Whether the admin site shows this user anything (the Administration link): staff
        status and at least one permission. Costs one query, made only for managers."""
        if not (self.is_active and self.is_staff):
            return False
        return self.is_superuser or bool(self.get_all_permissions())

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Contact(models.Model):
    """A person at a customer organization, with or without a portal login."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("organization"),
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        verbose_name=_("portal user"),
    )
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="versions", verbose_name=_("product")
    )
    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    notes = models.TextField(_("release notes"), blank=True)

    class Meta:
        ordering = ["product", "-released_on", "-version"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="uniq_product_version")
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"

    def precedes(self, other: ProductVersion) -> bool:
        """Whether this version came before ``other``: by release date when both have
        different ones, else by number (5.4 < 5.5 < 5.10)."""
        if self.released_on and other.released_on and self.released_on != other.released_on:
            return self.released_on < other.released_on
        return version_key(self.version) < version_key(other.version)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.findall(r"[0-9]+|[A-Za-z]+", version)
    )


class Contract(models.Model):
    """The service agreement: which products are served, for how long, and how."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("organization"),
    )
    number = models.CharField(_("contract number"), max_length=60, unique=True)
    products = models.ManyToManyField(Product, related_name="contracts", verbose_name=_("products"))
    starts_on = models.DateField(_("service starts on"))
    ends_on = models.DateField(_("service ends on"))
    service_mode = models.CharField(
        _("service mode"), max_length=20, choices=ServiceMode.choices, default=ServiceMode.FULL
    )
    owner = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contracts",
        verbose_name=_("account owner"),
    )

    class Meta:
        ordering = ["organization", "-starts_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                name="contract_period_ordered", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.organization})"


class Team(models.Model):
    """A service group (服务组)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    lead = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team lead"),
    )
    members = models.ManyToManyField(
        User, related_name="teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        permissions = [
            ("view_all_metrics", _("Can see the metrics of every service group")),
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """What an engineer is good at: a product (or any product) in an area."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="skills", verbose_name=_("engineer")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="skills",
        verbose_name=_("product"),
        help_text=_("Empty: any product."),
    )
    area = models.CharField(_("area"), max_length=20, choices=SkillArea.choices)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["user", "product", "area"], name="uniq_skill")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.product or '*'} / {self.get_area_display()}"


class ApiToken(models.Model):
    """A per-integration token. Only its SHA-256 is stored; the secret is shown once."""

    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as"),
        help_text=_("The account whose permissions the integration uses."),
    )
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key``, replayed on retries."""

    owner_key = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_key", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner_key} {self.key}"


def outbox_retry_deadline():
    """When a new notification stops being retried (``OUTBOX_RETRY_WINDOW_HOURS`` from now)."""
    from django.conf import settings
    from django.utils import timezone

    return timezone.now() + timedelta(hours=settings.OUTBOX_RETRY_WINDOW_HOURS)


class OutboxMessage(models.Model):
    """A notification written in the same transaction as the change that causes it.

    Delivery (``servicedesk.outbox``) claims a row with a lease (``claimed_until``), sends it
    and marks it sent in a commit of its own; a failed attempt moves ``next_attempt_at`` on
    (exponential backoff with jitter) until ``expires_at``, then the row is ``failed``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    topic = models.CharField(max_length=60)
    recipient = models.CharField(max_length=254, blank=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # When the next attempt may start; a pending row is due when this has passed.
    next_attempt_at = models.DateTimeField(default=timezone_now)
    # The lease of the delivery run that claimed the row: nobody else sends it before this.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The end of the retry window; an admin's "retry" opens a new one.
    expires_at = models.DateTimeField(default=outbox_retry_deadline)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_due", condition=Q(state="pending")
            ),
            models.Index(fields=["created_at"], name="outbox_failed", condition=Q(state="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.recipient} ({self.state})"

    @property
    def message_id(self) -> str:
        """The same for every attempt at this row, so a copy sent twice is recognisable."""
        from django.conf import settings

        stamp = int(self.created_at.timestamp()) if self.created_at else 0
        return f"<outbox.{self.pk}.{stamp}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


class Heartbeat(models.Model):
    """The last time a periodic job (the SLA sweep, outbox delivery) completed, with its
    figures: written by the workers, read by the readiness check on the web side."""

    name = models.CharField(max_length=60, primary_key=True)
    at = models.DateTimeField()
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """One entry of a user's in-app notification list, written in the transaction of the
    change it tells about (``servicedesk.notifications.notify``)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    topic = models.CharField(_("event"), max_length=60)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    # A path on this site (the ticket in the portal or the staff console), or "".
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone_now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # the list, newest first, and the header's unread count (one index range each)
            models.Index(fields=["user", "-id"], name="notification_user"),
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at=None)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.subject}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email and in-app")
    IN_APP = "in_app", _("In-app only")
    OFF = "off", _("Off")


class NotificationPreference(models.Model):
    """How a user wants to hear about one kind of event; no row means email."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    topic = models.CharField(_("event"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="uniq_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic}: {self.channel}"


class WebhookEndpoint(models.Model):
    """An integration's HTTP endpoint that receives chosen events, signed (HMAC-SHA256).

    The secret is kept as it is (signing needs it); it is shown to admins, never in the API.
    Deliveries are outbox rows (servicedesk.webhooks); after ``WEBHOOK_MAX_FAILURES``
    consecutive failed attempts the endpoint is disabled (``disabled_at``) until an admin
    enables it again.
    """

    name = models.CharField(_("name"), max_length=120)
    url = models.CharField(_("URL"), max_length=500)  # checked by webhooks.url_errors
    topics = models.JSONField(
        _("events"), default=list, help_text=_("The event types sent to this endpoint.")
    )
    secret = models.CharField(_("signing secret"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One attempt to deliver an outbox row to a webhook endpoint: the delivery log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(_("event"), max_length=60)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone_now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log")]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.topic} #{self.attempt}: {self.status_code or self.error}"
