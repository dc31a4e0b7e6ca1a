"""Demo product maintenance: fault work orders in every state of their lifecycle.

Everything goes through the maintenance services, so events, fault log lines, the linked
tickets' replies and their SLA clocks are real.
"""

from __future__ import annotations

import random
from typing import Any

from maintenance import services as wo
from maintenance.choices import WorkOrderKind
from servicedesk.models import ProductVersion
from tickets.choices import OPEN_STATUSES, TicketKind
from tickets.models import Ticket

# How far each demo order gets: (stage, how many).
STAGES = [("draft", 1), ("submitted", 3), ("analysis", 2), ("testing", 1), ("delivered", 2)]


def load_maintenance(directory: dict[str, Any], rng: random.Random) -> int:
    users = directory["users"]
    agent, manager = users["agent"], users["manager"]
    engineer, tester = users["engineer1"], users["tester"]
    faults = list(
        Ticket.objects.filter(
            kind=TicketKind.FAULT, status__in=OPEN_STATUSES, product__isnull=False
        )
        .select_related("product", "organization")
        .order_by("created_at")[: sum(n for _stage, n in STAGES)]
    )
    made = 0
    for stage, count in STAGES:
        for ticket in faults[made : made + count]:
            _advance(ticket, stage, agent, manager, engineer, tester, rng)
            made += 1
    return made


def _advance(ticket, stage, agent, manager, engineer, tester, rng) -> None:
    order = wo.work_order_draft(
        actor=agent,
        kind=WorkOrderKind.CORRECTIVE,
        title=ticket.title,
        tickets=[ticket],
    )
    if stage == "draft":
        return
    order = wo.work_order_submit(order, actor=agent)
    if stage == "submitted":
        return
    order = wo.work_order_approve(order, actor=manager, comment="同意处理。")
    order = wo.work_order_start_analysis(order, actor=engineer)
    if stage == "analysis":
        return
    version = ProductVersion.objects.filter(product=ticket.product).order_by("-pk").first()
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause=rng.choice(["code_defect", "code_defect", "configuration", "data"]),
        cause="日志显示在月末批处理时出现空指针异常。",
        confirmed_severity=ticket.severity,
        software_change=True,
        affected_versions=[version] if version else [],
        report="<p>复现步骤与堆栈见附件。</p>",
    )
    order = wo.work_order_record_fix(order, actor=engineer, change="修正批处理的空值判断。")
    if stage == "testing":
        return
    order = wo.work_order_record_test(order, actor=tester, passed=True, notes="回归测试通过。")
    wo.work_order_deliver(
        order, actor=engineer, note="已修复，请升级到新版本后验证。", version=version
    )
