"""Demo data for 东湖区: departments, one account per role, three catalogue years, and the
public consultations on their matters with residents' comments.

Everything is made through the services with a proper actor, with the clock moved to the
day each thing happened, so the audit log, the timelines and the adjustments read like a
real year's work. The years are counted from today: last year's catalogue has ended
(decided on time, decided late, withdrawn, not completed), this year's is under way, and
next year's is a draft. A step whose date is still in the future is left out, so the demo
never holds an event that has not happened yet.

This year's consultations are dated from today: one opens in a few days, some are open, one
closed last week and awaits the department's answer, one closed weeks ago and its matter
went on to deliberation. A matter reaches "consulting" when its consultation opens, as on
the live platform.

The public-representative pool (社会公众代表库) is built at the start of last year; people
leave it on the way (a term ends, a membership is ended or suspended), the demo resident has
one application rejected and one pending, and 黄丽萍 applied on the public form without an
account. Representatives attend (列席) last year's and this year's standing meetings, a hearing
and a symposium, all held and published; the demo representative declined one, missed one and
attended one. A 区交通局 symposium starts within the hour: check-in is open, its venue screen
shows the code, two representatives have checked in and the demo representative has not yet.
A standing meeting next week and a 区住建局 symposium are still to come, and the demo
representative has an invitation to answer and a check-in code for the other.
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
from consult.accounts.models import SYSTEM, Department, Role, User
from consult.catalogue import services as catalogue
from consult.catalogue.models import (
    CatalogueAdjustment,
    CatalogueYear,
    DecisionMatter,
    MatterStatus,
    ProcedureKind,
)
from consult.comments import grouping
from consult.comments import services as comments
from consult.comments.models import Comment, CommentSource, CommentStatus, DuplicateGroup
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, ConsultationStatus
from consult.core import time as clock
from consult.demo import crowd as demo_crowd
from consult.demo import story
from consult.extensions import db
from consult.meetings import models as meeting_models
from consult.meetings import services as meetings
from consult.meetings.models import (
    Attendance,
    Draw,
    Invitation,
    InvitationSource,
    InvitationStatus,
    Meeting,
)
from consult.representatives import services as representatives
from consult.representatives.models import (
    Representative,
    RepresentativeApplication,
)

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
    ("admin", f"admin@{DOMAIN}", "刘晓燕", Role.ADMIN.value, OFFICE),
    ("housing", f"housing@{DOMAIN}", "陈建国", Role.OFFICER.value, "住建局"),
    ("transport", f"transport@{DOMAIN}", "李振华", Role.OFFICER.value, "交通局"),
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
    consultation: str | None = None  # the key of its consultation in `_consultations`: the
    # matter reaches "consulting" when that consultation opens, not by a status change


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
            consultation="old_housing",
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
            consultation="normative_documents",
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
            consultation="parking",
            adjustments=[
                (
                    d(y, 4, 20),
                    "officer",
                    {"hearing": True},
                    "方案涉及小区停车收费和公共空间调整，与居民切身利益密切相关，"
                    "经研究增加听证程序。",
                ),
                (
                    d(y, 8, 25),
                    "officer",
                    {"planned_time": f"{y}-12"},
                    "全区老旧小区停车资源摸底调查于8月完成，方案需根据调查结果修改完善后"
                    "再公开征求意见，决策时间由第三季度调整为12月。",
                ),
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
            consultation="waste_sorting",  # its later steps are dated from the consultation
        ),
        Spec(
            f"东湖区城市更新专项规划（{y}—{y + 9}年）",
            "自然资源局",
            f"{y}-Q4",
            True,
            "划定城市更新单元，明确片区更新方式和公共服务设施配套要求。",
            ALL_FIVE,
            listed=d(y, 1, 20),
            consultation="urban_renewal",
        ),
        Spec(
            "东湖区慢行交通系统建设规划",
            "交通局",
            f"{y}年第四季度",
            False,
            "规划建设连续成网的步行和自行车道，改善滨江、滨湖区域慢行环境。",
            (PP, EA, LR, CD),
            listed=d(y, 1, 21),
            consultation="slow_traffic",
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
            adjustments=[
                (
                    d(y, 11, 18),
                    "officer",
                    {"postpone": f"{y + 1}-Q2"},
                    "省级“无废城市”建设指标体系尚未印发，方案需与省级指标衔接，"
                    "经区政府同意，决策时间调整至下一年度第二季度。",
                ),
            ],
        ),
        Spec(
            "东湖区最低生活保障家庭经济状况核对办法",
            "民政局",
            f"{y}-07",
            False,
            "规范低保申请家庭收入和财产状况的核对范围、程序和信息共享方式。",
            BASIC,
            listed=d(y, 1, 27),
            consultation="minimum_living",
        ),
        Spec(
            "东湖区住宅小区电动自行车集中充电设施建设管理办法",
            "住建局",
            f"{y}-12",
            False,
            "规范住宅小区电动自行车集中停放充电场所的规划、建设、运营和消防安全管理。",
            BASIC,
            listed=d(y, 1, 28),
            consultation="ebike_charging",
        ),
        Spec(
            "东湖区地下管网更新改造三年行动计划",
            "住建局",
            f"{y}-Q4",
            False,
            "对老化燃气、供水和排水管网分年度实施更新改造，建设管网智慧监测平台。",
            (PP, EA, RA, LR, CD),
            listed=d(y, 1, 28),
            consultation="pipes",
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


# --- consultations -------------------------------------------------------------------------
#
# Each consultation is dated from its opening day: `day` 0 is the day it opens, and times
# are local "HH:MM". The current year's consultations open a fixed number of days before
# today, so the demo always shows one that is upcoming, several that are open and some
# that have closed; last year's keep their calendar dates.


@dataclass
class Remark:
    """One comment: online, or gathered offline and entered by the officer."""

    day: int
    at: str
    name: str
    body: str
    clause: int | None = None
    show: bool = True  # the author agreed to show their name
    contact: str | None = None  # private
    source: str = "online"
    activity: str | None = None  # key of the symposium, hearing or field visit it came from
    entered: tuple[int, str] | None = None  # offline: when the officer entered it
    hidden: tuple[int, str, str, str] | None = None  # (day, at, reason, note)
    account: str | None = None  # submitted while signed in with this demo account


@dataclass
class Gathering:
    """A symposium, hearing or field visit held for a consultation."""

    key: str
    kind: str
    day: int
    at: str
    place: str
    participants: int
    minutes: str
    recorded: tuple[int, str]


@dataclass
class Call:
    """A public call for comments on a catalogue matter, and what happened during it."""

    key: str  # Spec.consultation
    title: str
    draft: str
    explanation: str
    contact: str
    opens_on: date
    opens_at: str = "09:00"
    created: tuple[int, str] = (-3, "16:00")  # the officer prepares it a few days before
    closes: tuple[int, str] = (30, "17:30")
    extension: tuple[int, str, tuple[int, str], str] | None = None
    # (day, at, new closing (day, at), announcement with {date})
    gatherings: list[Gathering] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    followups: list[tuple[int, str, str, Any]] = field(default_factory=list)
    # (day, at, "adjust" | "procedure" | "status", argument): the matter's next steps
    crowd: demo_crowd.Crowd | None = None  # a mass consultation's comments (demo_crowd)


# Residents of the form-letter campaign against turning green space into parking: the
# same text with small edits, which the duplicate detection groups.
_GREEN_CAMPAIGN = [
    (
        "陶建新",
        True,
        "我们坚决反对在小区内占用绿地建设停车位。老旧小区本来绿化就少，仅有的几棵大树和小花园"
        "是老人孩子唯一的活动场地。请删除第四条第二项，停车问题应当通过错时共享和在周边建设"
        "公共停车场解决。",
    ),
    (
        "彭丽萍",
        False,
        "我们坚决反对在小区内占用绿地建设停车位！！老旧小区本来绿化就少，仅有的几棵大树和小花园"
        "是老人和孩子唯一的活动场地。请删除第四条第二项，停车问题应当通过错时共享和在周边建设"
        "公共停车场解决！",
    ),
    (
        "蒋国华",
        True,
        "坚决反对在小区内占用绿地建设停车位。老旧小区本来绿化就很少，仅有的几棵大树和小花园"
        "是老人孩子唯一的活动场地，请删除第四条第二项。停车问题应当通过错时共享、在周边建设"
        "公共停车场解决。",
    ),
    (
        "魏淑芬",
        False,
        "本人是百花洲小区居民，坚决反对在小区内占用绿地建设停车位。老旧小区本来绿化就少，"
        "仅有的几棵大树和小花园是老人孩子唯一的活动场地。请删除第四条第二项，停车问题应通过"
        "错时共享和在周边建设公共停车场解决。",
    ),
    (
        "田宇",
        True,
        "我们坚决反对在小区内占用绿地建设停车位。老旧小区本来绿化就少，仅有的几棵大树和小花园"
        "是老人、孩子唯一的活动场地。请删除第四条第二项！停车问题应当通过错时共享和在周边建设"
        "公共停车场来解决。保护绿地，人人有责。",
    ),
]


# More residents who sent the campaign's text, some with a line about themselves: the group
# grows to 29 and the consultation page gets a second page of comments.
_CAMPAIGN_SIGNERS = [
    "邓桂兰", "许志明", "傅晓燕", "沈建国", "曾凡荣", "韩秀珍", "冯立新", "程美华",
    "袁德胜", "潘慧敏", "于海波", "董春梅", "萧国强", "蔡玉兰", "余振华", "杜丽娟",
    "叶长青", "苏文斌", "吕桂芳", "丁卫东", "任淑华", "姚建平", "卢小红", "钟振宇",
]  # fmt: skip
_CAMPAIGN_ESTATES = ["百花洲小区", "羊子巷小区", "船山路宿舍", "墩子塘小区", "贤士花园"]


def _campaign_followers() -> list[Remark]:
    base = _GREEN_CAMPAIGN[0][2]
    remarks = []
    for k, name in enumerate(_CAMPAIGN_SIGNERS):
        minute = 7 * 60 + (k * 53) % (14 * 60)
        opening = f"本人是{_CAMPAIGN_ESTATES[k % len(_CAMPAIGN_ESTATES)]}居民，" if k % 3 else ""
        closing = "恳请采纳！" if k % 4 == 1 else ""
        remarks.append(
            Remark(
                5 + k % 5,
                f"{minute // 60:02d}:{minute % 60:02d}",
                name,
                opening + base + closing,
                clause=4,
                show=k % 2 == 0,
            )
        )
    return remarks


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _parking(today: date, y: int) -> Call:
    """Open now, the richest one: clause comments, a campaign, moderation, offline input."""
    campaign = [
        Remark(day, at, name, body, clause=4, show=show)
        for (day, at), (name, show, body) in zip(
            [(1, "08:30"), (1, "19:48"), (2, "20:15"), (3, "18:30"), (4, "21:30")],
            _GREEN_CAMPAIGN,
            strict=True,
        )
    ]
    return Call(
        key="parking",
        title="东湖区老旧小区停车设施改造实施方案（征求意见稿）",
        opens_on=today - timedelta(days=10),
        extension=(
            7,
            "10:30",
            (37, "17:30"),
            "应部分社区居民和街道办事处要求，为便于不常使用网络的老年居民通过座谈会、"
            "社区意见箱等方式充分反映意见，征求意见截止时间延长至{date}17:30。",
        ),
        contact="区住建局城建科，电话 0791-8861 2345，邮箱 zjj@donghu.example",
        draft=f"""为贯彻落实国家和省、市关于城镇老旧小区改造和城市停车设施建设的有关要求，切实缓解我区老旧小区“停车难、充电难”问题，改善居民居住环境，结合本区实际，制定本方案。

第一条 本方案适用于本区行政区域内2000年底前建成、停车泊位明显不足的老旧住宅小区（以下简称老旧小区）的停车设施改造。已纳入年度城镇老旧小区改造计划的小区，停车设施改造与其他改造内容同步设计、同步施工。

第二条 {y}年至{y + 2}年，全区完成80个老旧小区停车设施改造，新增停车泊位约6000个，配建电动汽车充电设施的泊位不少于新增泊位的20%，老旧小区夜间停车泊位与登记车辆之比提高到1∶0.8以上。

第三条 停车设施改造实行“一小区一方案”。街道办事处会同社区居民委员会、业主委员会或者物业服务企业，在摸清小区车辆保有量、现有泊位和可利用空间的基础上编制改造方案，经小区居民议事会讨论并在小区内公示不少于7日后组织实施。

