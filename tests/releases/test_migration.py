"""Releases left maintenance without losing a row: a database holding patches, installations
and release events under maintenance's tables is migrated forward and read back through the
releases models (and back again)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from releases.models import Installation, Patch, ReleaseEvent

BEFORE = [("maintenance", "0003_plan_events"), ("releases", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_releases_data_survives_the_move_out_of_maintenance(contract, version, engineer):
    latest = _latest()
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state([BEFORE[0]]).apps
        tables = connection.introspection.table_names()
        assert "maintenance_patch" in tables and "releases_patch" not in tables
        patch = old.get_model("maintenance", "Patch").objects.create(
            version_id=version.pk,
            file="patches/0f.zip",
            original_name="billing-3.3.zip",
            size=42,
            sha256="ab" * 32,
            uploaded_by_id=engineer.pk,
        )
        installation = old.get_model("maintenance", "Installation").objects.create(
            contract_id=contract.pk, product_id=version.product_id, version_id=version.pk
        )
        event = old.get_model("maintenance", "ReleaseEvent").objects.create(
            version_id=version.pk, actor_id=engineer.pk, kind="patch_uploaded", data={"size": 42}
        )

        _migrate(latest)

        tables = connection.introspection.table_names()
        assert {"releases_patch", "releases_installation", "releases_releaseevent"} <= set(tables)
        assert not {"maintenance_patch", "maintenance_installation"} & set(tables)
        moved = Patch.objects.get(pk=patch.pk)
        assert (moved.version_id, moved.original_name, moved.size, moved.file.name) == (
            version.pk,
            "billing-3.3.zip",
            42,
            "patches/0f.zip",
        )
        assert Installation.objects.get(pk=installation.pk).contract_id == contract.pk
        assert ReleaseEvent.objects.get(pk=event.pk).data == {"size": 42}
        # new rows continue after the old ids
        assert ReleaseEvent.objects.create(version=version, kind="notes_updated").pk > event.pk

        executor = _migrate(BEFORE)  # and back: the rows return to maintenance's tables
        old = executor.loader.project_state([BEFORE[0]]).apps
        assert old.get_model("maintenance", "Patch").objects.get(pk=patch.pk).size == 42
    finally:
        _migrate(latest)
