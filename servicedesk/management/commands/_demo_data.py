"""The demo data set of ``seed_demo``: who and what exists, and how many tickets of each status.

Fictional organizations and people; one shared, documented password (demo only).
"""

from servicedesk.choices import Role, ServiceMode, SkillArea, TeamKind
from tickets.choices import TicketKind

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo only, printed and in the README
MARKER_ORG = "east-grid"
PENDING_AT_START = 3

# name, phone, email, position, portal username (None: no portal login)
ContactRow = tuple[str, str, str, str, str | None]

ORGANIZATIONS: list[tuple[str, str, str, str, list[ContactRow]]] = [
    # name, code, phone, address, contacts: (name, phone, email, position, portal username)
    (
        "华东电网",
        "east-grid",
        "021-5550-0100",
        "上海市浦东新区世纪大道 100 号",
        [
            ("张伟", "139-0000-1001", "zhangwei@east-grid.example", "信息中心主任", "zhangwei"),
            ("李娜", "139-0000-1002", "lina@east-grid.example", "系统管理员", "lina"),
            ("王强", "139-0000-1003", "wangqiang@east-grid.example", "调度员", None),
        ],
    ),
    (
        "北方商业银行",
        "north-bank",
        "010-5550-0200",
        "北京市西城区金融街 8 号",
        [
            ("刘洋", "138-0000-2001", "liuyang@north-bank.example", "科技部经理", "liuyang"),
            ("陈静", "138-0000-2002", "chenjing@north-bank.example", "运维工程师", None),
        ],
    ),
    (
        "西部医院集团",
        "west-hospital",
        "028-5550-0300",
        "成都市武侯区人民南路 37 号",
        [
            ("赵敏", "137-0000-3001", "zhaomin@west-hospital.example", "信息科科长", "zhaomin"),
            ("孙磊", "137-0000-3002", "sunlei@west-hospital.example", "网络管理员", "sunlei"),
        ],
    ),
]
PRODUCTS = [
    ("billing", "计费系统 Billing", ["3.1", "3.2", "4.0"]),
    ("dispatch", "调度平台 Dispatch", ["2.0", "2.1"]),
    ("crm", "客户关系管理 CRM", ["5.4", "5.5"]),
]
CONTRACT_PRODUCTS = {
    "east-grid": (["billing", "dispatch"], ServiceMode.FULL),
    "north-bank": (["billing", "crm"], ServiceMode.REMOTE),
    "west-hospital": (["crm", "dispatch"], ServiceMode.FULL),
}
STAFF = [
    # username, first name, last name, role, phone
    ("admin", "系统", "管理员", Role.ADMIN, ""),
    ("manager", "周", "经理", Role.MANAGER, "400-800-0001"),
    ("agent", "吴", "客服", Role.AGENT, "400-800-0002"),
    ("agent2", "郑", "客服", Role.AGENT, "400-800-0003"),
    ("engineer1", "钱", "工程师", Role.ENGINEER, "186-0000-0001"),
    ("engineer2", "孙", "工程师", Role.ENGINEER, "186-0000-0002"),
    ("engineer3", "冯", "工程师", Role.ENGINEER, "186-0000-0003"),
    ("tester", "何", "测试", Role.TESTER, "186-0000-0004"),
]
SKILLS: dict[str, list[tuple[str | None, str]]] = {  # engineer -> (product or any, area)
    "engineer1": [("billing", SkillArea.APPLICATION), ("crm", SkillArea.APPLICATION)],
    "engineer2": [(None, SkillArea.DATABASE), ("billing", SkillArea.DATABASE)],
    "engineer3": [
        (None, SkillArea.NETWORK),
        (None, SkillArea.OS),
        ("dispatch", SkillArea.APPLICATION),
    ],
}
TEAMS = [
    # name, kind, lead, members
    ("热线服务组", TeamKind.HOTLINE, "agent", ["agent", "agent2"]),
    ("现场服务组", TeamKind.ON_SITE, "engineer3", ["engineer2", "engineer3"]),
    ("远程服务组", TeamKind.REMOTE, "engineer1", ["engineer1", "engineer2", "tester"]),
    ("网站服务组", TeamKind.WEBSITE, "agent2", ["agent2"]),
]
TITLES = {
    TicketKind.FAULT: [
        "月末结算批处理中断",
        "登录后页面空白",
        "报表导出超时",
        "数据库连接池耗尽",
        "调度任务未按时触发",
        "打印凭证出现乱码",
        "接口返回 500 错误",
        "客户资料同步失败",
        "升级后服务无法启动",
    ],
    TicketKind.CONSULTATION: [
        "如何批量导入用户？",
        "密码重置流程咨询",
        "报表字段含义咨询",
        "备份策略如何配置？",
        "新版本兼容哪些浏览器？",
    ],
    TicketKind.SERVICE_REQUEST: [
        "申请开通测试环境账号",
        "协助进行年度数据归档",
        "申请安装最新补丁",
        "申请现场巡检",
    ],
    TicketKind.SUGGESTION: ["建议增加导出 Excel 功能", "建议优化查询页面布局"],
    TicketKind.COMPLAINT: ["热线等待时间过长", "现场服务未按约定时间到达"],
    TicketKind.CUSTOMIZATION: ["对接统一身份认证", "新增自定义审批流程", "增加移动端待办提醒"],
}
AREAS = [SkillArea.APPLICATION, SkillArea.DATABASE, SkillArea.NETWORK, SkillArea.OS]
# Mean requests per working day, by month: the summer's quiet, the autumn's billing-season
# rise, the year-end rush (weekends get a quarter, month ends 40 % more; see arrivals()).
SEASON = {
    1: 3.5, 2: 2.5, 3: 3.2, 4: 3.2, 5: 2.8, 6: 2.5, 7: 2.4,
    8: 2.7, 9: 3.2, 10: 3.1, 11: 3.6, 12: 3.9,
}  # fmt: skip
HISTORY_DAYS = 183  # about six months
# Patches and upgrades of the half-year: product, version, released this many days ago, notes.
PATCHES = [
    ("billing", "4.0", 100, "4.0 正式版：新结算引擎，支持分时电价。"),
    ("billing", "4.0.1", 62, "修正月末结算批处理的空值异常；优化报表导出。"),
    ("dispatch", "2.1.1", 45, "修正调度任务在夏令时切换时未触发的问题。"),
    ("crm", "5.5.1", 24, "客户资料同步失败重试；打印凭证字体修正。"),
    ("billing", "4.0.2", 9, "累计补丁：接口超时与连接池参数调整。"),
]
CHECKLIST = [
    "应用服务运行状态",
    "错误日志检查",
    "磁盘与备份空间",
    "补丁版本核对",
    "数据库表空间与索引",
    "归档日志清理",
    "备份恢复演练",
]