第四条 老旧小区可以通过下列途径增加停车泊位：
（一）整合利用小区边角地、闲置空地和废弃构筑物用地施划停车泊位；
（二）在不减少绿地总量、不影响消防通道的前提下，对零散绿地进行集中调整，采用植草砖等透水铺装建设生态停车位；
（三）条件具备的，建设机械式立体停车设施；
（四）经公安交通管理部门同意，在小区周边具备条件的道路施划夜间限时停车泊位。

第五条 鼓励机关、企事业单位、商业综合体和学校将内部停车场在夜间和节假日向周边老旧小区居民错时开放。错时共享停车的收费标准由产权单位与街道办事处、社区协商确定，原则上不高于周边同类公共停车场收费标准的50%。

第六条 小区内新增泊位优先满足本小区居民需求，实行“一户一位”登记管理。泊位不足时，按照先登记先分配或者公开摇号的方式分配；家庭成员中有残疾人、高龄老人的住户优先安排。任何单位和个人不得将小区公共泊位出售、长期出租给小区以外人员，不得设置地锁占用公共泊位。

第七条 小区停车收费标准由业主大会或者居民议事会依法讨论决定，报区发展和改革委员会备案。停车收入扣除必要的管理和维护费用后纳入小区公共收益，用于小区公共设施维修养护，收支情况每半年在小区内公示一次。

第八条 新增泊位应当同步建设电动汽车充电设施或者预留安装条件。充电设施应当符合国家消防安全技术标准，安装漏电保护和过载保护装置，由具备相应资质的单位施工和运营维护。禁止私拉电线、“飞线”充电。

第九条 每个改造小区设置无障碍停车位不少于2个，靠近单元出入口布置，并同步完善缘石坡道、无障碍通道等设施。

第十条 施工单位应当合理安排工期，每日22时至次日6时、12时至14时不得进行产生噪声的施工作业；确需连续作业的，应当提前3日在小区内公告。施工期间应当设置临时停车区域，保障消防车通道畅通和居民出行安全。

第十一条 改造资金由上级补助资金、区级财政资金、社会资本和居民合理出资共同承担。区财政对纳入计划的小区按每个新增泊位不超过8000元给予补助；鼓励社会资本以“改造+运营”方式参与，运营期一般不超过10年。

第十二条 本方案自印发之日起施行，有效期3年，由区住房和城乡建设局负责解释。""",
        explanation=f"""一、起草背景
我区2000年底前建成的老旧小区共312个，涉及居民约9.6万户。{y}年全区停车资源摸底调查显示，这些小区现有停车泊位约1.8万个，登记机动车约3.4万辆，夜间停车缺口近半，占用消防通道停车、绿地停车和“飞线”充电现象较为普遍，是群众通过12345热线反映较多的问题之一。区政府将本方案列入{y}年度重大行政决策事项目录。

二、起草过程
区住房和城乡建设局会同区发展和改革委员会、区城市管理局、区财政局和公安交通管理部门，赴5个街道12个老旧小区实地调研，召开街道、社区和物业服务企业座谈会3场，参考省内外城市的做法，形成了征求意见稿。

三、主要内容
征求意见稿共十二条：适用范围和工作目标（第一条、第二条），改造方案的编制程序（第三条），增加泊位的途径和错时共享停车（第四条、第五条），泊位分配和收费管理（第六条、第七条），充电设施和无障碍设施（第八条、第九条），施工管理和资金保障（第十条、第十一条）。

四、需要说明的问题
一是绿地调整。征求意见稿只允许在不减少绿地总量的前提下对零散绿地集中调整，调整方案须经小区居民议事会讨论。二是收费。小区停车收费标准由居民依法自主决定，收入纳入小区公共收益，政府不从中提取费用。三是施工影响。方案对施工时段和临时停车作出了规定。

欢迎社会各界提出意见建议，请尽量注明针对的条款。征求意见结束后，我局将统一反馈意见采纳情况。""",
        gatherings=[
            Gathering(
                "symposium",
                "symposium",
                4,
                "14:30",
                "豫章街道社区党群服务中心三楼会议室",
                18,
                "区住建局城建科主持。豫章街道办事处、区发改委、区城管局、交警东湖大队有关"
                "负责人，八一路28号院、百花洲小区等6个老旧小区的居民代表、业主委员会和物业"
                "服务企业代表共18人参加。\n"
                "与会人员围绕泊位分配、收费标准、绿地调整、充电设施安全和施工期间临时停车"
                "发表意见。居民代表普遍支持改造，同时担心错时共享停车的时段限制和收费上涨；"
                "物业服务企业希望明确停车设施的维护责任和费用来源；业主委员会代表建议按改造"
                "难度分档补助。\n"
                "城建科表示，座谈会意见将与网上意见一并研究，在反馈报告中逐条说明采纳情况。",
                (5, "10:00"),
            )
        ],
        remarks=[
            Remark(
                0,
                "10:12",
                "周建平",
                "总体支持这个方案。我们八一路28号院三百多户，只有六十个车位，每天晚上九点以后"
                "根本找不到地方停，很多人只能停到马路上被贴罚单。希望我们小区能列入第一批改造。",
            ),
            Remark(
                0,
                "14:40",
                "刘桂兰",
                "我家老伴腿脚不便，出门全靠儿子开车接送。第六条说对有残疾人、高龄老人的家庭"
                "优先安排车位，这个很好，建议明确“高龄”是指80岁以上还是70岁以上，免得执行时扯皮。",
                clause=6,
            ),
            Remark(
                0,
                "21:05",
                "王志强",
                "收费标准由居民议事会讨论决定，但很多老小区根本没有业委会，议事会也是社区临时"
                "拉人。建议区里出一个指导区间，比如每月不超过多少元，避免物业一家说了算。",
                clause=7,
                show=False,
                contact="wzq1985@example.com",
            ),
            *campaign[:2],
            Remark(
                1,
                "12:10",
                "赵磊",
                "<b>充电桩安全一定要放在第一位！</b>去年隔壁小区就发生过电动车充电起火。"
                "建议充电设施与住宅楼保持安全距离，配备灭火器和烟感报警，由运营单位每月巡检"
                "并公布巡检记录。",
                clause=8,
            ),
            Remark(
                2,
                "09:20",
                "陈静",
                "施工时间规定得很细，点赞。希望把周末也考虑进去，周六周日上午8点前不要施工，"
                "我们上夜班的人白天要补觉。",
                clause=10,
            ),
            campaign[2],
            Remark(
                2,
                "22:40",
                "路人甲",
                "又是走过场征求意见，写方案的这帮人就是一群吃干饭的饭桶，有本事你们自己来"
                "老小区停一晚上车试试！",
                show=False,
                hidden=(3, "09:10", "abusive", "含侮辱性语言，依照留言规则不予公开。"),
            ),
            Remark(
                3,
                "07:55",
                "孙丽",
                "第四条第二项说调整零散绿地建生态停车位，我担心最后变成砍树修车位。请明确"
                "绿地调整必须经过三分之二以上业主同意，并且要在小区内就近补绿。",
                clause=4,
                show=False,
            ),
            campaign[3],
            Remark(
                3,
                "20:02",
                "吴晓东",
                "错时共享停车是个好办法，我们小区旁边就是区图书馆和一所中学，晚上车位都空着。"
                "建议由区里牵头和这些单位签协议，不要让居民自己去谈，居民根本谈不下来。",
                clause=5,
            ),
            Remark(
                4,
                "10:25",
                "郑秀英",
                "我是轮椅使用者。无障碍车位不光要靠近单元门，宽度也要够，旁边要留出1.2米以上的"
                "轮椅通道。另外要防止被普通车辆占用，建议设置提示牌并纳入物业日常巡查。",
                clause=9,
                show=False,
                contact="139****2087",
            ),
            Remark(
                4,
                "15:10",
                "黄海涛",
                "三年改造80个小区、新增6000个泊位，平均每个小区75个，对大一点的小区还是杯水车薪。"
                "建议按停车缺口对小区分类，缺口大的优先建设立体停车设施。",
                clause=2,
            ),
            campaign[4],
            *_campaign_followers(),
            Remark(
                5,
                "09:05",
                "林志刚",
                "“居民合理出资”这个说法太模糊了。我们都是退休工人，每月退休金就两千多块，"
                "如果每户要摊几千块钱是拿不出来的。请明确居民出资的上限和困难家庭的减免办法。",
                clause=11,
                show=False,
            ),
            Remark(
                5,
                "19:40",
                "邓超",
                "3栋2单元的王某长期把车停在消防通道上，还在公共车位装了地锁，他的电话是"
                "139****6621，住302，请管理部门直接上门处理！",
                clause=6,
                show=False,
                hidden=(
                    6,
                    "09:30",
                    "personal_data",
                    "正文含他人电话号码和住址，不予公开；反映的占用消防通道问题已转豫章街道核查。",
                ),
            ),
            Remark(
                6,
                "11:20",
                "何敏",
                "小区内公示7日时间太短，很多老人不看手机，也不常下楼。建议公示不少于15日，"
                "在每个单元门口张贴，并由楼栋长上门告知。",
                clause=3,
            ),
            Remark(
                6,
                "20:55",
                "张伟",
                "“一户一位”我赞成。但有的家庭有两辆车，有的没有车，建议没有车的住户登记的车位"
                "不能转租，空出来的车位再按第二辆车排队分配，每年重新登记一次。",
                clause=6,
                account="resident",
            ),
            Remark(
                7,
                "13:15",
                "徐海燕",
                "我们小区是2002年建成的，楼龄也二十多年了，停车问题一样严重，但按第一条"
                "“2000年底前建成”就不在范围内。建议放宽到2005年底前，或者允许街道根据实际情况申报。",
                clause=1,
                show=False,
            ),
            Remark(
                8,
                "09:40",
                "朱文博",
                "建议充电设施接入统一的智能充电平台，支持扫码支付、充满自动断电，收费透明。"
                "老小区电力容量普遍不足，安装充电桩前要先评估变压器容量，必要时同步增容。",
                clause=8,
                contact="zhuwb@example.com",
            ),
            Remark(
                8,
                "16:30",
                "冯雪梅",
                "施工期间设置临时停车区域很好，但具体设在哪里要提前公布。上次我们小区改造管线，"
                "车子没地方停，一个月被贴了三张罚单，希望这次交管部门能给予临时宽限。",
                clause=10,
                show=False,
            ),
            Remark(
                9,
                "10:05",
                "韩立新",
                "建议方案增加长效管理的内容。很多小区改造完没人管，车位画好了，过半年又被"
                "僵尸车、三轮车和杂物占满。应当明确僵尸车清理程序和物业、社区的管理责任。",
            ),
            Remark(
                9,
                "20:20",
                "曹颖",
                "停车收入纳入小区公共收益并每半年公示，这点非常必要。建议公示内容细化到收入总额、"
                "支出明细和结余，业主可以申请查阅原始凭证。",
                clause=7,
            ),
            # Offline: the symposium, the 12345 hotline, a letter and a mailbox.
            Remark(
                4,
                "15:05",
                "李建华（百花洲小区居民代表）",
                "周边单位错时开放车位，居民最担心早上必须按时把车开走，晚了会被锁在里面或者被罚款。"
                "建议共享协议明确开放时段和超时处理办法，给居民留半小时缓冲。",
                clause=5,
                source="symposium",
                activity="symposium",
                entered=(5, "10:20"),
            ),
            Remark(
                4,
                "15:30",
                "钱志勇（恒安物业服务企业代表）",
                "物业企业希望收费标准能覆盖车位划线、道闸维护和管理人员成本，否则改造后的停车"
                "设施没人维护。建议收费指导意见出台前听取物业企业意见。",
                clause=7,
                source="symposium",
                activity="symposium",
                entered=(5, "10:25"),
            ),
            Remark(
                4,
                "16:00",
                "蒋红梅（八一路28号院业主委员会）",
                "建议补助资金按小区改造难度分档，需要拆除违建、迁移管线的小区补助标准适当提高，"
                "否则条件差的小区永远排不上。",
                clause=11,
                source="symposium",
                activity="symposium",
                entered=(5, "10:30"),
            ),
            Remark(
                2,
                "10:30",
                "杨女士",
                "来电人反映：所住小区计划改造后实行停车收费，但小区内部分车位是早年居民自己出钱"
                "铺设的，希望方案对这类车位的归属和收费问题作出说明。",
                show=False,
                contact="138****4410",
                source="hotline",
                entered=(3, "09:00"),
            ),
            Remark(
                6,
                "16:20",
                "胡先生",
                "来电人反映：希望停车设施改造施工避开中考、高考期间，考前一周和考试期间小区内"
                "停止一切产生噪声的施工。",
                clause=10,
                show=False,
                source="hotline",
                entered=(7, "09:15"),
            ),
            Remark(
                3,
                "10:00",
                "石振华",
                "来信摘要：本人今年八十六岁，提几点意见。一是无障碍停车位要有明显标志；二是单元门口"
                "要留出救护车停靠的位置；三是改造期间请工作人员多上门听听老年人的意见，不是人人"
                "都会上网。",
                clause=9,
                source="letter",
                entered=(6, "14:00"),
            ),
            Remark(
                8,
                "17:00",
                "百花洲小区居民",
                "社区意见箱来件：小区里电动自行车充电问题比汽车更突出，建议这次改造一并建设"
                "电动自行车集中充电棚，解决楼道充电的安全隐患。",
                clause=8,
                show=False,
                source="mailbox",
                entered=(9, "09:30"),
            ),
        ],
    )


def _slow_traffic(today: date, y: int) -> Call:
    """Open now, another department: a field visit, a handful of comments, and ~2,000 more
    in three campaigns (demo_crowd), two hotline exports among them."""
    return Call(
        crowd=demo_crowd.crowd(days=8),
        key="slow_traffic",
        title=f"东湖区慢行交通系统建设规划（{y}—{y + 9}年）（征求意见稿）",
        opens_on=today - timedelta(days=8),
        created=(-2, "15:30"),
        closes=(38, "17:30"),
        contact="区交通运输局规划建设科，电话 0791-8862 3101，邮箱 jtj@donghu.example",
        draft=f"""为倡导绿色低碳出行，改善步行和自行车出行环境，根据《城市综合交通体系规划标准》和东湖区国土空间总体规划，编制本规划。规划范围为东湖区全域，规划期限为{y}—{y + 9}年。

