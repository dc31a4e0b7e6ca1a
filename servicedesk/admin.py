"""Django admin for the shared directory and the integration plumbing.

API tokens are created through ``servicedesk.services.api_token_create``: the secret is shown
once, in a message after saving, and never again (only its hash is stored).
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    ApiToken,
    Contact,
    Contract,
    Heartbeat,
    IdempotencyRecord,
    Notification,
    NotificationPreference,
    Organization,
    OutboxMessage,
    Product,
    ProductVersion,
    Skill,
    Team,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from .services import api_token_create, api_token_revoke, outbox_retry
from .webhooks import endpoint_enable as webhook_endpoint_enable
from .webhooks import url_errors as webhook_url_errors


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the application only: viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows of a read-only parent, shown in place: never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "phone", "email", "position", "user"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "phone", "is_active", "created_at"]
    list_filter = ["is_active", "region"]
    search_fields = ["name", "code", "phone", "region"]
    inlines = [ContactInline]


class SkillInline(admin.TabularInline):
    model = Skill
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "organization"]
    list_display += ["is_away", "is_active"]
    list_filter = ["role", "is_active", "is_away", "is_staff", "organization"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    inlines = [SkillInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Service desk"), {"fields": ("role", "organization", "phone", "is_away", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ("role", "organization", "phone", "email")}),
    )


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "phone", "email", "position", "user"]
    list_filter = ["organization"]
    search_fields = ["name", "phone", "email", "organization__name"]
    list_select_related = ["organization", "user"]
    raw_id_fields = ["organization", "user"]


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    fields = ["version", "released_on", "notes"]
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [ProductVersionInline]


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "released_on"]
    list_filter = ["product"]
    search_fields = ["version", "product__name", "product__code"]
    list_select_related = ["product"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "organization", "starts_on", "ends_on", "service_mode", "owner"]
    list_filter = ["service_mode", "products", "organization"]
    search_fields = ["number", "organization__name"]
    list_select_related = ["organization", "owner"]
    raw_id_fields = ["organization", "owner"]
    filter_horizontal = ["products"]
    date_hierarchy = "starts_on"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "lead"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead"]
    filter_horizontal = ["members"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["user", "product", "area"]
    list_filter = ["area", "product"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "product__name"]
    list_select_related = ["user", "product"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    # Who a token acts as, and its scope, are fixed once issued: issue a new token instead.
    shown_after_creation = (
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scope"]
        return ["name", "user", "scope", *self.shown_after_creation]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "scope", *self.shown_after_creation]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = api_token_create(
            name=obj.name, user=obj.user, scope=obj.scope, created_by=request.user
        )
        # Hand the created row back to the admin (for its log entry and redirect).
        obj.pk = token.pk
        obj.prefix, obj.key_hash, obj.created_at = token.prefix, token.key_hash, token.created_at
        obj.created_by = token.created_by
        obj._state.adding = False
        self.message_user(
            request,
            _("The token's secret is shown only now; copy it: %(key)s") % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token)
            count += 1
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["owner_key", "key", "method", "path", "status_code", "created_at"]
    list_filter = ["method", "status_code"]
    search_fields = ["owner_key", "key", "path"]
    date_hierarchy = "created_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Notifications and their delivery: failed ones are listed with their last error and
    can be sent again (a new retry window), each retry recorded in the admin's history."""

    list_display = [
        "topic",
        "recipient",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["state", "topic"]
    search_fields = ["recipient", "topic"]
    date_hierarchy = "created_at"
    readonly_fields = ["message_id"]
    actions = ["retry"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Send the selected failed notifications again"))
    def retry(self, request, queryset):
        ids = outbox_retry(list(queryset.values_list("pk", flat=True)))
        for message in OutboxMessage.objects.filter(pk__in=ids):
            self.log_change(request, message, _("Sent again after failing"))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed notification will be sent again.",
                "%(count)d failed notifications will be sent again.",
                len(ids),
            )
            % {"count": len(ids)},
        )


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    """When each periodic job last completed, with its figures (/readyz reads the same)."""

    list_display = ["name", "at", "data"]


class WebhookEndpointForm(forms.ModelForm):
    """The target is checked (http(s), no private network unless allowed); the events are
    chosen from the declared topics; the secret is generated, never typed."""

    topics = forms.MultipleChoiceField(
        label=_("events"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "topics", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .notifications import TOPICS

        self.fields["topics"].choices = [(t.code, f"{t.label} ({t.code})") for t in TOPICS.values()]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        problems = webhook_url_errors(url)
        if problems:
            raise forms.ValidationError(problems)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Admins register endpoints per event type; the delivery log is WebhookDelivery."""

    form = WebhookEndpointForm
    list_display = ["name", "url", "is_active", "failures", "disabled_at", "deliveries_link"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "failures", "disabled_at", "created_at"]
    actions = ["enable"]

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = secrets.token_urlsafe(32)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("delivery log"))
    def deliveries_link(self, obj: WebhookEndpoint) -> str:
        url = reverse("admin:servicedesk_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">{}</a>', url, obj.pk, _("log"))

    @admin.action(description=_("Enable the selected endpoints again"))
    def enable(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_enable(endpoint)
            self.log_change(request, endpoint, _("Enabled again"))
        self.message_user(request, _("%(count)d endpoint(s) enabled.") % {"count": len(queryset)})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every attempt: status code, latency, attempt number, error."""

    list_display = [
        "created_at",
        "endpoint",
        "topic",
        "attempt",
        "status_code",
        "latency_ms",
        "error",
    ]
    list_filter = ["endpoint", "topic", "status_code"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """In-app notifications: written by the services, read and marked by their user."""

    list_display = ["created_at", "user", "topic", "subject", "read_at"]
    list_filter = ["topic"]
    list_select_related = ["user"]
    search_fields = ["subject", "user__username"]
    raw_id_fields = ["user"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Each user sets their own channels on their notification settings page."""

    list_display = ["user", "topic", "channel"]
    list_filter = ["topic", "channel"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
