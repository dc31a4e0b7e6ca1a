"""Patch, Installation and ReleaseEvent move from maintenance to this app without copying a
row: the models are created here in the migration state only, on the existing tables
(``maintenance_*``), which are then renamed to this app's names. maintenance's 0004 drops
them from its own state. Reversing renames the tables back."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import releases.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('maintenance', '0003_plan_events'),
        ('servicedesk', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Patch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=200, upload_to=releases.models.patch_storage_name)),
                        ('original_name', models.CharField(max_length=200, verbose_name='file name')),
                        ('size', models.PositiveBigIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('version', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='patch', to='servicedesk.productversion')),
                    ],
                    options={
                        'db_table': 'maintenance_patch',
                        'verbose_name': 'patch',
                        'verbose_name_plural': 'patches',
                    },
                ),
                migrations.CreateModel(
                    name='Installation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('installed_on', models.DateField(blank=True, null=True, verbose_name='installed on')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='installations', to='servicedesk.contract')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='servicedesk.product')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='installations', to='servicedesk.productversion')),
                    ],
                    options={
                        'db_table': 'maintenance_installation',
                        'verbose_name': 'installed version',
                        'verbose_name_plural': 'installed versions',
                        'constraints': [models.UniqueConstraint(fields=('contract', 'product'), name='installation_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='ReleaseEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=30)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('contract', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='servicedesk.contract')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='release_events', to='servicedesk.productversion')),
                    ],
                    options={
                        'db_table': 'maintenance_releaseevent',
                        'ordering': ['created_at', 'id'],
                        'indexes': [models.Index(fields=['version', 'created_at'], name='release_event_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='patch', table=None),
        migrations.AlterModelTable(name='installation', table=None),
        migrations.AlterModelTable(name='releaseevent', table=None),
    ]