第一条 到{y + 4}年，建成滨江、滨湖和老城区三个慢行示范片区；到{y + 9}年，城区慢行道路网密度达到每平方公里8公里以上，绿色出行比例达到75%以上。

第二条 完善步行网络，消除人行道断点和占道停车。主次干道人行道有效通行宽度不小于2.5米，支路不小于1.5米；学校、医院、地铁站周边设置连续的无障碍通道。

第三条 主干道设置物理隔离的非机动车道，宽度不小于2.5米；次干道和支路通过彩色铺装、标线等方式明确非机动车通行空间。新建、改建道路同步建设非机动车道。

第四条 沿赣江、青山湖、象湖建设贯通的滨水慢行绿道，总长约42公里，每隔1公里左右设置驿站，提供饮水、休息、公厕和共享单车停放服务。

第五条 间距超过300米的路段增设人行横道；学校周边路口设置行人专用信号相位；过街设施优先采用平面过街。

第六条 地铁站出入口周边100米范围内设置非机动车停放区，规范共享单车投放和停放，实行电子围栏管理。

第七条 在老城区划定慢行优先街区，通过单向交通组织、限速每小时30公里和交通宁静化设计，保障行人和自行车通行安全。

第八条 规划项目纳入区年度重点建设计划分期实施。区交通运输局会同区城市管理局、区住房和城乡建设局和公安交通管理部门建立慢行系统建设和管护协调机制。""",
        explanation="""一、编制背景
近年来我区机动车保有量快速增长，人行道被占用、非机动车道不连续、滨江滨湖步道断点多等问题较为突出。地铁线网建成后，“最后一公里”接驳需求明显增加。

二、主要内容
规划提出步行网络、自行车道、滨水绿道、过街设施、地铁接驳和老城区慢行街区六方面任务，明确了分阶段目标和实施保障。

三、征求意见方式
除网上征求意见外，我局将组织居民代表、骑行爱好者和人大代表沿滨江步道实地走访，现场听取意见。""",
        gatherings=[
            Gathering(
                "walk",
                "field_visit",
                4,
                "09:30",
                "赣江东湖段滨江步道及八一大道沿线",
                25,
                "区交通运输局组织居民代表、骑行爱好者、区人大代表和规划设计单位共25人，沿滨江"
                "步道和八一大道步行、骑行约6公里，查看人行道断点、非机动车道被占用和地铁站"
                "接驳情况。\n"
                "走访中发现滨江绿道有3处断点需绕行机动车道，八一大道地铁站口共享单车堆放"
                "挤占盲道。设计单位现场作了记录，将在规划修改中研究。",
                (5, "11:00"),
            )
        ],
        remarks=[
            Remark(
                0,
                "11:30",
                "潘建军",
                "老城区很多人行道被汽车占用，孩子上学只能走在马路上。规划提到消除占道停车，"
                "希望配套严格的执法，而不只是画线。",
                clause=2,
            ),
            Remark(
                1,
                "20:10",
                "谢婷",
                "骑电动自行车上下班的人很多，非机动车道2.5米在高峰期还是不够，建议主干道按3.5米"
                "设置，并与人行道用高差分隔。",
                clause=3,
                show=False,
            ),
            Remark(
                3,
                "09:45",
                "董卫国",
                "老城区限速30公里可以理解，但要同步解决居民的车怎么进出。单向交通改造前请先征求"
                "沿街居民和商户的意见。",
                clause=7,
            ),
            Remark(
                4,
                "10:30",
                "欧阳明（骑行爱好者）",
                "滨江绿道现在有三处断点，要绕到机动车道上才能通过，今天走访时大家都看到了，"
                "建议作为第一批项目尽快打通。",
                clause=4,
                source="field_visit",
                activity="walk",
                entered=(5, "11:20"),
            ),
            Remark(
                4,
                "11:00",
                "罗晓梅（区人大代表）",
                "八一大道地铁站口共享单车堆放严重，盲道都被挡住了。建议电子围栏设在非机动车"
                "停放区内，并明确运营企业的清运时限。",
                clause=6,
                source="field_visit",
                activity="walk",
                entered=(5, "11:25"),
            ),
            Remark(
                5,
                "21:00",
                "梁晨",
                "学校周边路口设行人专用相位非常赞同。建议同步在放学时段安排志愿者和交警护学。",
                clause=5,
                show=False,
                contact="liangchen@example.com",
            ),
            Remark(
                6,
                "12:30",
                "宋佳",
                "规划很好，希望能公布分年度建设计划，让大家知道自己家门口的路什么时候改。",
            ),
        ],
    )


def _pipes(today: date, y: int) -> Call:
    """Scheduled: published a few days ago, opens in five days."""
    return Call(
        key="pipes",
        title=f"东湖区地下管网更新改造三年行动计划（{y + 1}—{y + 3}年）（征求意见稿）",
        opens_on=today + timedelta(days=5),
        created=(-7, "15:00"),
        closes=(32, "17:30"),
        contact="区住建局市政公用科，电话 0791-8861 2378，邮箱 zjj@donghu.example",
        draft=f"""为加快推进城市地下管网更新改造，消除燃气、供水、排水管网安全隐患，提升城市安全韧性，根据国家和省、市关于城市燃气管道等老化更新改造工作的部署，结合本区实际，制定本行动计划。

第一条 {y + 1}年至{y + 3}年，完成全区老化燃气管道更新改造约120公里、供水管网约85公里、雨污水管网约60公里，基本消除管网老化带来的重大安全隐患。

第二条 重点改造使用年限超过20年的燃气中低压管道，灰口铸铁、镀锌钢材质的供水管道，以及存在错接混接、破损渗漏的雨污水管道。

第三条 管网改造与老旧小区改造、道路改造同步规划、同步设计、同步施工，避免道路反复开挖。同一路段的管网改造原则上一次完成。

第四条 老旧小区燃气户内设施改造同步安装燃气泄漏报警器和自闭阀，所需费用由燃气企业、政府和居民合理分担，低保家庭和特困人员家庭免于承担。

第五条 施工单位应当提前7日公告施工范围、工期和交通组织方案；需要停水、停气的，应当提前48小时通知用户，单次停水、停气原则上不超过24小时。

第六条 建设全区地下管网智慧监测平台，在燃气管网关键节点和易涝积水点布设监测设备，实现风险实时预警。

第七条 积极争取中央预算内投资和超长期特别国债资金，区财政安排配套资金，管网运营企业按规定承担相应改造责任。

第八条 本行动计划由区住房和城乡建设局会同有关部门组织实施。""",
        explanation="""一、起草背景
我区部分燃气、供水和排水管网建成于上世纪八九十年代，管材老化、腐蚀渗漏问题突出，近三年发生管网事故27起。

二、主要内容
行动计划明确了三年改造任务、改造范围、统筹实施、户内改造、施工管理、智慧监测和资金保障等内容。

三、征求意见安排
征求意见期间，我局将在各街道设置意见箱，并邀请居民代表参加座谈。""",
    )


def _minimum_living(today: date, y: int) -> Call:
    """Closed a week ago; the department has not answered the comments yet."""
    return Call(
        key="minimum_living",
        title="东湖区最低生活保障家庭经济状况核对办法（征求意见稿）",
        opens_on=today - timedelta(days=40),
        created=(-4, "10:00"),
        closes=(33, "17:30"),
        contact="区民政局社会救助科，电话 0791-8863 5120，邮箱 mzj@donghu.example",
        draft=f"""为规范最低生活保障家庭经济状况核对工作，确保社会救助公平公正，根据《社会救助暂行办法》《最低生活保障审核确认办法》和省、市有关规定，结合本区实际，制定本办法。

第一条 本办法所称最低生活保障家庭经济状况核对（以下简称核对），是指区民政部门根据申请人及其共同生活家庭成员的授权，通过信息比对、入户调查等方式，核查其收入和财产状况并出具核对报告的活动。

第二条 区民政局负责全区核对工作，区社会救助家庭经济状况核对中心承担具体核对业务。街道办事处负责受理申请、入户调查和材料初审，社区居民委员会予以协助。

第三条 申请最低生活保障的，申请人及其共同生活家庭成员应当书面授权民政部门核对其经济状况。拒绝授权的，不予受理。

第四条 核对的收入包括工资性收入、经营净收入、财产净收入和转移净收入；核对的财产包括银行存款、有价证券、机动车辆、房屋和商业保险等。

第五条 共同生活家庭成员人均金融资产不超过本区当年城乡低保标准24倍的，视为符合财产条件。家庭成员名下有一辆价值不超过5万元的机动车，且用于残疾人功能性补偿代步或者维持基本生活的，不计入家庭财产。

第六条 家庭成员名下拥有两套及以上住房，或者拥有一套住房且人均建筑面积超过本区上年度人均住房建筑面积2倍的，不符合最低生活保障条件。

第七条 区核对中心通过省级社会救助家庭经济状况核对信息系统，与公安、人力资源社会保障、不动产登记、市场监管、税务、住房公积金和金融机构等单位进行信息比对，一般在10个工作日内出具核对报告。

第八条 核对中获取的家庭信息只能用于社会救助审核确认，任何单位和个人不得泄露或者用于其他用途。经办人员应当签署保密承诺书，查询操作全程留痕。

第九条 对已纳入最低生活保障的家庭，区民政局每年至少复核一次；家庭经济状况发生变化的，应当在30日内主动报告。

第十条 本办法自{y + 1}年1月1日起施行。""",
        explanation="""一、起草背景
现行核对工作主要依据市级文件，财产认定标准不够细化，基层在车辆、住房和灵活就业收入认定上尺度不一，群众对核对中的个人信息保护也较为关注。

二、主要内容
征求意见稿共十条，明确了核对的职责分工、授权、核对范围、财产认定标准、核对时限、信息保护和复核要求。

