"""Escalations are told in digests: ``notified_at`` marks the ones told, ``roles`` keeps the
role of each recipient. Escalations written before this change were told one mail per
recipient at once, so they count as notified when they were written."""

from django.db import migrations, models
from django.db.models import F


def mark_existing_notified(apps, schema_editor):
    SlaEscalation = apps.get_model("sla", "SlaEscalation")
    SlaEscalation.objects.filter(notified_at__isnull=True).update(notified_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_threshold_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaescalation",
            name="notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="slaescalation",
            name="roles",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(mark_existing_notified, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="slaescalation",
            index=models.Index(
                condition=models.Q(("notified_at__isnull", True)),
                fields=["id"],
                name="sla_escalation_unnotified",
            ),
        ),
    ]
