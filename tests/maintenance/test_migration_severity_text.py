"""Migration 0006: the severity text frozen in old work-order descriptions is removed (in
either language the drafter used), audited, and put back exactly by the reverse."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from maintenance.models import WorkOrder, WorkOrderEvent

BEFORE = [("maintenance", "0005_visits_follow_ups")]
AFTER = [("maintenance", "0006_description_severity_text")]

OLD = {
    "en": "SD-2026-000123 · Acme Power · L3 – partial impact\n\nInvoices fail.\n\nImpact: all",
    "zh": "SD-2026-000124 · 华东 · 电网 · 一级故障 – 系统瘫痪\n\n打印失败",
    "plain": "Written by hand · not from a ticket · L9 – something else",
    "none": "No separator here",
}
NEW = {
    "en": "SD-2026-000123 · Acme Power\n\nInvoices fail.\n\nImpact: all",
    "zh": "SD-2026-000124 · 华东 · 电网\n\n打印失败",
    "plain": OLD["plain"],
    "none": OLD["none"],
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_frozen_severity_text_is_removed_and_restored(manager):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Order = old.get_model("maintenance", "WorkOrder")
        ids = {
            key: Order.objects.create(
                number=f"WO-2026-{i:06d}",
                kind="corrective",
                title=key,
                description=text,
                severity="L3",
                drafted_by_id=manager.pk,
            ).pk
            for i, (key, text) in enumerate(OLD.items(), start=1)
        }

        _migrate(AFTER)
        for key, pk in ids.items():
            assert WorkOrder.objects.get(pk=pk).description == NEW[key], key
        events = WorkOrderEvent.objects.filter(kind="description_migrated")
        assert {e.work_order_id: e.data["removed"] for e in events} == {
            ids["en"]: " · L3 – partial impact",
            ids["zh"]: " · 一级故障 – 系统瘫痪",
        }
        assert all(e.actor_id is None for e in events)
        _migrate(AFTER)  # applied once: nothing more to take
        assert events.count() == 2

        _migrate(BEFORE)  # and back, exactly
        for key, pk in ids.items():
            assert WorkOrder.objects.get(pk=pk).description == OLD[key], key
        assert not WorkOrderEvent.objects.filter(kind="description_migrated").exists()
    finally:
        _migrate(latest)
