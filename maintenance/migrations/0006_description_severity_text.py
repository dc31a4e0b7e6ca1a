"""Work orders drafted before the severity left their description kept it frozen in the
drafter's language on the first line (``SD-2026-000123 · Acme · L3 – partial impact``); the
page shows the order's severity in each reader's language, so the frozen text goes and old
descriptions read like new ones (``SD-2026-000123 · Acme``).

Each change is audited (a ``description_migrated`` event by the system, with the text it
removed), which is also what makes the migration exactly reversible: backwards puts each
removed text back on its first line and drops the event.
"""

from django.db import migrations

# The severity labels as _facts wrote them, in every language the desk shipped (frozen here:
# a migration must not follow later changes of the catalog).
FROZEN_LABELS = (
    "L1 – system down",
    "L2 – severe degradation",
    "L3 – partial impact",
    "L4 – inconvenience or question",
    "一级故障 – 系统瘫痪",
    "二级故障 – 严重受损",
    "三级故障 – 部分影响",
    "四级故障 – 使用不便或咨询",
)
SEPARATOR = " · "
KIND = "description_migrated"
BATCH = 500


def split_first_line(description):
    """(kept first line, removed text) or None when the first line carries no frozen label:
    ``<ticket number> · <organization> · <label>`` (an organization's name may itself hold
    the separator; only the last part is looked at)."""
    first, newline, rest = description.partition("\n")
    head, sep, label = first.rpartition(SEPARATOR)
    if not sep or label.strip() not in FROZEN_LABELS or SEPARATOR not in head:
        return None
    return head + newline + rest, SEPARATOR + label


def forwards(apps, schema_editor):
    WorkOrder = apps.get_model("maintenance", "WorkOrder")
    WorkOrderEvent = apps.get_model("maintenance", "WorkOrderEvent")
    rows = WorkOrder.objects.filter(description__contains=SEPARATOR).only("pk", "description")
    changed, events = [], []
    for order in rows.iterator(chunk_size=BATCH):
        split = split_first_line(order.description)
        if split is None:
            continue
        order.description, removed = split
        changed.append(order)
        events.append(WorkOrderEvent(work_order_id=order.pk, kind=KIND, data={"removed": removed}))
        if len(changed) >= BATCH:
            WorkOrder.objects.bulk_update(changed, ["description"])
            WorkOrderEvent.objects.bulk_create(events)
            changed, events = [], []
    WorkOrder.objects.bulk_update(changed, ["description"])
    WorkOrderEvent.objects.bulk_create(events)


def backwards(apps, schema_editor):
    WorkOrder = apps.get_model("maintenance", "WorkOrder")
    WorkOrderEvent = apps.get_model("maintenance", "WorkOrderEvent")
    events = WorkOrderEvent.objects.filter(kind=KIND).order_by("pk")
    for event in events.iterator(chunk_size=BATCH):
        order = WorkOrder.objects.only("pk", "description").get(pk=event.work_order_id)
        first, newline, rest = order.description.partition("\n")
        order.description = first + event.data.get("removed", "") + newline + rest
        order.save(update_fields=["description"])
    events.delete()


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0005_visits_follow_ups")]

    operations = [migrations.RunPython(forwards, backwards)]
