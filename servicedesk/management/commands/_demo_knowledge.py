"""The demo's knowledge base: a handful of published troubleshooting articles in English and
Chinese (each pair linked as translations), one internal runbook and one draft drafted from
a resolved ticket, all through ``knowledge.services``. Cheap: a few dozen queries."""

from __future__ import annotations

from typing import Any

from knowledge import services
from knowledge.choices import ArticleStatus, Audience
from servicedesk.models import Product, User
from tickets.choices import TicketStatus
from tickets.models import Ticket

# (product code, audience, English (title, problem, cause, solution, tags), Chinese (same))
ARTICLES = [
    ("billing", Audience.PUBLIC,
     ("Invoice export stops with a database timeout at month end",
      "Exporting the month's invoices stops after a few minutes with “database timeout”.",
      "Month-end volume makes the export read invoice lines without an index.",
      "Install Billing patch 4.0 (Downloads), then run the export again. Until then, export "
      "one week at a time.", "billing, export, timeout"),
     ("月末导出发票时提示数据库超时",
      "月末导出当月发票，几分钟后报错“数据库超时”，导出中断。",
      "月末数据量大，导出读取发票明细时未使用索引。",
      "在下载区获取计费系统 4.0 补丁并安装后重新导出；安装前可按周分批导出。",
      "计费，导出，超时")),
    ("dispatch", Audience.PUBLIC,
     ("Dispatch client cannot connect after a password change",
      "After changing the password the dispatch client shows “authentication failed”.",
      "The client keeps the old password in its saved connection profile.",
      "Open Settings → Connection, delete the saved profile, sign in again with the new "
      "password.", "dispatch, login, password"),
     ("修改密码后调度客户端无法连接",
      "修改密码后，调度客户端提示“认证失败”，无法登录。",
      "客户端的已保存连接配置中仍是旧密码。",
      "打开“设置 → 连接”，删除已保存的连接配置，用新密码重新登录。",
      "调度，登录，密码")),
    ("crm", Audience.PUBLIC,
     ("CRM report shows blank second page when printing",
      "Printing a customer report prints the first page only; the second page is blank.",
      "", "Set the printer's paper size to A4 in the CRM print dialog, not “Printer default”.",
      "crm, print"),
     ("客户关系管理报表打印第二页空白",
      "打印客户报表时只有第一页有内容，第二页为空白。",
      "", "在客户关系管理的打印对话框中将纸张设置为 A4，不要使用“打印机默认”。",
      "客户关系管理，打印")),
    (None, Audience.INTERNAL,
     ("Runbook: database failover for the billing system",
      "The billing database primary is down; customers report timeouts everywhere.",
      "Primary host failure.",
      "Promote the standby (see the operations manual, section 4), update the connection "
      "string, notify the service-center manager.", "runbook, database"),
     None),
]  # fmt: skip


def _publish(article: Any, by: User) -> None:
    services.article_transition(article, actor=by, to_status=ArticleStatus.IN_REVIEW)
    services.article_transition(article, actor=by, to_status=ArticleStatus.PUBLISHED)


def load_articles(users: dict[str, User]) -> int:
    """The articles above, published by the manager; plus a draft from a resolved ticket."""
    author, reviewer = users["engineer1"], users["manager"]
    count = 0
    for code, audience, english, chinese in ARTICLES:
        products = list(Product.objects.filter(code=code)) if code else []
        versions = [("en", english, None), ("zh-hans", chinese, True)]
        original = None
        for language, text, is_translation in versions:
            if text is None:
                continue
            title, problem, cause, solution, tags = text
            article = services.article_create(
                actor=author, title=title, problem=problem, cause=cause, solution=solution,
                tags=tags, language=language, audience=audience, products=products,
                translation_of=original if is_translation else None,
            )  # fmt: skip
            original = original or article
            _publish(article, reviewer)
            count += 1
    resolved = Ticket.objects.filter(status=TicketStatus.CLOSED).exclude(resolution="")
    ticket = resolved.order_by("-closed_at").first()
    if ticket is not None:
        services.article_draft_from_ticket(ticket, actor=author)
        count += 1
    return count
