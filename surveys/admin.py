"""Surveys in the admin: read-only, because invitations, answers and campaigns are written
only by the surveys' services (pages, API, beat), which check who may do what; the token
itself is never stored, and its hash is not shown."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin

from .models import SurveyCampaign, SurveyEvent, SurveyInvitation, SurveyPolicy, SurveyResponse


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(ReadOnlyAdmin):
    list_display = ["pk", "title", "schedule", "rounds_sent", "next_send_at", "is_active"]
    list_filter = ["schedule", "is_active"]
    search_fields = ["title"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "organization", "contact", "ticket", "created_at", "used_at"]
    list_filter = ["kind"]
    list_select_related = ["organization", "contact", "ticket"]
    exclude = ["nonce", "token_hash"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "invitation", "overall", "responsiveness", "professionalism"]


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(ReadOnlyAdmin):
    list_display = ["organization", "random_percent"]
    list_select_related = ["organization"]


@admin.register(SurveyEvent)
class SurveyEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "campaign", "actor"]
    list_select_related = ["campaign", "actor"]
