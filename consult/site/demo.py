"""Demo data for 东湖区: departments, one account per role and three catalogue years.

Everything is made through the services with a proper actor, with the clock moved to the
day each thing happened, so the audit log, the timelines and the adjustments read like a
real year's work. The years are counted from today: last year's catalogue has ended
(decided on time, decided late, withdrawn, not completed), this year's is under way, and
next year's is a draft. A step whose date is still in the future is left out, so the demo
never holds an event that has not happened yet.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from consult.accounts import services as accounts
from consult.accounts.models import Department, Role, User
from consult.catalogue import services as catalogue
from consult.catalogue.models import (
    CatalogueAdjustment,
    CatalogueYear,
    DecisionMatter,
    MatterStatus,
    ProcedureKind,
)
from consult.core import time as clock
from consult.extensions import db

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password-2026"
DOMAIN = "donghu.example"
DOCS = "https://www.donghu.gov.example/zwgk/zcwj"

OFFICE = "政府办"  # the government office, the platform's administrator

DEPARTMENTS: list[tuple[str, str]] = [
    ("区政府办公室", OFFICE),
    ("区发展和改革委员会", "发改委"),
    ("区住房和城乡建设局", "住建局"),
    ("区交通运输局", "交通局"),
    ("区教育局", "教育局"),
    ("区卫生健康委员会", "卫健委"),
    ("区民政局", "民政局"),
    ("区生态环境局", "生态环境局"),
    ("区市场监督管理局", "市场监管局"),
    ("区城市管理局", "城管局"),
    ("区司法局", "司法局"),
    ("区财政局", "财政局"),
    ("区自然资源局", "自然资源局"),
]

# (key, email, display name, role, department short name)
USERS: list[tuple[str, str, str, str, str | None]] = [
    ("admin", f"admin@{DOMAIN}", "刘晓燕（区政府办公室）", Role.ADMIN.value, OFFICE),
    ("housing", f"housing@{DOMAIN}", "陈建国（区住建局）", Role.OFFICER.value, "住建局"),
    ("transport", f"transport@{DOMAIN}", "李振华（区交通局）", Role.OFFICER.value, "交通局"),
    ("representative", f"representative@{DOMAIN}", "周文静", Role.REPRESENTATIVE.value, None),
    ("resident", f"resident@{DOMAIN}", "张伟", Role.RESIDENT.value, None),
]

PP = ProcedureKind.PUBLIC_PARTICIPATION.value
EA = ProcedureKind.EXPERT_ARGUMENTATION.value
RA = ProcedureKind.RISK_ASSESSMENT.value
LR = ProcedureKind.LEGALITY_REVIEW.value
CD = ProcedureKind.COLLECTIVE_DISCUSSION.value
ALL_FIVE = (PP, EA, RA, LR, CD)
BASIC = (PP, LR, CD)


class DemoDataExists(Exception):
    """The database already holds data; the demo is only seeded into an empty one."""


# --- the data ------------------------------------------------------------------------------


@dataclass
class Spec:
    """One catalogue entry and what happened to it. Dates are local (Asia/Shanghai) days."""

    title: str
    dept: str
    planned: str
    hearing: bool
    summary: str
    procedures: tuple[str, ...] = BASIC
    listed: date | None = None  # entered in the draft catalogue (before publication)
    added: tuple[date, str] | None = None  # or: added after publication, with the reason
    consulting: date | None = None
    deliberating: date | None = None
    decided: date | None = None
    withdrawn: tuple[date, str] | None = None
    adjustments: list[tuple[date, str, dict[str, Any], str]] = field(default_factory=list)
    # (day, "admin" | "officer", changed fields, reason)


def _last_year(y: int) -> list[Spec]:
    """A year that has ended: on time, late, withdrawn, not completed."""
    d = date
    return [
        Spec(
            f"东湖区国民经济和社会发展第十五个五年规划纲要（{y + 1}—{y + 5}年）",
            "发改委",
            f"{y}年第四季度",
            False,
            "明确今后五年全区经济社会发展的主要目标、重点任务和重大项目。"
            "纲要草案经区政府常务会议讨论后提请区人民代表大会审查批准。",
            ALL_FIVE,
            listed=d(y, 1, 20),
            consulting=d(y, 9, 1),
            deliberating=d(y, 11, 20),
            decided=d(y + 1, 1, 16),
        ),
        Spec(
            f"东湖区老旧小区改造三年行动计划（{y}—{y + 2}年）",
            "住建局",
            f"{y}-04",
            False,
            "对2000年底前建成的老旧小区分批实施基础类、完善类和提升类改造，"
            "同步推进管线入地、屋面防水和无障碍设施建设。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 22),
            consulting=d(y, 2, 24),
            deliberating=d(y, 4, 1),
            decided=d(y, 4, 25),
        ),
        Spec(
            "东湖区背街小巷改造提升实施方案",
            "城管局",
            f"{y}-Q2",
            False,
            "对辖区背街小巷的路面、排水、照明和立面进行系统整治，建立长效管护机制。",
            BASIC,
            listed=d(y, 1, 22),
            consulting=d(y, 3, 10),
            deliberating=d(y, 5, 6),
            decided=d(y, 6, 20),
        ),
        Spec(
            f"东湖区中小学校布局专项规划（{y}—{y + 10}年）",
            "教育局",
            f"{y}-Q3",
            False,
            "根据学龄人口变化预测，统筹新建、改扩建中小学校的布点和用地，缓解城区学位紧张。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 23),
            consulting=d(y, 6, 3),
            deliberating=d(y, 8, 18),
            decided=d(y, 11, 7),
        ),
        Spec(
            "东湖区养老服务设施布局规划",
            "民政局",
            f"{y}年9月",
            False,
            "按照“一刻钟养老服务圈”要求，规划街道综合养老服务中心和社区嵌入式养老服务站点。",
            BASIC,
            listed=d(y, 1, 23),
            consulting=d(y, 6, 16),
            deliberating=d(y, 8, 25),
            decided=d(y, 9, 26),
        ),
        Spec(
            "东湖区机动车停放服务收费管理办法",
            "发改委",
            f"{y}-Q3",
            True,
            "拟对城区公共停车场和道路临时泊位实行差别化收费，规范停放服务收费行为。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 24),
            consulting=d(y, 4, 15),
            withdrawn=(
                d(y, 7, 8),
                "根据市级统一部署，中心城区机动车停放服务收费标准改由市发展和"
                "改革委员会统一制定，本区不再单独出台管理办法，该事项予以撤回。",
            ),
        ),
        Spec(
            "东湖区突发公共卫生事件应急预案（修订）",
            "卫健委",
            f"{y}-06",
            False,
            "修订区级突发公共卫生事件应急预案，完善监测预警、分级响应和医疗救治资源调配机制。",
            (EA, LR, CD),
            listed=d(y, 1, 24),
            deliberating=d(y, 5, 20),
        ),
        Spec(
            "东湖区赣江沿岸生态环境综合整治方案",
            "生态环境局",
            f"{y}-Q3",
            False,
            "开展赣江东湖段沿岸排污口排查整治和岸线生态修复，建设滨江生态绿道。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 24),
            consulting=d(y, 4, 21),
            deliberating=d(y, 6, 23),
            decided=d(y, 8, 28),
        ),
        Spec(
            "东湖区农贸市场提升改造实施方案",
            "市场监管局",
            f"{y}-07",
            False,
            "对辖区农贸市场进行标准化改造，推进智慧农贸和食品安全快检全覆盖。",
            BASIC,
            listed=d(y, 1, 24),
            consulting=d(y, 5, 12),
            deliberating=d(y, 6, 30),
            decided=d(y, 7, 30),
        ),
        Spec(
            "东湖区行政规范性文件管理办法",
            "司法局",
            f"{y}-10",
            False,
            "规范区级行政规范性文件的起草、审核、公布和清理程序，落实合法性审核全覆盖。",
            BASIC,
            listed=d(y, 1, 25),
            consulting=d(y, 9, 15),
        ),
        Spec(
            "东湖区区级政府投资项目资金管理办法",
            "财政局",
            f"{y}-Q3",
            False,
            "规范区级政府投资项目资金的预算安排、拨付、使用和绩效评价，提高资金使用效益。",
            (PP, RA, LR, CD),
            listed=d(y, 1, 25),
            consulting=d(y, 8, 11),
            deliberating=d(y, 10, 20),
            decided=d(y, 12, 18),
            adjustments=[
                (
                    d(y, 7, 21),
                    "admin",
                    {"planned_time": f"{y}-Q4"},
                    "需与新修订的《政府投资条例》实施意见及市级配套办法衔接，"
                    "决策时间由第三季度调整为第四季度。",
                )
            ],
        ),
        Spec(
            "东湖区防汛应急避难场所布局方案",
            "自然资源局",
            f"{y}-08",
            False,
            "结合国土空间规划，统筹利用学校、公园和体育场馆设置防汛应急避难场所。",
            (EA, RA, LR, CD),
            added=(
                d(y, 5, 9),
                "根据市防汛抗旱指挥部关于汛前完善避难场所布局的要求，新增列入本年度决策事项目录。",
            ),
            deliberating=d(y, 6, 16),
            decided=d(y, 7, 24),
        ),
    ]


def _current_year(y: int) -> list[Spec]:
    """A year under way: every status, some late, a few adjustments."""
    d = date
    return [
        Spec(
            "东湖区老旧小区停车设施改造实施方案",
            "住建局",
            f"{y}-Q3",
            False,
            "利用小区边角地、闲置空地和周边道路资源增设停车泊位，同步建设电动汽车充电设施，"
            "缓解老旧小区停车难问题。",
            ALL_FIVE,
            listed=d(y, 1, 19),
            consulting=d(y, 5, 12),
            deliberating=d(y, 8, 20),
            decided=d(y, 9, 24),
            adjustments=[
                (
                    d(y, 4, 20),
                    "officer",
                    {"hearing": True},
                    "方案涉及小区停车收费和公共空间调整，与居民切身利益密切相关，"
                    "经研究增加听证程序。",
                )
            ],
        ),
        Spec(
            "东湖区城区公交线网优化调整方案",
            "交通局",
            f"{y}-06",
            True,
            "结合地铁线网运营，优化调整城区公交线路和站点，减少重复线路，填补居民出行盲区。",
            ALL_FIVE,
            listed=d(y, 1, 19),
            consulting=d(y, 3, 2),
            deliberating=d(y, 5, 8),
            decided=d(y, 6, 26),
        ),
        Spec(
            f"东湖区学前教育资源布局规划（{y}—{y + 4}年）",
            "教育局",
            f"{y}-Q2",
            False,
            "根据出生人口变化统筹公办幼儿园布点，提高普惠性学前教育资源覆盖率。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 20),
            consulting=d(y, 3, 16),
            deliberating=d(y, 5, 6),
            decided=d(y, 7, 15),
        ),
        Spec(
            "东湖区生活垃圾分类管理办法",
            "城管局",
            f"{y}-09",
            True,
            "明确生活垃圾分类投放、收集、运输和处理各环节责任，建立激励和监督机制。",
            ALL_FIVE,
            listed=d(y, 1, 20),
            consulting=d(y, 7, 6),
            deliberating=d(y, 10, 12),
            adjustments=[
                (
                    d(y, 9, 14),
                    "admin",
                    {"planned_time": f"{y}-12"},
                    "征求意见期间收到意见较多，需组织听证会并进行专家论证，"
                    "决策时间由9月调整为12月。",
                )
            ],
        ),
        Spec(
            f"东湖区城市更新专项规划（{y}—{y + 9}年）",
            "自然资源局",
            f"{y}-Q4",
            True,
            "划定城市更新单元，明确片区更新方式和公共服务设施配套要求。",
            ALL_FIVE,
            listed=d(y, 1, 20),
            consulting=d(y, 11, 2),
        ),
        Spec(
            "东湖区慢行交通系统建设规划",
            "交通局",
            f"{y}年第四季度",
            False,
            "规划建设连续成网的步行和自行车道，改善滨江、滨湖区域慢行环境。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 21),
        ),
        Spec(
            f"东湖区社区居家养老服务三年行动方案（{y}—{y + 2}年）",
            "民政局",
            f"{y}-05",
            False,
            "推进社区嵌入式养老服务设施建设，发展老年助餐、助浴和上门照护服务。",
            BASIC,
            listed=d(y, 1, 21),
            consulting=d(y, 3, 9),
            deliberating=d(y, 4, 20),
            decided=d(y, 5, 28),
        ),
        Spec(
            "东湖区基层医疗卫生服务能力提升行动方案",
            "卫健委",
            f"{y}-Q2",
            False,
            "加强社区卫生服务中心标准化建设和家庭医生签约服务，推进医联体资源下沉。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 21),
            consulting=d(y, 3, 23),
            deliberating=d(y, 5, 18),
            decided=d(y, 6, 18),
        ),
        Spec(
            "东湖区城市内涝治理实施方案",
            "住建局",
            f"{y}-04",
            False,
            "对易涝积水点实施排水管网改造和泵站提升，汛前完成重点片区整治。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 21),
            consulting=d(y, 2, 16),
            deliberating=d(y, 3, 30),
            decided=d(y, 4, 22),
        ),
        Spec(
            "东湖区餐饮服务业油烟污染防治管理办法",
            "生态环境局",
            f"{y}-08",
            False,
            "规范餐饮服务单位油烟净化设施安装和运行维护，建立在线监控和投诉处理机制。",
            BASIC,
            listed=d(y, 1, 22),
            consulting=d(y, 10, 20),
        ),
        Spec(
            "东湖区农贸市场管理办法",
            "市场监管局",
            f"{y}-Q3",
            False,
            "规范农贸市场开办者和经营者行为，落实食品安全主体责任和市场环境卫生管理。",
            BASIC,
            listed=d(y, 1, 22),
            consulting=d(y, 6, 8),
            deliberating=d(y, 8, 24),
            decided=d(y, 10, 9),
        ),
        Spec(
            "东湖区重大行政决策程序实施细则",
            "司法局",
            f"{y}-06",
            False,
            "细化重大行政决策事项目录管理、公众参与、专家论证、风险评估和合法性审查程序。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 22),
            consulting=d(y, 3, 25),
            deliberating=d(y, 5, 26),
            decided=d(y, 6, 30),
        ),
        Spec(
            "东湖区区级财政专项资金管理办法",
            "财政局",
            f"{y}-Q3",
            False,
            "规范区级财政专项资金的设立、分配、使用和退出，实行全过程绩效管理。",
            (PP, RA, LR, CD),
            listed=d(y, 1, 23),
            consulting=d(y, 6, 15),
            deliberating=d(y, 8, 31),
        ),
        Spec(
            "东湖区优化营商环境若干措施",
            "发改委",
            f"{y}-03",
            False,
            "围绕市场准入、政务服务、要素保障和权益保护提出二十条措施。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 23),
            consulting=d(y, 2, 12),
            deliberating=d(y, 3, 16),
            decided=d(y, 3, 27),
        ),
        Spec(
            "东湖区历史文化街区保护与利用规划",
            "自然资源局",
            f"{y}-Q3",
            True,
            "划定历史文化街区保护范围，明确历史建筑修缮和街区功能活化利用要求。",
            ALL_FIVE,
            listed=d(y, 1, 23),
            consulting=d(y, 5, 18),
            deliberating=d(y, 9, 7),
        ),
        Spec(
            "东湖区住宅小区物业服务提升方案",
            "民政局",
            f"{y}-Q4",
            False,
            "推动物业管理融入社区治理，建立物业服务质量评价和退出机制。",
            BASIC,
            listed=d(y, 1, 26),
            consulting=d(y, 11, 3),
            adjustments=[
                (
                    d(y, 4, 15),
                    "admin",
                    {"department_id": "住建局"},
                    "根据区委机构编制委员会关于物业管理职责调整的通知，"
                    "承办部门由区民政局调整为区住房和城乡建设局。",
                )
            ],
        ),
        Spec(
            "东湖区中心城区交通拥堵综合治理方案",
            "交通局",
            f"{y}-Q4",
            False,
            "针对学校、医院和商圈周边拥堵节点，实施交通组织优化和信号配时改造。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 26),
            consulting=d(y, 5, 25),
            deliberating=d(y, 8, 10),
        ),
        Spec(
            "东湖区义务教育阶段课后服务收费管理办法",
            "教育局",
            f"{y}-08",
            True,
            "拟规范课后服务收费项目、标准和减免政策。",
            (PP, RA, LR, CD),
            listed=d(y, 1, 26),
            withdrawn=(
                d(y, 7, 3),
                "经评估，课后服务收费统一执行省、市相关政策，"
                "本区不再另行制定管理办法，该事项予以撤回。",
            ),
        ),
        Spec(
            "东湖区殡葬服务设施布局规划",
            "民政局",
            f"{y}-Q4",
            True,
            "统筹规划城区殡仪服务站和公益性骨灰安放设施，满足群众基本殡葬服务需求。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 27),
        ),
        Spec(
            "东湖区公立医院高质量发展实施方案",
            "卫健委",
            f"{y}-12",
            False,
            "推进区属公立医院学科建设和运营管理改革，提升区域医疗服务能力。",
            (EA, LR, CD),
            listed=d(y, 1, 27),
        ),
        Spec(
            "东湖区“无废城市”建设实施方案",
            "生态环境局",
            f"{y}-Q4",
            False,
            "推进固体废物源头减量和资源化利用，建设“无废社区”“无废学校”。",
            BASIC,
            listed=d(y, 1, 27),
        ),
        Spec(
            "东湖区最低生活保障家庭经济状况核对办法",
            "民政局",
            f"{y}-07",
            False,
            "规范低保申请家庭收入和财产状况的核对范围、程序和信息共享方式。",
            BASIC,
            listed=d(y, 1, 27),
            consulting=d(y, 10, 28),
        ),
        Spec(
            "东湖区地下管网更新改造三年行动计划",
            "住建局",
            f"{y}-Q4",
            False,
            "对老化燃气、供水和排水管网分年度实施更新改造，建设管网智慧监测平台。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 28),
            consulting=d(y, 11, 10),
        ),
        Spec(
            "东湖区市场主体登记注册便利化措施",
            "市场监管局",
            f"{y}-05",
            False,
            "推行经营主体登记“一件事一次办”和住所申报承诺制。",
            BASIC,
            listed=d(y, 1, 28),
            withdrawn=(
                d(y, 3, 20),
                "相关内容已并入《东湖区优化营商环境若干措施》统一决策，"
                "不再单独作出决策，该事项予以撤回。",
            ),
        ),
        Spec(
            "东湖区政府购买服务管理办法",
            "财政局",
            f"{y}-09",
            False,
            "明确政府购买服务的主体、内容、程序和绩效管理，建立指导性目录。",
            BASIC,
            listed=d(y, 1, 28),
            consulting=d(y, 6, 22),
            deliberating=d(y, 9, 21),
            decided=d(y, 11, 12),
        ),
        Spec(
            "东湖区“一刻钟便民生活圈”建设实施方案",
            "发改委",
            f"{y}-11",
            False,
            "补齐社区商业和便民服务设施短板，打造一批便民生活圈示范社区。",
            BASIC,
            listed=d(y, 1, 28),
            consulting=d(y, 6, 29),
            deliberating=d(y, 8, 27),
        ),
        Spec(
            "东湖区电动自行车集中充电设施建设管理办法",
            "城管局",
            f"{y}-Q3",
            False,
            "规范住宅小区和公共区域电动自行车集中停放充电设施的建设、运营和安全管理。",
            (PP, RA, LR, CD),
            added=(
                d(y, 4, 28),
                "根据电动自行车安全隐患全链条整治行动要求，"
                "经区政府研究，新增列入本年度决策事项目录。",
            ),
            consulting=d(y, 5, 11),
            deliberating=d(y, 7, 20),
            decided=d(y, 9, 10),
        ),
        Spec(
            "东湖区校外培训机构监管办法",
            "教育局",
            f"{y}-Q4",
            False,
            "规范校外培训机构审批、资金监管和日常检查，保障学生和家长合法权益。",
            BASIC,
            added=(
                d(y, 8, 19),
                "根据市教育局关于加强校外培训监管的部署，新增列入本年度决策事项目录。",
            ),
        ),
    ]


def _next_year(y: int) -> list[Spec]:
    """A draft catalogue being compiled in the last weeks of the year before."""
    d = date
    return [
        Spec(
            f"东湖区教育事业发展规划（{y}—{y + 4}年）",
            "教育局",
            f"{y}-Q1",
            False,
            "确定今后五年全区教育事业发展目标，统筹各学段学位供给和教师队伍建设。",
            (PP, EA, LR, CD),
            listed=d(y - 1, 11, 16),
        ),
        Spec(
            "东湖区老年助餐服务管理办法",
            "民政局",
            f"{y}年3月",
            False,
            "规范社区老年食堂和助餐点的设置、补贴和食品安全管理。",
            BASIC,
            listed=d(y - 1, 11, 17),
        ),
        Spec(
            "东湖区海绵城市建设管理办法",
            "住建局",
            f"{y}年第二季度",
            False,
            "将海绵城市建设要求纳入建设项目规划、设计、施工和验收全过程。",
            (PP, EA, LR, CD),
            listed=d(y - 1, 11, 18),
        ),
    ]


# --- seeding -------------------------------------------------------------------------------


def database_has_data() -> bool:
    return any(
        db.session.scalar(sa.select(model).limit(1)) is not None
        for model in (Department, User, CatalogueYear)
    )


def clear_database() -> None:
    """Delete every row, children first. The schema stays (it belongs to the migrations)."""
    db.session.flush()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.expunge_all()


class _Plan:
    """Events to replay in time order, each under a frozen clock; future ones are left out."""

    def __init__(self, now: datetime, zone) -> None:
        self.now = now
        self.zone = zone
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.skipped = 0

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone).astimezone(UTC)

    def add(self, when: datetime, action: Callable[[], None]) -> None:
        self.events.append((when, len(self.events), action))

    def run(self) -> None:
        for when, _seq, action in sorted(self.events, key=lambda e: (e[0], e[1])):
            if when > self.now:
                self.skipped += 1
                continue
            with clock.freeze(when):
                action()


def _document_url(day: date, year: int, number: int) -> str:
    return f"{DOCS}/{day:%Y%m}/t{day:%Y%m%d}_{year}{number:03d}.html"


def seed_demo(now: datetime | None = None) -> dict[str, Any]:
    """Fill an empty database with the 东湖区 demo. Returns what was made, credentials included.
    Never commits: the caller does, once."""
    if database_has_data():
        raise DemoDataExists("the database already holds data")
    now = clock.ensure_utc(now or clock.now_utc())
    zone = clock.local_zone(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    today = now.astimezone(zone).date()
    current = today.year
    last, following = current - 1, current + 1
    plan = _Plan(now, zone)

    # People first: the system makes the government office and its administrator, the
    # administrator makes everything else.
    setup = plan.at(date(last, 1, 6), 9)
    depts: dict[str, Department] = {}
    users: dict[str, User] = {}
    with clock.freeze(min(setup, now)):
        name, short = DEPARTMENTS[0]
        depts[short] = accounts.create_department({"name": name, "short_name": short}, actor=None)
        key, email, display, role, dept = USERS[0]
        users[key] = accounts.create_user(
            {
                "email": email,
                "display_name": display,
                "password": DEMO_PASSWORD,
                "role": role,
                "department_id": depts[OFFICE].id,
            },
            actor=None,
        )
        admin = users["admin"]
        for name, short in DEPARTMENTS[1:]:
            depts[short] = accounts.create_department(
                {"name": name, "short_name": short}, actor=admin
            )
        for key, email, display, role, dept in USERS[1:]:
            users[key] = accounts.create_user(
                {
                    "email": email,
                    "display_name": display,
                    "password": DEMO_PASSWORD,
                    "role": role,
                    "department_id": depts[dept].id if dept else None,
                },
                actor=admin,
            )

    officers = {u.department_id: u for u in users.values() if u.role == Role.OFFICER}
    matters: dict[int, DecisionMatter] = {}  # a spec's key → its matter, once created
    keys = itertools.count()

    def actor_for(spec_index: int, dept_id: int | None = None) -> User:
        """The department's own officer where the demo has one, else the government office."""
        if dept_id is None:
            dept_id = matters[spec_index].department_id
        return officers.get(dept_id, admin)

    def schedule_year(year: int, specs: list[Spec], published_on: date | None) -> None:
        for spec in specs:
            _check_order(spec)
            index = next(keys)
            dept_id = depts[spec.dept].id
            data = {
                "year": year,
                "title": spec.title,
                "summary": spec.summary,
                "department_id": dept_id,
                "planned_time": spec.planned,
                "hearing": spec.hearing,
                "procedures": list(spec.procedures),
            }
            if spec.added:
                day, reason = spec.added
                data["reason"] = reason
                created_at = plan.at(day, 10)
            else:
                created_at = plan.at(spec.listed, 10)

            def create(index=index, data=data, dept_id=dept_id) -> None:
                matters[index] = catalogue.create_matter(data, actor=actor_for(index, dept_id))

            plan.add(created_at, create)
            _schedule_steps(plan, spec, index, matters, actor_for, admin, depts)
        if published_on is not None:

            def publish(year=year) -> None:
                catalogue.publish_catalogue(db.session.get(CatalogueYear, year), actor=admin)

            plan.add(plan.at(published_on, 10, 30), publish)

    schedule_year(last, _last_year(last), date(last, 2, 18))
    schedule_year(current, _current_year(current), date(current, 2, 10))
    schedule_year(following, _next_year(following), None)
    plan.run()
    db.session.flush()
    return summary(users)