三、需要说明的问题
人均金融资产24倍的标准与市级标准一致；车辆和住房的认定标准参考了省内其他县区的做法。""",
        remarks=[
            Remark(
                0,
                "15:30",
                "胡立平",
                "人均金融资产不超过低保标准24倍，这个是否包括支付宝、微信里的余额和理财？"
                "建议明确核对的口径，堵住漏洞的同时也不要误伤真正困难的家庭。",
                clause=5,
            ),
            Remark(
                2,
                "20:45",
                "姚丽娟",
                "我是残疾人家属，家里有一辆旧面包车用来送孩子去康复中心。第五条说价值不超过5万元"
                "的代步车不计入财产，建议明确车辆价值怎么评估，是按购买价还是按二手市场价。",
                clause=5,
                show=False,
            ),
            Remark(
                4,
                "09:10",
                "快速代办",
                "专业代办低保、残疾证、廉租房申请，材料齐全包通过，内部渠道快速办理，"
                "有需要的请加微信dbdb****联系。",
                hidden=(4, "14:00", "spam", "广告信息。"),
            ),
            Remark(
                6,
                "19:20",
                "钱国栋",
                "第六条把住房面积超过人均2倍的一律排除不太合理。有些老人住的是单位分的老房子，"
                "面积大但很破旧，没有任何收入，卖也卖不掉。建议对唯一住房设置例外条款。",
                clause=6,
            ),
            Remark(
                9,
                "10:40",
                "邵敏",
                "申请低保要授权查这么多信息，老百姓最担心隐私泄露。第八条的保密要求很好，建议"
                "再加上泄露信息的追责条款，并让申请人可以查询自己的信息被谁查看过。",
                clause=8,
                show=False,
                contact="shaomin@example.com",
            ),
            Remark(
                10,
                "11:00",
                "龚先生",
                "来电人反映：本人打零工，收入不固定，询问经营净收入和工资性收入如何认定，"
                "建议明确灵活就业人员收入的核算方法，按最近一年的平均收入计算。",
                clause=4,
                show=False,
                source="hotline",
                entered=(11, "09:20"),
            ),
            Remark(
                12,
                "14:15",
                "许文杰",
                "10个工作日出具核对报告很好，但希望整个审核确认的时间也有上限。我父亲去年申请低保，"
                "从交材料到批下来用了两个多月。",
                clause=7,
            ),
            Remark(
                15,
                "21:30",
                "沈红",
                "每年复核一次可以，但请不要每次都让我们重新交一大堆材料，系统里能查到的就不要"
                "再让群众跑腿开证明。",
                clause=9,
            ),
            Remark(
                19,
                "08:50",
                "卢建华",
                "建议在办法中明确刚性支出扣减政策。家里有重病患者的，医疗费用应当从收入中扣除后"
                "再计算，否则很多因病致贫的家庭进不了低保。",
            ),
            Remark(
                24,
                "16:05",
                "贾晓燕",
                "第三条拒绝授权不予受理，但家庭成员中有人失联、不配合授权怎么办？比如父亲长期"
                "不回家、联系不上。建议规定特殊情形下的处理办法。",
                clause=3,
                show=False,
            ),
            Remark(
                27,
                "15:40",
                "梁女士",
                "来电人反映：家庭经济状况变化须在30日内主动报告，很多老年人不了解这个规定，"
                "建议由社区网格员定期上门提醒，不要一发现就直接停发。",
                clause=9,
                show=False,
                source="hotline",
                entered=(28, "09:00"),
            ),
            Remark(
                32,
                "10:00",
                "江德明",
                "来信摘要：金融资产24倍的上限对高龄老人偏低，老人需要留一些钱应对看病和身后事，"
                "建议对70岁以上老人适当放宽到30倍。",
                clause=5,
                source="letter",
                entered=(35, "10:30"),
            ),
        ],
    )


def _ebike_charging(today: date, y: int) -> Call:
    """Closed twelve days ago; the housing officer drafted answers while it was open and has
    two left before the feedback can be published (the whole flow, for the demo's officer)."""
    return Call(
        key="ebike_charging",
        title="东湖区住宅小区电动自行车集中充电设施建设管理办法（征求意见稿）",
        opens_on=today - timedelta(days=44),
        created=(-3, "16:00"),
        closes=(32, "17:30"),
        contact="区住建局物业管理科，电话 0791-8861 2356，邮箱 zjj@donghu.example",
        draft=f"""为规范住宅小区电动自行车集中停放充电场所建设管理，防范电动自行车火灾事故，根据《中华人民共和国消防法》《高层民用建筑消防安全管理规定》和省、市有关规定，结合本区实际，制定本办法。

第一条 本办法适用于本区行政区域内住宅小区电动自行车集中停放充电场所的规划、建设、运营和安全管理。

第二条 新建住宅小区应当按照每户不少于0.6个的标准配建电动自行车停放充电车位，与主体工程同步设计、同步施工、同步验收。既有住宅小区按照“应建尽建、因地制宜”的原则逐步建设。

第三条 集中停放充电场所应当独立设置，与住宅建筑保持不小于6米的防火间距；确有困难的，应当采取防火分隔措施，并配备自动灭火和视频监控设施。

第四条 充电设施应当具备充满自停、过载保护和漏电保护功能。充电收费标准由运营单位公示，不得高于本区公布的指导价格。

第五条 任何单位和个人不得在楼道、楼梯间、安全出口和疏散通道停放电动自行车或者为其充电，不得私拉电线“飞线充电”。

第六条 物业服务企业应当每日巡查集中停放充电场所，发现隐患及时处置；未实施物业管理的小区，由社区居民委员会组织开展巡查。

第七条 既有住宅小区建设集中充电设施所需费用，可以通过政府补助、住宅专项维修资金、社会资本投入等方式筹集。

第八条 本办法自{y + 1}年3月1日起施行。""",
        explanation="""一、起草背景
近年来我区发生电动自行车火灾事故多起，多数与楼道停放、入户充电有关。全区约有电动自行车21万辆，既有小区集中充电车位缺口较大。

二、主要内容
办法共八条，明确了配建标准、消防安全要求、收费管理、禁止行为、日常巡查和资金筹集等内容。""",
        remarks=[
            Remark(
                1,
                "19:40",
                "罗志强",
                "第二条每户0.6个车位对老小区来说根本建不出来，我们小区连汽车都停不下。"
                "建议对既有小区不设硬性比例，先解决有无问题，利用架空层和闲置自行车棚改建。",
                clause=2,
            ),
            Remark(
                3,
                "08:25",
                "韩美玲",
                "充电收费希望能统一标准，现在有的小区充一次要两三块钱，比在家充贵很多，"
                "大家才偷偷拉线回家充。建议指导价按电费加合理服务费确定并公开测算依据。",
                clause=4,
                show=False,
            ),
            Remark(
                6,
                "21:10",
                "蔡国平",
                "第三条6米防火间距在很多老小区做不到，建议明确“确有困难”时具体要采取哪些"
                "防火分隔措施，避免各小区各自理解、标准不一。",
                clause=3,
            ),
            Remark(
                10,
                "10:15",
                "彭女士",
                "来电人反映：家住六楼，腿脚不便，电池可以拆下来带回家充吗？办法没有写清楚，"
                "建议明确可拆卸电池入户充电的安全要求，不要一刀切禁止。",
                clause=5,
                show=False,
                source="hotline",
                entered=(11, "09:30"),
            ),
            Remark(
                15,
                "16:50",
                "孙建业",
                "第六条让社区居委会组织巡查，居委会人手本来就紧张。建议无物业小区的巡查由"
                "街道统一购买服务，或者由充电设施运营单位承担日常巡查责任。",
                clause=6,
            ),
            Remark(
                22,
                "20:05",
                "魏红霞",
                "建议动用住宅专项维修资金时简化表决程序，现在要双三分之二业主同意，"
                "老小区很多业主常年不在，根本凑不齐，好事也办不成。",
                clause=7,
            ),
        ],
    )


def _waste_sorting(today: date, y: int) -> Call:
    """Closed some eight weeks ago, with a hearing; the matter went on to deliberation."""
    return Call(
        key="waste_sorting",
        title="东湖区生活垃圾分类管理办法（征求意见稿）",
        opens_on=today - timedelta(days=98),
        created=(-5, "10:00"),
        closes=(40, "17:30"),
        contact="区城市管理局环境卫生科，电话 0791-8865 7703，邮箱 cgj@donghu.example",
        draft="""为加强生活垃圾分类管理，改善人居环境，促进资源循环利用，根据《中华人民共和国固体废物污染环境防治法》和省、市有关规定，结合本区实际，制定本办法。

第一条 本区行政区域内生活垃圾的分类投放、分类收集、分类运输、分类处理及其监督管理，适用本办法。

第二条 本区生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾四类。

第三条 区城市管理局是本区生活垃圾分类工作的主管部门。街道办事处负责辖区内生活垃圾分类的组织、动员和日常监督，社区居民委员会协助开展宣传引导。

第四条 生活垃圾分类实行管理责任人制度。住宅小区由物业服务企业负责；未实行物业管理的，由社区居民委员会负责；机关、企事业单位的办公场所由本单位负责。

第五条 住宅小区实行定时定点投放，投放时间原则上为每日7时至9时、18时至21时。管理责任人应当在投放点设置洗手设施，并在投放时段安排人员值守指导。

第六条 厨余垃圾应当沥干水分、去除包装物后投放；有害垃圾应当投放至有害垃圾收集容器，废旧灯管等易碎物品应当包裹后投放。

第七条 区城市管理局应当配备满足分类运输需要的专用车辆，实行密闭运输。禁止将已分类的生活垃圾混合收集、混合运输。

第八条 对分类投放表现良好的居民和单位，可以通过积分兑换、评比表彰等方式给予激励。

第九条 单位违反分类投放规定的，由区城市管理局责令改正；拒不改正的，处五十元以上五百元以下罚款。个人违反分类投放规定的，由区城市管理局责令改正；拒不改正的，处五十元以上二百元以下罚款。

第十条 本办法自印发之日起施行。""",
        explanation="""一、起草背景
我区自2020年起在部分街道开展生活垃圾分类试点，居民知晓率明显提高，但定时定点投放落实不到位、混收混运、管理责任不清等问题仍然存在，需要以规范性文件明确各方责任。

二、主要内容
征求意见稿共十条，明确了分类标准、管理责任人、投放要求、收运要求、激励措施和法律责任。

三、听证安排
本办法涉及居民日常生活，设定了罚款条款，区城市管理局将在征求意见期间举行听证会。""",
        gatherings=[
            Gathering(
                "hearing",
                "hearing",
                28,
                "14:30",
                "区政务服务中心四楼听证室",
                35,
                "区城市管理局举行听证会。听证代表20名（居民代表9名、物业服务企业代表4名、"
                "区人大代表和区政协委员各2名、专家学者3名），旁听群众15人。\n"
                "听证的焦点：定时定点投放时段是否合理；对个人违规投放罚款的必要性和执法方式；"
                "物业服务企业值守成本由谁承担。多数代表支持实行分类投放，建议延长投放时段、"
                "设置误时投放点，对个人违规先教育后处罚。\n"
                "听证笔录经听证代表签字确认，将作为修改办法的重要依据。",
                (29, "10:00"),
            )
        ],
        followups=[
            (
                23,
                "11:00",
                "adjust",
                (
                    "admin",
                    {"planned_time": f"{y}-12"},
                    "征求意见期间收到意见较多，需组织听证会并进行专家论证，"
                    "决策时间由9月调整为12月。",
                ),
            ),
            (48, "16:00", "procedure", PP),
            (56, "15:00", "procedure", EA),
            (58, "15:00", "procedure", RA),
            (60, "17:00", "status", MatterStatus.DELIBERATING.value),
        ],
        remarks=[
            Remark(
                1,
                "20:30",
                "严晓军",
                "小区只有一个投放点，离最远的楼栋有三百多米，老人提着厨余垃圾走一趟很吃力。"
                "建议每200户至少设一个投放点，撤桶并点要考虑老年人的实际情况。",
                clause=5,
            ),
            Remark(
                5,
                "12:10",
                "范丽",
                "厨余垃圾要去除塑料袋，在家里破袋太脏了。投放点旁边一定要有破袋器和洗手池，"
                "不然执行不下去。",
                clause=6,
                show=False,
            ),
            Remark(
                9,
                "19:50",
                "汪涛",
                "积分兑换可以，但不要一阵风。我们小区之前搞过积分，半年后兑换点就关了。建议积分"
                "全区通用，可以在超市和菜场使用。",
                clause=8,
            ),
            Remark(
                11,
                "07:45",
                "葛文",
                "罚款上限二百元不算高，关键是怎么取证，总不能在每个垃圾桶旁边都装摄像头。"
                "建议先把宣传和现场指导做到位，再谈处罚。",
                clause=9,
            ),
            Remark(
                12,
                "20:30",
                "高志明",
                "四分类对老年人来说有点复杂，能不能先推行厨余垃圾和其他垃圾两分类，"
                "条件成熟后再细分？",
                clause=2,
                show=False,
            ),
            Remark(
                14,
                "22:05",
                "金先生",
                "我们小区楼下的烧烤店每天晚上油烟很大，吵到半夜，投诉好多次都没人管，"
                "请城管局赶紧处理！",
                show=False,
                hidden=(
                    15,
                    "09:40",
                    "off_topic",
                    "内容与本次征求意见无关，已转12345热线按投诉件办理。",
                ),
            ),
            Remark(
                21,
                "08:40",
                "邹建",
                "建议增加对快递包装、外卖餐盒等源头减量的要求，商家应当减少过度包装，"
                "只靠居民末端分类效果有限。",
            ),
            Remark(
                28,
                "15:10",
                "刘建军（居民代表）",
                "定时定点投放时间早上7点到9点太紧，上班族赶不上。建议早上延长到9点半、晚上延长到"
                "22点，并保留一个24小时误时投放点。",
                clause=5,
                source="hearing",
                activity="hearing",
                entered=(29, "10:20"),
            ),
            Remark(
                28,
                "15:40",
                "柯小红（区人大代表）",
                "对个人罚款应当慎用。建议先教育、后处罚，首次违规只劝导和登记，多次违规再处罚，"
                "并明确执法主体和取证方式。",
                clause=9,
                source="hearing",
                activity="hearing",
                entered=(29, "10:25"),
            ),
            Remark(
                28,
                "16:05",
                "钟海波（物业服务企业代表）",
                "物业企业作为管理责任人，承担了大量人工值守成本，却没有相应的收费依据。建议明确"
                "值守人员补贴的来源，或由街道统筹招募志愿者。",
                clause=4,
                source="hearing",
                activity="hearing",
                entered=(29, "10:30"),
            ),
            Remark(
                33,
                "17:20",
                "熊晓薇",
                "我亲眼看到过分好类的垃圾被垃圾车混在一起拉走，居民积极性一下就没了。建议运输车辆"
                "安装监控并公开收运时间，接受居民监督。",
                clause=7,
                show=False,
                contact="xiongxw@example.com",
            ),
            Remark(
                36,
                "17:00",
                "象湖街道居民",
                "社区意见箱来件：建议罚款收入专项用于垃圾分类设施建设，并每年公开使用情况。",
                clause=9,
                show=False,
                source="mailbox",
                entered=(37, "09:30"),
            ),
        ],
    )


def _urban_renewal(today: date, y: int) -> Call:
    """Open now, a plan without numbered articles: comments address the draft as a whole."""
    return Call(
        key="urban_renewal",
        title=f"东湖区城市更新专项规划（{y}—{y + 9}年）（征求意见稿）",
        opens_on=today - timedelta(days=25),
        closes=(40, "17:30"),
        contact="区自然资源局国土空间规划科，电话 0791-8867 4402，邮箱 zrzyj@donghu.example",
        draft=f"""一、规划范围和期限
规划范围为东湖区全域，面积约41.2平方公里。规划期限为{y}—{y + 9}年，近期至{y + 4}年。

二、更新目标
坚持“留改拆”并举、以保留利用提升为主，到{y + 9}年基本完成老旧小区、老旧街区和老旧厂区的更新改造，城市功能品质和人居环境明显改善。

三、更新单元
全区划定城市更新单元18个，其中综合整治类11个、功能转变类4个、拆除重建类3个。各单元的范围、主导功能和公共服务设施配套要求见附表。

四、历史文化保护
更新单元内的历史建筑、传统风貌建筑一律保留，不大拆大建；拆除建筑面积原则上不大于现状总建筑面积的20%。

五、公共服务设施
按照15分钟社区生活圈标准，补齐养老、托育、医疗、体育和停车设施短板，新增公共空间优先用于公园绿地和慢行系统。

六、实施机制
建立“区级统筹、街道主体、居民参与”的工作机制，鼓励原产权人自主更新、市场主体参与更新，更新项目方案应当充分听取居民意见。""",
        explanation="""本规划是指导全区城市更新工作的专项规划。规划草案已经专家论证，现公开征求意见。规划涉及的更新单元范围以附表为准；本规划将举行听证会，时间另行公告。""",
        remarks=[
            Remark(
                2,
                "20:00",
                "孔德华",
                "规划提出拆除建筑面积原则上不大于20%，希望严格执行。老城区的老街巷是东湖区的记忆，"
                "更新应当修修补补，而不是推倒重来。",
            ),
            Remark(
                7,
                "12:30",
                "杨帆",
                "附表没有列出各更新单元的边界图，居民很难判断自己家是否在拆除重建范围内，"
                "建议补充公布图纸。",
                show=False,
                contact="yangfan@example.com",
            ),
            Remark(
                15,
                "19:15",
                "任志刚",
                "建议在功能转变类单元中预留一定比例的保障性租赁住房，满足新市民和青年人的住房需求。",
            ),
            Remark(
                18,
                "17:00",
                "滨江社区居民",
                "社区意见箱来件：希望城市更新中保留菜市场和老字号小店，不要都改成高档商业。",
                show=False,
                source="mailbox",
                entered=(19, "10:00"),
            ),
        ],
    )


def _old_housing(last: int) -> Call:
    """Last year: consulted before the matter was decided."""
    y = last
    return Call(
        key="old_housing",
        title=f"东湖区老旧小区改造三年行动计划（{y}—{y + 2}年）（征求意见稿）",
        opens_on=date(y, 2, 24),
        created=(-4, "15:00"),
        contact="区住建局房产管理科，电话 0791-8861 2310，邮箱 zjj@donghu.example",
        draft=f"""为贯彻落实国家和省、市关于全面推进城镇老旧小区改造工作的部署，改善居民居住条件，结合本区实际，制定本行动计划。

第一条 本区2000年底前建成、失养失修失管、市政配套设施不完善、居民改造意愿强烈的住宅小区，纳入改造范围。

第二条 {y}年至{y + 2}年，全区计划改造老旧小区156个，涉及居民约3.2万户、建筑面积约260万平方米。

第三条 改造内容分为三类：（一）基础类：供水、排水、供电、燃气、通信等管线改造，屋面防水和楼道照明；（二）完善类：加装电梯、停车设施、无障碍设施和适老化改造；（三）提升类：社区养老、托育、便民市场等公共服务设施。

第四条 改造项目实行“居民提、大家议、集体定”，改造方案应当经小区三分之二以上住户同意。

第五条 建立政府与居民合理共担机制，鼓励居民通过使用住宅专项维修资金、让渡小区公共收益等方式出资，鼓励管线单位和社会资本参与。

第六条 改造完成的小区应当同步建立物业管理或者社区托管机制，实现有人管、有钱管、管得好。

第七条 本行动计划由区住房和城乡建设局负责解释。""",
        explanation="""本行动计划根据全区老旧小区摸底调查结果起草，明确了三年改造范围、目标、内容、居民参与、资金筹措和长效管理要求。""",
        remarks=[
            Remark(
                2,
                "19:30",
                "詹丽华",
                "加装电梯是老小区居民最迫切的愿望，建议把加装电梯列入基础类，补助标准再提高一些，"
                "低楼层住户的补偿办法也要明确。",
                clause=3,
            ),
            Remark(
                6,
                "10:15",
                "秦国强",
                "三分之二以上住户同意的门槛对加装电梯这类项目太高，一楼住户往往反对。建议区分"
                "改造内容，基础类改造不设同意门槛。",
                clause=4,
                show=False,
            ),
            Remark(
                11,
                "21:00",
                "杜晓峰",
                "改造后一定要有人管。我们小区三年前改造过一次，没有物业，现在又破了。",
                clause=6,
            ),
            Remark(
                13,
                "14:00",
                "方女士",
                "来电人反映：所在小区燃气管道老化，建议将燃气管道改造列为第一批改造内容，"
                "优先安排。",
                clause=3,
                show=False,
                source="hotline",
                entered=(14, "09:10"),
            ),
            Remark(
                17,
                "09:25",
                "苏梅",
                "居民出资部分建议可以分期缴纳，并公开每个项目的资金使用明细。",
                clause=5,
                show=False,
                contact="sumei@example.com",
            ),
            Remark(
                24,
                "15:40",
                "陆志远",
                "建议改造前充分听取残疾人和老年人的意见，楼道扶手、坡道这些小改造对他们很重要。",
            ),
        ],
    )


def _normative_documents(last: int) -> Call:
    """Last year: closed long ago, the matter never went further (not completed)."""
    y = last
    return Call(
        key="normative_documents",
        title="东湖区行政规范性文件管理办法（征求意见稿）",
        opens_on=date(y, 9, 15),
        created=(-4, "10:00"),
        closes=(35, "17:30"),
        contact="区司法局法治督察科，电话 0791-8866 1048，邮箱 sfj@donghu.example",
        draft="""为规范行政规范性文件的制定和监督管理，推进依法行政，根据国务院办公厅关于加强行政规范性文件制定和监督管理工作的有关要求，结合本区实际，制定本办法。

第一条 本办法所称行政规范性文件，是指除政府规章外，区人民政府及其工作部门依照法定权限、程序制定并公开发布，涉及公民、法人和其他组织权利义务，具有普遍约束力，在一定期限内反复适用的公文。

第二条 行政规范性文件不得增加法律、法规规定之外的行政权力事项或者减少法定职责，不得违法减损公民、法人和其他组织的合法权益或者增加其义务。

第三条 起草涉及群众切身利益的行政规范性文件，应当向社会公开征求意见，期限一般不少于30日。

第四条 行政规范性文件提交审议前，应当由区司法局进行合法性审核；未经合法性审核或者经审核不合法的，不得提交审议。

第五条 行政规范性文件应当在区人民政府门户网站统一公布；未经公布的，不得作为行政管理的依据。

第六条 行政规范性文件的有效期一般为5年。起草单位应当在有效期届满前6个月进行评估，作出继续施行、修改或者废止的决定。""",
        explanation="""本办法细化行政规范性文件的起草、公开征求意见、合法性审核、公布和评估清理程序，落实合法性审核全覆盖的要求。""",
        remarks=[
            Remark(
                3,
                "16:20",
                "吕志宏（律师）",
                "建议明确合法性审核的期限，一般不超过15个工作日，情况复杂的可以延长，避免审核环节"
                "久拖不决。",
                clause=4,
            ),
            Remark(
                12,
                "10:05",
                "曾琳",
                "建议建立行政规范性文件统一查询平台，标注现行有效、已修改、已废止状态，方便企业"
                "和群众查询。",
                clause=5,
                show=False,
            ),
            Remark(
                30,
                "09:00",
                "熊建明（律师）",
                "来信摘要：有效期届满前的评估应当公开评估结论，并听取文件适用对象的意见。",
                clause=6,
                source="letter",
                entered=(33, "15:00"),
            ),
        ],
    )


def _consultations(today: date, last: int, current: int) -> list[Call]:
    return [
        _old_housing(last),
        _normative_documents(last),
        _waste_sorting(today, current),
        _minimum_living(today, current),
        _ebike_charging(today, current),
        _urban_renewal(today, current),
        _parking(today, current),
        _slow_traffic(today, current),
        _pipes(today, current),
    ]


# --- the public-representative pool and its meetings -------------------------------------
#
# The government office builds the pool (社会公众代表库) at the start of last year, for a
# three-year term; a few people leave it on the way. Last year's and this year's standing
# meetings, a hearing and a symposium have happened and their outcomes are published; a
# standing meeting next week and a 区住建局 symposium are still to come. The past meetings
# are tied to their matters' decision days; the symposium and the two meetings to come are
# dated from today, like this year's consultations.


@dataclass(frozen=True)
class Person:
    """One member of the pool. `phone` and `email` are private (rule 6)."""

    name: str
    category: str
    affiliation: str
    interests: str
    phone: str
    email: str | None = None
    account: str | None = None  # the demo account linked to this representative
    term_ends: tuple[int, int] | None = None  # (month, day) of this year: a shorter term


_POOL = story.load("representatives")
PEOPLE: list[Person] = [
    Person(**{**p, "term_ends": story.month_day(p["term_ends"]) if "term_ends" in p else None})
    for p in _POOL["people"]
]
# (day, name, status, reason): the government office changes a membership during the term.
STATUS_CHANGES: list[tuple[tuple[int, int], str, str, str]] = [
    (story.month_day(c["on"]), c["name"], c["status"], c["reason"]) for c in _POOL["status_changes"]
]
# (name, matter title prefix, note): declared on joining the pool; such a person is never
# drawn for, nor invited to, a meeting that decides the matter.
CONFLICTS: list[tuple[str, str, str]] = [
    (c["name"], c["matter"], c["note"]) for c in _POOL["conflicts"]
]
REJECTED_APPLICATION = {k: v for k, v in _POOL["applications"]["rejected"].items() if k != "reason"}
REJECTION_REASON = _POOL["applications"]["rejected"]["reason"]
# Made on the public form, without an account: approving it opens one for the address.
OPEN_APPLICATION = _POOL["applications"]["open"]
PENDING_APPLICATION = _POOL["applications"]["pending"]

Who = str | tuple[str, str, int] | tuple[str, str]
# A name; ("drawn", category, rank in the draw's result); ("substitute", category);
# "*": everyone whose invitation is still pending.


@dataclass
class Sitting:
    """A government meeting representatives attend, and what happened at and after it."""

    key: str
    kind: str
    title: str
    place: str
    dept: str | None  # short name of the organising department; None: the district government
    organiser: str  # the demo account that schedules and runs it
    created: datetime
    starts_at: datetime
    ends_at: datetime
    deadline: datetime
    seats: int
    agenda: list[tuple[str, tuple[int, str] | None]]  # (title, (year, matter title prefix))
    invited: list[str] = field(default_factory=list)  # by hand, right after scheduling
    draw: tuple[str, dict[str, int]] | None = None  # (seed, quotas), after the invitations
    replies: list[tuple[datetime, Who, bool, str | None]] = field(default_factory=list)
    no_shows: list[Who] = field(default_factory=list)
    # A meeting still under way: who has checked in so far, and when.
    arrivals: list[tuple[datetime, Who]] = field(default_factory=list)
    remarks: list[tuple[Who, int | None, str]] = field(default_factory=list)
    # (who, agenda position or None for the meeting as a whole, text)
    outcome: tuple[datetime, str, list[tuple[str, str | None]]] | None = None
    # (published at, summary, [(decision, policy interpretation)] per agenda item)


def _sittings(plan: _Plan, today: date, last: int, current: int) -> list[Sitting]:
    at = plan.at
    d = date
    # The standing meeting of next week: on its Thursday.
    next_week = today + timedelta(days=7 - today.weekday() + 3)
    housing_day = today + timedelta(days=3)
    symposium_day = today - timedelta(days=3)
    # Under way as the demo is seeded: it starts within the hour, so check-in is open and
    # the venue screen shows its code (the demo representative has not checked in yet).
    half_hour = plan.now.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=30 * (plan.now.minute // 30)
    )
    on_site_start = half_hour + timedelta(minutes=30)
    return [
        Sitting(
            key="standing_last_year",
            kind="standing",
            title=f"区政府{last}年第20次常务会议",
            place="区政府五楼常务会议室",
            dept=None,
            organiser="admin",
            created=at(d(last, 10, 28), 10),
            starts_at=at(d(last, 11, 7), 9),
            ends_at=at(d(last, 11, 7), 12),
            deadline=at(d(last, 11, 4), 17),
            seats=6,
            agenda=[
                (
                    f"审议《东湖区中小学校布局专项规划（{last}—{last + 10}年）》",
                    (last, "东湖区中小学校布局专项规划"),
                ),
                ("听取全区冬季安全生产和森林防火工作情况汇报", None),
            ],
            invited=["周文静"],
            draw=(
                f"DH-{last}-CW20",
                {"npc_deputy": 1, "cppcc_member": 1, "expert": 1, "media": 1, "supervisor": 1},
            ),
            replies=[
                (
                    at(d(last, 10, 28), 21, 5),
                    "周文静",
                    False,
                    "当日在市人大参加代表专题调研，无法列席。",
                ),
                (
                    at(d(last, 10, 29), 15, 20),
                    ("drawn", "expert", 0),
                    False,
                    "当日在外地参加学术会议。",
                ),
                (at(d(last, 10, 30), 9, 30), "*", True, None),
            ],
            no_shows=[("drawn", "supervisor", 0)],
            remarks=[
                (
                    ("drawn", "npc_deputy", 0),
                    1,
                    "建议新建学校与周边小区同步规划上下学接送通道，并在学校附近预留临时停车泊位，"
                    "避免开学后出现新的拥堵点。",
                ),
                (
                    ("drawn", "media", 0),
                    1,
                    "规划中学位预测的依据和学区调整方案建议一并向社会公开，便于家长提前了解。",
                ),
            ],
            outcome=(
                at(d(last, 11, 10), 15),
                "会议审议通过《东湖区中小学校布局专项规划》，听取了全区冬季安全生产和森林防火"
                "工作情况汇报。5名社会公众代表受邀列席会议，4名到会。列席代表的意见已交承办部门"
                "研究吸收。",
                [
                    (
                        "原则通过。请区教育局会同区自然资源局根据会议意见修改完善后印发实施，"
                        "并将新建学校交通组织纳入项目设计。",
                        "规划至2035年新建中小学校6所、改扩建9所，新增学位约1.2万个，优先解决城区"
                        "学位紧张的片区。学区调整方案将另行公开征求意见，已入学学生不受影响。",
                    ),
                    (
                        "会议要求各街道、各部门落实冬季安全生产责任，重点排查老旧小区燃气管道和"
                        "电动自行车充电隐患。",
                        None,
                    ),
                ],
            ),
        ),
        Sitting(
            key="hearing",
            kind="hearing",
            title="《东湖区历史文化街区保护与利用规划》听证会",
            place="区自然资源局一楼听证室",
            dept="自然资源局",
            organiser="admin",
            created=at(d(current, 6, 30), 10),
            starts_at=at(d(current, 7, 16), 14, 30),
            ends_at=at(d(current, 7, 16), 17, 30),
            deadline=at(d(current, 7, 10), 17),
            seats=6,
            agenda=[
                (
                    "听取公众对历史文化街区保护范围和活化利用方式的意见",
                    (current, "东湖区历史文化街区保护与利用规划"),
                )
            ],
            invited=["涂建华", "陈思远", "许嘉怡", "郭静怡", "徐建平", "周文静"],
            replies=[
                (
                    at(d(current, 7, 2), 11, 5),
                    "郭静怡",
                    False,
                    "当日有外出采访任务，已安排同事到场报道。",
                ),
                (at(d(current, 7, 3), 10), "*", True, None),
            ],
            no_shows=["周文静"],
            remarks=[
                (
                    "涂建华",
                    1,
                    "建议把万寿宫—翠花街一带的传统里弄格局整体纳入核心保护范围，"
                    "不要只保护单体建筑。",
                ),
                (
                    "陈思远",
                    1,
                    "活化利用要给原住居民留出空间，不能把街区全部改成商业街。",
                ),
                (
                    "徐建平",
                    1,
                    "历史建筑修缮资金的来源和标准应当公开，修缮期间居民的临时安置也要有方案。",
                ),
            ],
            outcome=(
                at(d(current, 7, 24), 10),
                "听证会由区自然资源局组织，听证代表、社会公众代表和相关街道、社区居民代表参加。"
                "4名社会公众代表到会，其中3名发言。听证意见已整理成听证报告，作为决策的重要依据。",
                [
                    (
                        "区自然资源局根据听证意见修改规划草案：扩大核心保护范围，增加原住居民"
                        "保障条款，修改完善后提请区政府常务会议审议。",
                        "听证会不直接作出决定。听证报告列明采纳和未采纳的意见及理由，"
                        "与规划草案一并提交区政府审议，并在政府网站公开。",
                    )
                ],
            ),
        ),
        Sitting(
            key="standing",
            kind="standing",
            title=f"区政府{current}年第18次常务会议",
            place="区政府五楼常务会议室",
            dept=None,
            organiser="admin",
            created=at(d(current, 11, 3), 10),
            starts_at=at(d(current, 11, 12), 9),
            ends_at=at(d(current, 11, 12), 12),
            deadline=at(d(current, 11, 10), 17),
            seats=8,
            agenda=[
                ("审议《东湖区政府购买服务管理办法》", (current, "东湖区政府购买服务管理办法")),
                (
                    "审议《东湖区区级财政专项资金管理办法（送审稿）》",
                    (current, "东湖区区级财政专项资金管理办法"),
                ),
                (
                    "审议《东湖区“一刻钟便民生活圈”建设实施方案》",
                    (current, "东湖区“一刻钟便民生活圈”建设实施方案"),
                ),
            ],
            invited=["周文静"],
            draw=(
                f"DH-{current}-CW18",
                {
                    "npc_deputy": 1,
                    "cppcc_member": 1,
                    "expert": 1,
                    "entrepreneur": 1,
                    "media": 1,
                    "new_social_strata": 1,
                    "supervisor": 1,
                },
            ),
            replies=[
                (at(d(current, 11, 3), 20, 10), "周文静", True, None),
                (
                    at(d(current, 11, 4), 9, 40),
                    ("drawn", "cppcc_member", 0),
                    False,
                    "当日需参加市政协专题视察活动，无法列席。",
                ),
                (at(d(current, 11, 5), 10), "*", True, None),
            ],
            no_shows=[("drawn", "new_social_strata", 0)],
            remarks=[
                (
                    ("drawn", "expert", 0),
                    1,
                    "建议在办法中明确购买服务项目的绩效评价结果向社会公开，并作为下一年度"
                    "预算安排的依据。",
                ),
                (
                    ("drawn", "entrepreneur", 0),
                    2,
                    "专项资金的申报指南建议提前一个季度发布，给中小企业留出准备时间。",
                ),
                (
                    "周文静",
                    3,
                    "便民生活圈建设请优先考虑老旧小区集中的街道，很多老人买菜、修鞋、理发都要"
                    "走很远。",
                ),
            ],
            outcome=(
                at(d(current, 11, 13), 16),
                "会议审议通过《东湖区政府购买服务管理办法》，原则同意《东湖区区级财政专项资金"
                "管理办法（送审稿）》和《东湖区“一刻钟便民生活圈”建设实施方案》，请承办部门根据"
                "会议意见修改完善。8名社会公众代表受邀列席会议，7名到会，3名代表发言。",
                [
                    (
                        "审议通过，由区财政局印发实施。",
                        "办法明确，政府购买服务只能购买属于政府职责范围、适合采取市场化方式提供的"
                        "服务，不得以购买服务名义变相用工或者举借债务。购买服务项目的绩效评价结果"
                        "向社会公开，并作为以后年度预算安排的重要依据（采纳列席代表意见）。",
                    ),
                    (
                        "原则同意。请区财政局根据会议讨论意见修改完善，按程序提请区委审定后印发。",
                        "专项资金实行目录管理，到期自动退出；申报指南原则上提前一个季度公布"
                        "（采纳列席代表意见），分配结果和绩效情况逐项公开。",
                    ),
                    (
                        "原则同意。请区发改委会同各街道优先在老旧小区集中的片区布点，修改完善后印发。",
                        "方案提出到2028年建成15个便民生活圈示范社区，居民步行15分钟内可以买到"
                        "蔬菜、早餐，找到维修、家政、理发等服务。",
                    ),
                ],
            ),
        ),
        Sitting(
            key="symposium",
            kind="symposium",
            title="《东湖区最低生活保障家庭经济状况核对办法》社会公众代表座谈会",
            place="区民政局三楼会议室",
            dept="民政局",
            organiser="admin",
            created=at(today - timedelta(days=10), 10),
            starts_at=at(symposium_day, 14, 30),
            ends_at=at(symposium_day, 16, 30),
            deadline=at(today - timedelta(days=5), 17),
            seats=6,
            agenda=[
                (
                    "听取对《东湖区最低生活保障家庭经济状况核对办法（征求意见稿）》的意见",
                    (current, "东湖区最低生活保障家庭经济状况核对办法"),
                )
            ],
            invited=["聂红"],
            draw=(
                f"DH-{current}-MZ-ZTH",
                {"npc_deputy": 1, "new_social_strata": 1, "supervisor": 1, "other": 1},
            ),
            replies=[
                (
                    at(today - timedelta(days=9), 11),
                    ("drawn", "other", 0),
                    False,
                    "当天要出车，无法请假。",
                ),
                (at(today - timedelta(days=8), 10), "*", True, None),
            ],
            remarks=[
                (
                    "聂红",
                    1,
                    "建议核对授权书一次签署、在保障期内持续有效，复核时不再要求低保家庭重复签字，"
                    "减少群众跑腿。",
                ),
                (
                    ("drawn", "supervisor", 0),
                    1,
                    "第五条车辆价值5万元的标准偏低，建议参照残疾人代步车和营运车辆的实际情况分别认定。",
                ),
                (
                    ("drawn", "npc_deputy", 0),
                    None,
                    "希望核对结果能告知申请人本人，不符合条件的要说明依据。",
                ),
            ],
            outcome=(
                at(today - timedelta(days=1), 16),
                "座谈会由区民政局组织，听取社会公众代表对核对办法征求意见稿的意见。代表对核对"
                "授权、车辆认定标准和结果告知提出了意见；关于征求意见稿条文的意见已作为公开"
                "征求意见的一部分登记，由区民政局在意见采纳情况反馈中逐条答复。",
                [
                    (
                        "座谈会不作决定。区民政局将根据公开征求意见和座谈会意见修改征求意见稿，"
                        "经合法性审查后提请区政府常务会议审议。",
                        "核对只用于社会救助审核确认，查询全程留痕；核对结果将告知申请人，"
                        "不符合条件的说明理由，申请人可以申请复查。",
                    )
                ],
            ),
        ),
        Sitting(
            key="standing_next_week",
            kind="standing",
            title=f"区政府{current}年第20次常务会议",
            place="区政府五楼常务会议室",
            dept=None,
            organiser="admin",
            created=at(today - timedelta(days=2), 10),
            starts_at=at(next_week, 9),
            ends_at=at(next_week, 12),
            deadline=at(next_week - timedelta(days=2), 17),
            seats=7,
            agenda=[
                (
                    "审议《东湖区中心城区交通拥堵综合治理方案》",
                    (current, "东湖区中心城区交通拥堵综合治理方案"),
                ),
                (
                    "审议《东湖区历史文化街区保护与利用规划》",
                    (current, "东湖区历史文化街区保护与利用规划"),
                ),
            ],
            invited=["周文静"],
            draw=(
                f"DH-{current}-CW20",
                {"cppcc_member": 1, "expert": 1, "entrepreneur": 1, "media": 1, "supervisor": 1},
            ),
            replies=[
                (at(today - timedelta(days=1), 9, 15), ("drawn", "expert", 0), True, None),
                (
                    at(today - timedelta(days=1), 11),
                    ("drawn", "media", 0),
                    False,
                    "当天要跟随市里的督查组外出采访。",
                ),
            ],
        ),
        Sitting(
            key="on_site_now",
            kind="symposium",
            title="《东湖区中心城区交通拥堵综合治理方案》社会公众代表座谈会",
            place="区交通运输局二楼会议室",
            dept="交通局",
            organiser="transport",
            created=on_site_start - timedelta(days=7),
            starts_at=on_site_start,
            ends_at=on_site_start + timedelta(hours=2),
            deadline=on_site_start - timedelta(days=1, hours=2),
            seats=5,
            agenda=[
                (
                    "听取对学校、医院和商圈周边交通组织优化方案的意见",
                    (current, "东湖区中心城区交通拥堵综合治理方案"),
                )
            ],
            invited=["周文静", "潘永康", "赵志刚", "付晓婷", "万国平"],
            replies=[
                (
                    on_site_start - timedelta(days=6, hours=3),
                    "付晓婷",
                    False,
                    "当天值班编辑夜班稿件，无法到会。",
                ),
                (on_site_start - timedelta(days=5, hours=4), "*", True, None),
            ],
            arrivals=[
                (plan.now - timedelta(minutes=12), "潘永康"),
                (plan.now - timedelta(minutes=4), "赵志刚"),
            ],
        ),
        Sitting(
            key="housing_symposium",
            kind="symposium",
            title="住宅小区物业服务提升方案社会公众代表座谈会",
            place="区住建局四楼会议室",
            dept="住建局",
            organiser="housing",
            created=at(today - timedelta(days=4), 15),
            starts_at=at(housing_day, 14, 30),
            ends_at=at(housing_day, 16, 30),
            deadline=at(housing_day - timedelta(days=1), 12),
            seats=6,
            agenda=[
                (
                    "听取对《东湖区住宅小区物业服务提升方案（初稿）》的意见",
                    (current, "东湖区住宅小区物业服务提升方案"),
                ),
                ("讨论物业服务质量评价指标", None),
            ],
            invited=["周文静", "孙悦", "李桂英", "胡志强"],
            replies=[
                (at(today - timedelta(days=3), 19, 40), "周文静", True, None),
                (at(today - timedelta(days=2), 9), "李桂英", True, None),
            ],
        ),
    ]


def _find_invitation(meeting: Meeting, who: Who, names: dict[str, Representative]) -> Invitation:
    if isinstance(who, str):
        rep_id = names[who].id
        return next(i for i in meeting.invitations if i.representative_id == rep_id)
    if who[0] == "drawn":
        _kind, category, rank = who
        rep_id = meeting.draws[0].result[category][rank]
        return next(i for i in meeting.invitations if i.representative_id == rep_id)
    _kind, category = who
    return next(
        i
        for i in meeting.invitations
        if i.source == InvitationSource.SUBSTITUTE and i.representative.category == category
    )


def _arrive(m: Meeting, invitation: Invitation, own: User | None, organiser: User) -> None:
    """A representative with an account scans the venue screen; the staff at the door check
    the others in by the code on their pass."""
    if own is not None:
        code, _changes = meetings.venue_code(m, actor=organiser)
        meetings.check_in_on_site(m, code, actor=own)
    else:
        meetings.check_in(m, invitation.checkin_code, actor=organiser)


def _matter_titled(year: int, prefix: str) -> DecisionMatter | None:
    return db.session.scalar(
        sa.select(DecisionMatter).where(
            DecisionMatter.year == year, DecisionMatter.title.startswith(prefix)
        )
    )


def _schedule_pool(
    plan: _Plan,
    users: dict[str, User],
    names: dict[str, Representative],
    today: date,
    last: int,
    current: int,
) -> None:
    """The government office builds the pool; memberships change; the resident applies."""
    admin = users["admin"]

    def build() -> None:
        for p in PEOPLE:
            term_end = date(current, *p.term_ends) if p.term_ends else date(last + 2, 12, 31)
            names[p.name] = representatives.add_representative(
                {
                    "name": p.name,
                    "category": p.category,
                    "affiliation": p.affiliation,
                    "interests": p.interests,
                    "term_start": date(last, 1, 1),
                    "term_end": term_end,
                    "phone": p.phone,
                    "email": p.email,
                    "user_id": users[p.account].id if p.account else None,
                },
                actor=admin,
            )

    plan.add(plan.at(date(last, 1, 8), 10), build)

    for (month, day), name, status, reason in STATUS_CHANGES:

        def change(name=name, status=status, reason=reason) -> None:
            representatives.set_status(names[name], status, reason, actor=admin)

        plan.add(plan.at(date(current, month, day), 10), change)

    # Terms end by themselves; `flask tick` records it just after midnight.
    for p in PEOPLE:
        if p.term_ends:
            ended = date(current, *p.term_ends) + timedelta(days=1)
            plan.add(plan.at(ended, 0, 5), representatives.end_expired_terms)

    for name, prefix, note in CONFLICTS:

        def conflict(name=name, prefix=prefix, note=note) -> None:
            representatives.record_conflict(
                names[name], _matter_titled(current, prefix), note, actor=admin
            )

        plan.add(plan.at(date(current, 2, 20), 10), conflict)

    resident = users["resident"]
    state: dict[str, RepresentativeApplication] = {}

    def apply_first() -> None:
        state["first"] = representatives.apply(resident, REJECTED_APPLICATION)

    def reject() -> None:
        representatives.decide_application(
            state["first"], False, {"reason": REJECTION_REASON}, actor=admin
        )

    def apply_again() -> None:
        representatives.apply(resident, PENDING_APPLICATION)

    plan.add(plan.at(date(last, 5, 10), 20, 15), apply_first)
    plan.add(plan.at(date(last, 5, 16), 10), reject)
    plan.add(plan.at(today - timedelta(days=5), 20, 30), apply_again)
    plan.add(
        plan.at(today - timedelta(days=2), 21, 10),
        lambda: representatives.apply_without_account(OPEN_APPLICATION),
    )


def _schedule_sitting(
    plan: _Plan,
    s: Sitting,
    users: dict[str, User],
    depts: dict[str, Department],
    names: dict[str, Representative],
) -> None:
    """Schedule, invite and draw, replies (a declined drawn seat goes to a substitute),
    check-in at the door, attendance, remarks and the published outcome."""
    organiser = users[s.organiser]
    state: dict[str, Meeting] = {}

    def meeting() -> Meeting:
        return state["meeting"]

    def actor_of(invitation: Invitation) -> User | None:
        # A representative with an account answers and checks in herself; the others reply by
        # telephone and are checked in at the door.
        return invitation.representative.user

    def create() -> None:
        agenda = []
        for title, ref in s.agenda:
            matter = _matter_titled(*ref) if ref else None
            # A matter not yet in a published catalogue cannot be on a public agenda.
            agenda.append(
                {"title": title, "matter_id": matter.id if matter and matter.is_published else None}
            )
        state["meeting"] = meetings.create_meeting(
            {
                "kind": s.kind,
                "title": s.title,
                "place": s.place,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "registration_deadline": s.deadline,
                "seats": s.seats,
                "department_id": depts[s.dept].id if s.dept else None,
                "agenda": agenda,
            },
            actor=organiser,
        )

    plan.add(s.created, create)
    if s.invited:

        def invite() -> None:
            meetings.invite(meeting(), [names[n].id for n in s.invited], actor=organiser)

        plan.add(s.created + timedelta(minutes=20), invite)
    if s.draw:
        seed, quotas = s.draw

        def draw() -> None:
            meetings.run_draw(meeting(), {"seed": seed, "quotas": quotas}, actor=organiser)

        plan.add(s.created + timedelta(minutes=30), draw)

    for when, who, accept, reason in s.replies:

        def reply(who=who, accept=accept, reason=reason) -> None:
            m = meeting()
            if who == "*":
                pending = [i for i in m.invitations if i.status == InvitationStatus.PENDING]
                for n, invitation in enumerate(pending):
                    with clock.freeze(clock.now_utc() + timedelta(minutes=17 * n)):
                        meetings.respond(invitation, True, actor=actor_of(invitation) or SYSTEM)
                return
            invitation = _find_invitation(m, who, names)
            meetings.respond(invitation, accept, reason, actor=actor_of(invitation) or SYSTEM)

        plan.add(when, reply)

    for when, who in s.arrivals:

        def arrive(who=who) -> None:
            m = meeting()
            invitation = _find_invitation(m, who, names)
            _arrive(m, invitation, actor_of(invitation), organiser)

        plan.add(when, arrive)

    if s.outcome is None:
        return

    def check_in() -> None:
        m = meeting()
        absent = {_find_invitation(m, who, names).id for who in s.no_shows}
        arriving = [
            i for i in m.invitations if i.status == InvitationStatus.ACCEPTED and i.id not in absent
        ]
        for n, invitation in enumerate(arriving):
            with clock.freeze(clock.now_utc() + timedelta(minutes=4 * n)):
                _arrive(m, invitation, actor_of(invitation), organiser)

    plan.add(s.starts_at - timedelta(minutes=40), check_in)

    for n, (who, position, text) in enumerate(s.remarks):

        def remark(who=who, position=position, text=text) -> None:
            m = meeting()
            item = m.agenda[position - 1] if position else None
            meetings.add_remark(
                m,
                {
                    "representative_id": _find_invitation(m, who, names).representative_id,
                    "agenda_item_id": item.id if item else None,
                    "text": text,
                },
                actor=organiser,
            )

        plan.add(s.starts_at + timedelta(minutes=50 + 15 * n), remark)

    plan.add(
        s.ends_at + timedelta(minutes=20),
        lambda: meetings.close_attendance(meeting(), actor=organiser),
    )
    published, summary_text, decisions = s.outcome

    def publish() -> None:
        m = meeting()
        items = {
            item.id: {"decision": decision, "interpretation": interpretation}
            for item, (decision, interpretation) in zip(m.agenda, decisions, strict=True)
        }
        meetings.publish_outcome(m, {"summary": summary_text, "items": items}, actor=organiser)

    plan.add(published, publish)


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


def _schedule_consultation(
    plan: _Plan,
    call: Call,
    matter: Callable[[], DecisionMatter],
    officer: Callable[[], User],
    admin: User,
    users: dict[str, User],
    published_on: date | None,
) -> bool:
    """Put a consultation's story in the plan: the officer prepares it, it opens by the clock,
    residents comment, staff enter what came in offline, moderate, extend the window, and
    the matter moves on. Left out when it would start before its catalogue was published
    (the demo seeded early in a year)."""

    def at(day: int, hhmm: str) -> datetime:
        hour, minute = (int(part) for part in hhmm.split(":"))
        return plan.at(call.opens_on + timedelta(days=day), hour, minute)

    created = at(*call.created)
    if published_on is None or created < plan.at(published_on + timedelta(days=1), 9):
        log.info("demo: %s left out, it would precede its catalogue", call.key)
        return False
    opens_at = at(0, call.opens_at)
    state: dict[str, Any] = {"activities": {}, "comments": {}}

    def create() -> None:
        state["consultation"] = consultations.open_consultation(
            matter(),
            {
                "title": call.title,
                "draft": call.draft,
                "explanation": call.explanation,
                "contact": call.contact,
                "opens_at": opens_at,
                "closes_at": at(*call.closes),
            },
            actor=officer(),
        )

    plan.add(created, create)
    # What a request or `flask tick` does once the opening time has come.
    plan.add(opens_at, consultations.activate_due)

    if call.extension:
        day, hhmm, new_closing, announcement = call.extension
        new_closes_at = at(*new_closing)
        local_day = new_closes_at.astimezone(plan.zone).date()

        def extend() -> None:
            consultations.change_closing(
                state["consultation"],
                new_closes_at,
                announcement.format(date=_cn_date(local_day)),
                actor=officer(),
            )

        plan.add(at(day, hhmm), extend)

    for g in call.gatherings:

        def record(g=g) -> None:
            activity = consultations.record_activity(
                state["consultation"],
                {
                    "kind": g.kind,
                    "held_on": at(g.day, g.at).astimezone(plan.zone).date(),
                    "place": g.place,
                    "participants": g.participants,
                    "minutes": g.minutes,
                },
                actor=officer(),
            )
            state["activities"][g.key] = activity.id

        plan.add(at(*g.recorded), record)

    for n, r in enumerate(call.remarks):
        data = {
            "author_name": r.name,
            "show_name": r.show,
            "contact": r.contact,
            "body": r.body,
            "clause": r.clause,
            "consent": True,
        }
        if r.source == "online":

            def submit(n=n, r=r, data=data) -> None:
                state["comments"][n] = comments.submit_comment(
                    state["consultation"],
                    data,
                    ip=f"203.0.113.{(n * 37 + 11) % 250 + 2}",
                    user=users.get(r.account) if r.account else None,
                )

            plan.add(at(r.day, r.at), submit)
        else:
            if r.entered is None:
                raise ValueError(f"demo: an offline comment needs its entry time: {r.body[:20]}")

            def enter(n=n, r=r, data=data) -> None:
                extra = {"source": r.source, "received_at": at(r.day, r.at)}
                if r.activity:
                    extra["activity_id"] = state["activities"][r.activity]
                state["comments"][n] = comments.enter_offline_comment(
                    state["consultation"], {**data, **extra}, actor=officer()
                )

            plan.add(at(*r.entered), enter)
        if r.hidden:
            day, hhmm, reason, note = r.hidden

            def hide(n=n, reason=reason, note=note) -> None:
                comments.hide_comment(state["comments"][n], reason, note, actor=officer())

            plan.add(at(day, hhmm), hide)

    if call.crowd is not None:
        _schedule_crowd(plan, call.crowd, state, at, officer)

    for day, hhmm, kind, arg in call.followups:
        if kind == "adjust":
            who, changes, reason = arg

            def step(who=who, changes=changes, reason=reason) -> None:
                actor = admin if who == "admin" else officer()
                catalogue.update_matter(matter(), {**changes, "reason": reason}, actor=actor)

        elif kind == "procedure":

            def step(kind=arg, day=day) -> None:
                done_on = call.opens_on + timedelta(days=day)
                catalogue.record_procedure(matter(), kind, done_on, actor=officer())

        elif kind == "status":

            def step(target=arg) -> None:
                catalogue.change_status(matter(), target, actor=officer())

        else:  # pragma: no cover - a typo in the demo's own data
            raise ValueError(f"demo: unknown follow-up {kind!r}")
        plan.add(at(day, hhmm), step)
    return True


def _schedule_crowd(plan: _Plan, crowd, state: dict, at, officer) -> None:
    """A mass consultation: each online comment is stored as a request stores it, and grouped
    a moment later as the web process's grouping thread does (here: every hour, in a batch);
    the 12345 hotline's exports are imported by the officer."""
    hours = set()
    for c in crowd.online:

        def arrive(c=c) -> None:
            data = {
                "author_name": c.name,
                "show_name": c.show,
                "body": c.body,
                "clause": c.clause,
                "consent": True,
            }
            comments.store_comment(comments.check_comment(state["consultation"], data))

        plan.add(at(c.day, c.at), arrive)
        hours.add((c.day, c.at[:2]))
    for day, hour in sorted(hours):
        plan.add(at(day, f"{hour}:59"), lambda: grouping.group_all(state["consultation"].id))
    for day, hhmm, batch in crowd.hotline_imports:

        def load(batch=batch) -> None:
            records = [
                {
                    "source": c.source,
                    "submitted_at": at(c.day, c.at),
                    "author_name": c.name,
                    "show_name": c.show,
                    "body": c.body,
                    "clause": c.clause,
                }
                for c in batch
            ]
            comments.import_comments(state["consultation"], records, actor=officer())

        plan.add(at(day, hhmm), load)


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
        depts[short] = accounts.create_department({"name": name, "short_name": short}, actor=SYSTEM)
        key, email, display, role, dept = USERS[0]
        users[key] = accounts.create_user(
            {
                "email": email,
                "display_name": display,
                "password": DEMO_PASSWORD,
                "role": role,
                "department_id": depts[OFFICE].id,
            },
            actor=SYSTEM,
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
    consulted: dict[str, tuple[int, date | None]] = {}  # Spec.consultation → (key, published)

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
            if spec.consultation:
                consulted[spec.consultation] = (index, published_on)
        if published_on is not None:

            def publish(year=year) -> None:
                catalogue.publish_catalogue(db.session.get(CatalogueYear, year), actor=admin)

            plan.add(plan.at(published_on, 10, 30), publish)

    schedule_year(last, _last_year(last), date(last, 2, 18))
    schedule_year(current, _current_year(current), date(current, 2, 10))
    schedule_year(following, _next_year(following), None)
    for call in _consultations(today, last, current):
        index, published_on = consulted[call.key]
        _schedule_consultation(
            plan,
            call,
            lambda index=index: matters[index],
            lambda index=index: actor_for(index),
            admin,
            users,
            published_on,
        )
    names: dict[str, Representative] = {}
    _schedule_pool(plan, users, names, today, last, current)
    for sitting in _sittings(plan, today, last, current):
        _schedule_sitting(plan, sitting, users, depts, names)
    plan.run()
    grouping.group_all()  # what came in since the last hour's grouping
    db.session.flush()
    _seed_feedback(users, now)
    return summary(users, now)


_FEEDBACK = story.load("feedback")


def _answers(key: str) -> list[tuple[str, str | None]]:
    return [(a["disposition"], a.get("reason")) for a in _FEEDBACK[key]]


_DEMO_ANSWERS = _answers("answers")


def _answer(comment: Comment, index: int, actor: User, now: datetime) -> None:
    from consult.feedback import services as feedback

    disposition, reason = _DEMO_ANSWERS[index % len(_DEMO_ANSWERS)]
    if comment.is_hidden:
        disposition, reason = "not_applicable", _FEEDBACK["hidden_reason"]
    feedback.dispose_comment(
        comment, {"disposition": disposition, "reason": reason}, actor=actor, now=now
    )


def _seed_feedback(users: dict[str, User], now: datetime) -> None:
    """Feedback in each of its states: published with its PDF report, partly answered, and
    (left alone) overdue. Dated after each consultation closed; nothing in the future."""
    from consult.feedback import services as feedback

    admin = next(u for u in users.values() if u.role == Role.ADMIN)
    closed = list(
        db.session.scalars(
            sa.select(Consultation)
            .where(Consultation.closes_at < now, Consultation.feedback_published_at.is_(None))
            .order_by(Consultation.closes_at)
        )
    )
    published = 0
    for consultation in closed:
        title = consultation.matter.title
        answered_at = consultation.closes_at + timedelta(days=3)
        if answered_at > now:
            continue
        if (
            any(key in title for key in ("生活垃圾分类", "老旧小区改造三年行动计划"))
            and published < 2
        ):
            publish_at = consultation.closes_at + timedelta(days=21)
            if publish_at > now:
                continue
            with clock.freeze(answered_at):
                for i, comment in enumerate(feedback.all_comments(consultation)):
                    _answer(comment, i, admin, answered_at)
            with clock.freeze(publish_at):
                report = feedback.publish_feedback(
                    consultation,
                    {"summary": _FEEDBACK["published_summary"]},
                    actor=admin,
                    now=publish_at,
                )
                db.session.flush()
                # Small reports render in this process; the demo must end with the PDF ready.
                db.session.commit()
                feedback.render_report_now(report.id, workers=0)
            published += 1
        elif any(key in title for key in ("最低生活保障", "低保")):
            with clock.freeze(answered_at):
                for i, comment in enumerate(feedback.all_comments(consultation)[::2]):
                    _answer(comment, i, admin, answered_at)
    _seed_drafts(users, now)


# Answers the housing officer drafted while the consultations were open (internal until the
# feedback is published): the e-bike charging one, closed, with two comments left to answer;
# the parking one, still open, with its first answers drafted.
_EBIKE_DRAFTS = _answers("ebike_drafts")
_PARKING_DRAFTS = _answers("parking_drafts")


def _seed_drafts(users: dict[str, User], now: datetime) -> None:
    from consult.feedback import services as feedback

    officer = users["housing"]
    for key, answers, when in (
        ("电动自行车集中充电", _EBIKE_DRAFTS, None),
        ("停车设施改造", _PARKING_DRAFTS, now - timedelta(days=1)),
    ):
        consultation = db.session.scalar(
            sa.select(Consultation).where(Consultation.title.contains(key))
        )
        if consultation is None or consultation.opens_at > now:
            continue
        at = when or consultation.closes_at - timedelta(days=3)
        at = max(min(at, now), consultation.opens_at)
        with clock.freeze(at):
            own = [c for c in feedback.all_comments(consultation) if not c.is_hidden]
            for comment, (disposition, reason) in zip(own, answers, strict=False):
                feedback.dispose_comment(
                    comment, {"disposition": disposition, "reason": reason}, actor=officer, now=at
                )


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
            if "postpone" in data:
                catalogue.postpone_matter(
                    matter(), {"planned_time": data["postpone"], "reason": reason}, actor=actor
                )
            else:
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
        if spec.consulting or spec.consultation:
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


def summary(users: dict[str, User] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """What the database holds now: counts, and the demo accounts with their password."""
    now = now or clock.now_utc()
    statuses = Counter(db.session.scalars(sa.select(DecisionMatter.status)))
    windows = Counter(c.status_at(now) for c in db.session.scalars(sa.select(Consultation)))
    sources = Counter(db.session.scalars(sa.select(Comment.source)))
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
        "consultations": sum(windows.values()),
        "consultation_statuses": {s.value: windows.get(s.value, 0) for s in ConsultationStatus},
        "comments": sum(sources.values()),
        "comment_sources": {s.value: sources[s.value] for s in CommentSource if sources[s.value]},
        "hidden_comments": db.session.scalar(
            sa.select(sa.func.count()).where(Comment.status == CommentStatus.HIDDEN.value)
        ),
        "duplicate_groups": db.session.scalar(
            sa.select(sa.func.count()).select_from(DuplicateGroup)
        ),
        **_pool_summary(now),
    }


def _pool_summary(now: datetime) -> dict[str, Any]:
    """The representative pool and its meetings, as of `now`."""
    today = clock.local_date_of(now)
    people = list(db.session.scalars(sa.select(Representative)))
    all_meetings = list(db.session.scalars(sa.select(Meeting)))
    invitations = list(db.session.scalars(sa.select(Invitation)))
    return {
        "representatives": len(people),
        "representative_categories": dict(Counter(r.category for r in people)),
        "representative_statuses": dict(Counter(r.status_on(today) for r in people)),
        "applications": dict(
            Counter(db.session.scalars(sa.select(RepresentativeApplication.status)))
        ),
        "meetings": len(all_meetings),
        "upcoming_meetings": sum(m.is_upcoming(now) for m in all_meetings),
        "published_outcomes": sum(m.outcome_published_at is not None for m in all_meetings),
        "draws": db.session.scalar(sa.select(sa.func.count()).select_from(Draw)),
        "invitations": len(invitations),
        "invitation_statuses": dict(Counter(i.status for i in invitations)),
        "attended": sum(i.attendance == Attendance.ATTENDED for i in invitations),
        "remarks": db.session.scalar(sa.select(sa.func.count()).select_from(meeting_models.Remark)),
    }
