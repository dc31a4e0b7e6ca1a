"""Time knowledge-base search over 20,000 articles (half of them Chinese).

    .venv/bin/python bench/knowledge_bench.py --prepare   # once: (re)creates sd_bench_kb
    .venv/bin/python bench/knowledge_bench.py             # p50 / p99 of ~50 searches

``--prepare`` drops and creates the database, migrates it and generates the articles
(deterministic, seeded random): 10,000 English and 10,000 Chinese, 300-900 characters each
from a support vocabulary, 90% published and public, a quarter limited to one of three
products; a customer whose contract covers one product. Rows are inserted in bulk with the
services' own ``search_text``, then the search rows by the services' own writer
(``knowledge.postgres.search_rows_write``) in batches: the services write one article per
transaction, and 20,000 of them would time the generator, not the search. Then ANALYZE.

Without it: 50 queries (25 Chinese, 25 English; single words, two words, rare and common
terms, two-character Chinese words the trigram index cannot narrow) through
``knowledge.selectors.article_search`` as the customer, exactly as the portal's search and
the new-request suggestions run it (the visibility rule, the first 20 rows, ranked), each
repeated ``--repeat`` times; prints p50, p99 and the worst query, and the API endpoint
``/api/v1/articles/search/`` in-process for comparison (after one warm-up request).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_kb"
ARTICLES = 20_000

ZH_TEXT = (
    "数据库 连接 超时 发票 导出 月末 报表 打印 空白 登录 密码 认证 失败 客户端 服务器 网络 "
    "防火墙 端口 证书 过期 升级 补丁 安装 版本 回滚 日志 错误 异常 退出 卡死 内存 磁盘 空间 "
    "备份 恢复 同步 延迟 接口 调用 返回 参数 配置 文件 权限 用户 角色 菜单 按钮 页面 加载 缓慢 "
    "查询 索引 锁表 死锁 事务 提交 清理 临时 目录 计费 调度 工单 短信 邮件 通知 发送 接收 "
    "时间 时区 日期 格式 编码 乱码 中文 字符 导入 模板 字段 校验 重复 记录 删除 修改 保存"
)
EN_TEXT = (
    "database connection timeout invoice export month end report print blank login "
    "password authentication failure client server network firewall port certificate "
    "expired upgrade patch install version rollback log error exception crash hang memory "
    "disk space backup restore sync delay interface call return parameter configuration "
    "file permission user role menu button page load slow query index lock deadlock "
    "transaction commit cleanup temporary folder billing dispatch ticket sms mail "
    "notification send receive time zone date format encoding garbled character import "
    "template field validation duplicate record delete modify save"
)
ZH_WORDS = ZH_TEXT.split()
EN_WORDS = EN_TEXT.split()
QUERIES = [
    # Chinese: two-character words (no trigram narrows them), three and four characters,
    # two words, phrases that occur rarely or never
    "数据库", "连接超时", "发票", "导出", "月末报表", "打印 空白", "登录 密码", "证书过期",
    "升级补丁", "回滚", "内存", "磁盘空间", "备份恢复", "接口调用", "权限", "页面加载",
    "死锁", "临时目录", "计费 调度", "短信通知", "时区", "乱码", "导入模板", "重复记录",
    "不存在的词",
    # English
    "database", "timeout", "invoice export", "month end", "print blank", "login password",
    "certificate expired", "upgrade", "patch install", "rollback", "memory", "disk space",
    "backup restore", "interface", "permission", "slow page", "deadlock", "temporary folder",
    "billing", "sms notification", "time zone", "garbled", "import template",
    "duplicate record", "nonexistentword",
]  # fmt: skip


def admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    maintenance, name = admin_url(url)
    conn = psycopg2.connect(maintenance)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _text(rng: random.Random, words: list[str], chars: int, sep: str) -> str:
    parts: list[str] = []
    length = 0
    while length < chars:
        sentence = sep.join(rng.choice(words) for _ in range(rng.randint(4, 9)))
        parts.append(sentence)
        length += len(sentence) + 1
    return ("。" if sep == "" else ". ").join(parts)


def prepare(url: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    from knowledge.choices import ArticleStatus, Audience
    from knowledge.models import Article
    from knowledge.postgres import search_rows_write
    from knowledge.services import search_text
    from servicedesk.choices import Role
    from servicedesk.models import Contract, Organization, Product, User

    recreate_database(url)
    connection.close()
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    products = [
        Product.objects.create(code=code, name=code.title()) for code in ("billing", "crm", "gis")
    ]
    org = Organization.objects.create(name="Bench Grid", code="bench-grid")
    contract = Contract.objects.create(
        organization=org,
        number="BENCH-1",
        starts_on="2020-01-01",
        ends_on="2099-12-31",
    )
    contract.products.set([products[0]])
    User.objects.create_user("bench-customer", role=Role.CUSTOMER, organization=org)
    author = User.objects.create_user("bench-engineer", role=Role.ENGINEER)
    started = time.monotonic()
    batch: list[Article] = []
    limited: list[tuple[int, int]] = []
    for n in range(ARTICLES):
        chinese = n % 2 == 1
        words, sep = (ZH_WORDS, "") if chinese else (EN_WORDS, " ")
        title = sep.join(rng.choice(words) for _ in range(rng.randint(3, 6)))
        article = Article(
            title=title[:200],
            problem=_text(rng, words, rng.randint(100, 300), sep),
            cause=_text(rng, words, rng.randint(50, 200), sep),
            solution=_text(rng, words, rng.randint(150, 400), sep),
            tags=", ".join(rng.sample(words, 3)),
            language="zh-hans" if chinese else "en",
            audience=Audience.PUBLIC if rng.random() < 0.9 else Audience.INTERNAL,
            status=ArticleStatus.PUBLISHED if rng.random() < 0.9 else ArticleStatus.DRAFT,
            author=author,
            helpful_count=rng.randint(0, 30),
        )
        article.search_text = search_text(article)
        batch.append(article)
        if len(batch) == 2000:
            created = Article.objects.bulk_create(batch)
            limited += [(a.pk, rng.choice(products).pk) for a in created if rng.random() < 0.25]
            batch = []
    Article.products.through.objects.bulk_create(
        [Article.products.through(article_id=a, product_id=p) for a, p in limited]
    )
    with connection.cursor() as cur:
        search_rows_write(cur)  # the services' own writer, in batches
        for table in ("knowledge_article", "knowledge_article_products", "knowledge_articlesearch"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('knowledge_article')), "
            "pg_size_pretty(pg_relation_size('knowledge_articlesearch')), "
            "pg_size_pretty(pg_total_relation_size('knowledge_articlesearch'))"
        )
        articles, rows, total = cur.fetchone()
    print(
        f"{ARTICLES} articles generated in {time.monotonic() - started:.1f} s; articles "
        f"{articles}, search rows {rows} ({total} with vectors and index)"
    )


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(repeat: int) -> None:
    from django.test import Client

    from knowledge.selectors import article_search
    from servicedesk.models import User

    customer = User.objects.get(username="bench-customer")
    for query in QUERIES:  # warm the caches and the connection
        list(article_search(customer, query, published_only=True, limit=20))
    timings: dict[str, list[float]] = {query: [] for query in QUERIES}
    hits: dict[str, int] = {}
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            rows = list(article_search(customer, query, published_only=True, limit=20))
            timings[query].append((time.perf_counter() - started) * 1000)
            hits[query] = len(rows)
    every = [ms for values in timings.values() for ms in values]
    worst = max(timings, key=lambda q: max(timings[q]))
    print(f"selector, {len(QUERIES)} queries x {repeat}: p50 {statistics.median(every):.1f} ms, "
          f"p99 {_percentile(every, 99):.1f} ms, max {max(every):.1f} ms ({worst!r})")  # fmt: skip
    for label, lang in (("Chinese", QUERIES[:25]), ("English", QUERIES[25:])):
        part = [ms for q in lang for ms in timings[q]]
        print(f"  {label}: p50 {statistics.median(part):.1f} ms, p99 "
              f"{_percentile(part, 99):.1f} ms")  # fmt: skip
    slowest = sorted(QUERIES, key=lambda q: -statistics.median(timings[q]))[:5]
    for query in slowest:
        print(f"  {query!r}: median {statistics.median(timings[query]):.1f} ms, "
              f"{hits[query]} rows shown")  # fmt: skip
    client = Client()
    client.force_login(customer)
    # one request first: the first one imports and builds the API (URLs, schema, DRF), ~1 s
    assert client.get("/api/v1/articles/search/", {"q": "warm"}).status_code == 200
    api: list[float] = []
    for query in QUERIES:
        started = time.perf_counter()
        response = client.get("/api/v1/articles/search/", {"q": query})
        api.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    print(f"API /api/v1/articles/search/ (in-process, once each): p50 "
          f"{statistics.median(api):.1f} ms, p99 {_percentile(api, 99):.1f} ms")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--prepare", action="store_true", help="(re)create and fill the database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    if args.prepare:
        prepare(args.database_url)
    run(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
