"""Patch, Installation and ReleaseEvent now belong to the releases app (its 0001 takes over and
renames their tables): they leave maintenance's migration state; no row is touched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('maintenance', '0003_plan_events'),
        ('releases', '0001_moved_from_maintenance'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Patch'),
                migrations.DeleteModel(name='Installation'),
                migrations.DeleteModel(name='ReleaseEvent'),
            ],
            database_operations=[],
        ),
    ]
