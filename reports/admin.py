"""Report runs, their audit trail and the schedules in the admin: read-only, because runs
are requested, cancelled and scheduled through the report pages and the API, which check
the scope a user may report on."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin

from .models import (
    DailyHours,
    DailyRollup,
    DailyRollupBucket,
    DailyRollupDayBucket,
    DailyRollupOrg,
    DailyRollupOrgBucket,
    DailyRollupTeam,
    DailyRollupTeamBucket,
    ReportRun,
    ReportRunEvent,
    ReportSchedule,
    RollupChange,
    RollupDay,
)


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "period_label", "organization", "team", "state", "progress"]
    list_filter = ["kind", "state"]
    list_select_related = ["organization", "team"]
    search_fields = ["period_label", "organization__name"]
    exclude = ["snapshot"]


@admin.register(ReportRunEvent)
class ReportRunEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "run", "actor", "kind"]
    list_select_related = ["run", "actor"]
    search_fields = ["kind"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "frequency", "organization", "team", "is_active"]
    list_filter = ["kind", "frequency", "is_active"]
    list_select_related = ["organization", "team"]
    search_fields = ["organization__name"]


# The daily roll-up is derived (reports/rollup/): read-only, rebuilt by rollup_backfill.
@admin.register(RollupDay)
class RollupDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "rolled_at"]


@admin.register(RollupChange)
class RollupChangeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "at"]


@admin.register(DailyRollup)
class DailyRollupAdmin(ReadOnlyAdmin):
    list_display = ["day", "organization_id", "team_id", "assignee_id", "channel", "received"]
    list_filter = ["channel", "kind", "severity"]


@admin.register(DailyRollupBucket)
class DailyRollupBucketAdmin(ReadOnlyAdmin):
    list_display = ["day", "organization_id", "measure", "bucket", "n"]
    list_filter = ["measure"]


@admin.register(DailyRollupTeam)
class DailyRollupTeamAdmin(ReadOnlyAdmin):
    list_display = ["day", "team_id", "assignee_id", "received", "resolved"]


@admin.register(DailyRollupTeamBucket)
class DailyRollupTeamBucketAdmin(ReadOnlyAdmin):
    list_display = ["day", "team_id", "assignee_id", "measure", "bucket", "n"]


@admin.register(DailyHours)
class DailyHoursAdmin(ReadOnlyAdmin):
    list_display = ["day", "user_id", "organization_id", "minutes", "on_site_minutes", "entries"]


@admin.register(DailyRollupDayBucket)
class DailyRollupDayBucketAdmin(ReadOnlyAdmin):
    list_display = ["day", "measure", "bucket", "n"]
    list_filter = ["measure"]


@admin.register(DailyRollupOrg)
class DailyRollupOrgAdmin(ReadOnlyAdmin):
    list_display = ["day", "organization_id", "received", "gone"]


@admin.register(DailyRollupOrgBucket)
class DailyRollupOrgBucketAdmin(ReadOnlyAdmin):
    list_display = ["day", "organization_id", "measure", "bucket", "n"]
    list_filter = ["measure"]