def _check_order(spec: Spec) -> None:
    """The demo's own dates must tell a possible story; fail loudly while writing them."""
    start = spec.added[0] if spec.added else spec.listed
    days = [start, spec.consulting, spec.deliberating, spec.decided]
    known = [day for day in days if day is not None]
    if start is None or known != sorted(known) or len(set(known)) != len(known):
        raise ValueError(f"demo dates out of order: {spec.title}")
    if spec.decided and not spec.deliberating:
        raise ValueError(f"a decision needs deliberation first: {spec.title}")


def _schedule_steps(plan, spec: Spec, index, matters, actor_for, admin, depts) -> None:
    def matter() -> DecisionMatter:
        return matters[index]

    for day, who, changes, reason in spec.adjustments:
        data = dict(changes)
        if "department_id" in data:
            data["department_id"] = depts[data["department_id"]].id

        def adjust(data=data, who=who, reason=reason) -> None:
            actor = admin if who == "admin" else actor_for(index)
            catalogue.update_matter(matter(), {**data, "reason": reason}, actor=actor)

        plan.add(plan.at(day, 11), adjust)

    def status(target: str, extra: dict[str, Any] | None = None) -> Callable[[], None]:
        def step() -> None:
            catalogue.change_status(matter(), target, extra, actor=actor_for(index))

        return step

    def procedure(kind: str, day: date) -> None:
        if kind not in spec.procedures:
            return

        def step() -> None:
            catalogue.record_procedure(matter(), kind, day, actor=actor_for(index))

        plan.add(plan.at(day, 15), step)

    if spec.consulting:
        plan.add(plan.at(spec.consulting, 9), status(MatterStatus.CONSULTING.value))
    if spec.deliberating:
        # Public participation ends with the consultation; experts and the risk assessment
        # report before the matter goes to deliberation.
        day = spec.deliberating
        if spec.consulting:
            procedure(PP, day - timedelta(days=1))
        procedure(EA, day - timedelta(days=4))
        procedure(RA, day - timedelta(days=2))
        plan.add(plan.at(day, 17), status(MatterStatus.DELIBERATING.value))
    if spec.decided:
        # The legality review comes first; the standing meeting decides on the day.
        day = spec.decided
        procedure(LR, max(day - timedelta(days=6), spec.deliberating + timedelta(days=1)))
        procedure(CD, day)

        def decide(day=day) -> None:
            m = matter()
            catalogue.change_status(
                m,
                MatterStatus.DECIDED.value,
                {
                    "decision_date": day,
                    "decision_document_url": _document_url(day, m.year, m.number),
                },
                actor=actor_for(index),
            )

        plan.add(plan.at(day, 17), decide)
    if spec.withdrawn:
        day, reason = spec.withdrawn

        def withdraw(reason=reason) -> None:
            catalogue.withdraw_matter(matter(), reason, actor=admin)

        plan.add(plan.at(day, 10, 30), withdraw)


def summary(users: dict[str, User] | None = None) -> dict[str, Any]:
    """What the database holds now: counts, and the demo accounts with their password."""
    statuses = Counter(db.session.scalars(sa.select(DecisionMatter.status)))
    years = {
        cat.year: {
            "published": cat.is_published,
            "matters": db.session.scalar(
                sa.select(sa.func.count()).where(DecisionMatter.year == cat.year)
            ),
        }
        for cat in db.session.scalars(sa.select(CatalogueYear).order_by(CatalogueYear.year))
    }
    adjustments = Counter(db.session.scalars(sa.select(CatalogueAdjustment.kind)))
    accounts_list = [
        {
            "role": u.role,
            "email": u.email,
            "password": DEMO_PASSWORD,
            "name": u.display_name,
            "department": u.department.name if u.department else None,
        }
        for u in (users or {}).values()
    ]
    return {
        "departments": db.session.scalar(sa.select(sa.func.count()).select_from(Department)),
        "users": accounts_list,
        "years": years,
        "matters": sum(statuses.values()),
        "statuses": {s.value: statuses.get(s.value, 0) for s in MatterStatus},
        "adjustments": dict(adjustments),
    }
