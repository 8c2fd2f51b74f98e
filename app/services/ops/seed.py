"""Demo data (contract: seed-demo). Creates what is missing and never touches what exists,
so running it twice changes nothing and never overwrites an organiser's edits.

Sandbox only: in live mode it refuses and creates nothing. Demo credits are serials nobody retired at
CDCER; in a live database a guest could pay real money for them (and demo projects without them would
show fake companies to real guests). A live deployment registers its projects with `projects add` and
imports the real serials with `credits import`.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.domain.china_time import CST
from app.extensions import db
from app.models import CreditBlock, Organization, Project, Scenario, StaffAccount, StaffAssignment
from app.services.console import staff
from app.services.offsetting import credits

ORGANIZATIONS = [
    {"name": "中国互联网发展基金会", "name_en": "China Internet Development Foundation"},
    {"name": "点点碳中和", "name_en": "Diandian Carbon Neutral"},
    {"name": "都江堰景区管理局（演示）", "name_en": "Dujiangyan Scenic Area Authority (demo)"},
    {"name": "天府生活超市（演示）", "name_en": "Tianfu Life Supermarket (demo)"},
    {"name": "蜀香园餐饮（演示）", "name_en": "Shuxiangyuan Restaurants (demo)"},
    {"name": "天府绿色酒店（演示）", "name_en": "Tianfu Green Hotel (demo)"},
]

SCENARIOS = [
    {
        "code": "CDF2021", "kind": "conference", "status": "active",
        "title": "首届中国数字碳中和高峰论坛", "title_en": "The First China Digital Carbon Neutrality Forum",
        "venue": "主论坛会场", "venue_en": "Main forum hall",
        "city": "成都", "city_en": "Chengdu", "grid": "southwest",
        "organizer": "中国互联网发展基金会",
        "starts_at": datetime(2021, 9, 7, 9, 0, tzinfo=CST), "ends_at": datetime(2021, 9, 7, 18, 0, tzinfo=CST),
        "description": "数字赋能，绿色发展。扫码即可抵消参会出行与住宿产生的碳排放。",
    },
    {
        "code": "DJY", "kind": "scenic", "status": "active",
        "title": "都江堰景区低碳游", "title_en": "Low-carbon visit to Dujiangyan",
        "venue": "都江堰景区", "venue_en": "Dujiangyan Scenic Area",
        "city": "成都", "city_en": "Chengdu", "grid": "southwest",
        "organizer": "都江堰景区管理局（演示）",
    },
    {
        "code": "TFMART", "kind": "supermarket", "status": "active",
        "title": "绿色购物，碳中和", "title_en": "Carbon-neutral shopping",
        "venue": "天府生活超市（春熙路店）", "venue_en": "Tianfu Life Supermarket, Chunxi Road",
        "city": "成都", "city_en": "Chengdu", "grid": "southwest",
        "organizer": "天府生活超市（演示）",
    },
    {
        "code": "SXY", "kind": "restaurant", "status": "active",
        "title": "一餐一碳中和", "title_en": "A carbon-neutral meal",
        "venue": "蜀香园川菜馆（宽窄巷子店）", "venue_en": "Shuxiangyuan Sichuan Kitchen, Kuanzhai Alley",
        "city": "成都", "city_en": "Chengdu", "grid": "southwest",
        "organizer": "蜀香园餐饮（演示）",
    },
    {
        "code": "TFHOTEL", "kind": "hotel", "status": "active",
        "title": "碳中和入住", "title_en": "A carbon-neutral stay",
        "venue": "天府绿色酒店", "venue_en": "Tianfu Green Hotel",
        "city": "成都", "city_en": "Chengdu", "grid": "southwest",
        "organizer": "天府绿色酒店（演示）",
    },
    {
        "code": "LIFE", "kind": "life", "status": "active",
        "title": "生活碳足迹", "title_en": "Life carbon footprint",
        "organizer": "点点碳中和",
        "description": "计算一年的家庭用能、出行和饮食碳排放，并自愿抵消。",
    },
    {
        "code": "CDF2020", "kind": "conference", "status": "closed",
        "title": "数字碳中和筹备会（已结束，演示 410）", "title_en": "Preparatory meeting (closed, shows a 410)",
        "venue": "会议室", "venue_en": "Meeting room", "city": "成都", "city_en": "Chengdu",
        "organizer": "中国互联网发展基金会",
        "starts_at": datetime(2020, 12, 1, 9, 0, tzinfo=CST), "ends_at": datetime(2020, 12, 1, 12, 0, tzinfo=CST),
    },
]


PROJECTS = [
    {
        "code": "CDCER-FOR", "kind": "forestry", "standard": "CDCER", "price_fen_per_tonne": 6000,
        "name": "龙泉山城市森林碳汇（演示）", "name_en": "Longquan Mountain urban forest carbon sink (demo)",
        "location": "四川省成都市龙泉驿区", "owner": "成都龙泉山生态林业有限公司（演示）",
        "owner_en": "Chengdu Longquan Mountain Ecological Forestry Co. (demo)",
        "description": "成都“碳惠天府”机制下的城市森林经营碳汇项目。",
        "blocks": [(2021, "CDCER-FOR-2021-", 1, 600), (2022, "CDCER-FOR-2022-", 1, 600)],
    },
    {
        "code": "CDCER-PV", "kind": "solar", "standard": "CDCER", "price_fen_per_tonne": 4500,
        "name": "社区屋顶分布式光伏（演示）", "name_en": "Community rooftop solar (demo)",
        "location": "四川省成都市郫都区", "owner": "成都天府光伏能源有限公司（演示）",
        "owner_en": "Chengdu Tianfu Solar Energy Co. (demo)",
        "description": "社区屋顶光伏替代电网用电产生的减排量。",
        "blocks": [(2022, "CDCER-PV-2022-", 1, 800), (2023, "CDCER-PV-2023-", 1, 700)],
    },
    {
        "code": "CDCER-EV", "kind": "transport", "standard": "CDCER", "price_fen_per_tonne": 5000,
        "name": "新能源公交低碳出行（演示）", "name_en": "Electric bus low-carbon travel (demo)",
        "location": "四川省成都市", "owner": "成都绿色公交科技有限公司（演示）",
        "owner_en": "Chengdu Green Bus Technology Co. (demo)",
        "description": "市民乘坐新能源公交替代私家车出行产生的减排量。",
        "blocks": [(2023, "CDCER-EV-2023-", 1, 1000)],
    },
]


class LiveModeRefused(RuntimeError):
    """seed-demo in live mode (WECHAT_MODE=live): nothing was created."""


def seed_demo() -> dict[str, int]:
    """Insert the demo organisations, scenarios, projects and credits that are missing. Returns counts.

    :raise LiveModeRefused: in live mode, before anything is written.
    """
    if not current_app.config["SANDBOX"]:
        raise LiveModeRefused("seed-demo only runs in sandbox mode (WECHAT_MODE=sandbox): demo credits must "
                              "never be sold for real money. Register projects with `projects add` and "
                              "import their real serials with `credits import`.")
    created = {"organizations": 0, "scenarios": 0, "projects": 0, "credit units": 0}
    orgs = {o.name: o for o in db.session.execute(select(Organization)).scalars()}
    for spec in ORGANIZATIONS:
        if spec["name"] not in orgs:
            orgs[spec["name"]] = Organization(**spec)
            db.session.add(orgs[spec["name"]])
            created["organizations"] += 1
    existing = set(db.session.execute(select(Scenario.code)).scalars())
    for spec in SCENARIOS:
        if spec["code"] in existing:
            continue
        fields = dict(spec)
        organization = orgs[fields.pop("organizer")]
        db.session.add(Scenario(organization=organization, **fields))
        created["scenarios"] += 1
    db.session.commit()
    _seed_projects(created)
    return created


def _seed_projects(created: dict[str, int]) -> None:
    for spec in PROJECTS:
        project = db.session.execute(select(Project).where(Project.code == spec["code"])).scalar_one_or_none()
        if project is None:
            owner = db.session.execute(
                select(Organization).where(Organization.name == spec["owner"])).scalar_one_or_none()
            if owner is None:
                owner = Organization(name=spec["owner"], name_en=spec["owner_en"])
                created["organizations"] += 1
            fields = {k: v for k, v in spec.items() if k not in ("owner", "owner_en", "blocks")}
            db.session.add(Project(owner=owner, credited_kg=0, active=True, **fields))
            db.session.commit()
            created["projects"] += 1
    # Credits go through the same import as `flask credits import`, once per project.
    lines = ["project_code,vintage,serial_start,serial_end"]
    for spec in PROJECTS:
        project_id = db.session.execute(select(Project.id).where(Project.code == spec["code"])).scalar_one()
        if db.session.execute(select(CreditBlock.id).where(CreditBlock.project_id == project_id)).first():
            continue
        for vintage, prefix, first, last in spec["blocks"]:
            lines.append(f"{spec['code']},{vintage},{prefix}{first:08d},{prefix}{last:08d}")
    if len(lines) > 1:
        imported = credits.import_blocks("\n".join(lines) + "\n", source="seed-demo")
        created["credit units"] += sum(imported.values())


# Sandbox only: console accounts for trying every role after `make run` (see README). Never in live mode.
DEMO_STAFF_PASSWORD = "diandian-demo"
DEMO_STAFF = [
    {"email": "admin@demo.diandian.test", "name": "平台管理员", "role": "admin", "organization": None},
    {"email": "organizer@demo.diandian.test", "name": "论坛主办方", "role": "organizer",
     "organization": "中国互联网发展基金会"},
    {"email": "venue@demo.diandian.test", "name": "会场工作人员", "role": "venue_staff", "organization": None},
    {"email": "owner@demo.diandian.test", "name": "龙泉山林业", "role": "project_owner",
     "organization": "成都龙泉山生态林业有限公司（演示）"},
]


def seed_demo_staff() -> list[str]:
    """Create the missing demo console accounts (venue staff assigned to CDF2021); returns their emails."""
    made = []
    for spec in DEMO_STAFF:
        if db.session.execute(select(StaffAccount.id).where(StaffAccount.email == spec["email"])).first():
            continue
        account = staff.create_staff(password=DEMO_STAFF_PASSWORD, **spec)
        if spec["role"] == "venue_staff":
            scenario_id = db.session.execute(select(Scenario.id).where(Scenario.code == "CDF2021")).scalar_one()
            db.session.add(StaffAssignment(staff_id=account.id, scenario_id=scenario_id))
            db.session.commit()
        made.append(spec["email"])
    return made
