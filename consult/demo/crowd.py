"""The demo's mass consultation: ~2,000 comments on the slow-traffic plan (慢行交通系统建设
规划), most of them copies of three campaigns, so that a newcomer sees grouping at work.

- 保护滨江老樟树: residents ask that the riverside greenway go round the old camphor trees
  (online, ~900, a third with a line of their own);
- 非机动车道加宽: riders and parents ask for 3.5-metre bike lanes (online, ~600, most with a
  personal opening: who they are and how they ride);
- 老城区单向交通先听证: callers to the 12345 hotline ask for a hearing before the old town's
  one-way streets (~300, imported twice from the hotline's export);
- ~120 comments of people's own, from a small grammar of the plan's topics.

Everything is drawn from a seeded random generator: the same demo every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TREES = (
    "我们支持建设滨江慢行绿道，但坚决反对为拓宽绿道砍伐或移植滨江沿线的老樟树。这些樟树大多有"
    "三四十年树龄，是几代东湖人的记忆，夏天为散步的老人和孩子遮阴。请修改第四条，绿道应当绕树"
    "而行，或采用架空栈道和透水铺装；施工前公示每一棵受影响树木的处置方案，并听取沿江居民的意见。"
)
LANES = (
    "建议主干道非机动车道宽度由2.5米提高到3.5米，并与机动车道设置物理隔离。现在早晚高峰电动"
    "自行车、外卖车和共享单车挤在一条窄道上，超车只能借用机动车道，非常危险。同时请在第六条中"
    "明确，地铁站周边的非机动车停放区要为电动自行车留出足够车位，并配套建设充电设施。"
)
HEARING = (
    "老城区单向交通和限速改造关系到沿街居民和商户的日常出行，请在实施前召开听证会，逐条街道"
    "征求意见，并保障居民车辆、救护车和送货车辆的进出。"
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = [
    "建国", "秀英", "志强", "丽华", "海燕", "国庆", "春梅", "文斌", "晓东", "桂兰",
    "明", "婷", "磊", "静", "军", "芳", "勇", "敏", "杰", "娟",
    "子涵", "浩然", "雨欣", "梓萱", "宇航", "思远", "佳怡", "俊杰", "欣怡", "晨曦",
    "德明", "玉珍", "振华", "淑芬", "永红", "卫东", "新民", "凤英", "小平", "建华",
]  # fmt: skip
_ESTATES = [
    "滨江花园", "沿江新村", "八一桥小区", "墩子塘小区", "百花洲小区", "船山路宿舍", "贤士花园",
    "羊子巷小区", "青山湖畔", "象湖新城", "东湖家园", "丁公路小区",
]  # fmt: skip
_TREE_OPENINGS = [
    "我是{e}的居民，", "我在{e}住了{n}年，", "作为每天在滨江晨练的退休教师，",
    "我家就在滨江边的{e}，", "我是带孩子在江边散步的家长，", "作为{e}的业主，",
    "我是一名在滨江拍了{n}年樟树的摄影爱好者，",
]  # fmt: skip
_LANE_OPENINGS = [
    "我是一名外卖骑手，每天在八一大道上跑{n}单，", "我每天骑电动车接送孩子上学，",
    "我是{e}的居民，骑电动车上下班{n}年了，", "作为一名共享单车通勤族，",
    "我在地铁站旁边的{e}开了一家小店，", "我是快递员，", "我骑自行车上班，单程{n}公里，",
]  # fmt: skip
_CLOSINGS = ["", "", "", "恳请采纳！", "谢谢！", "望重视。", "盼复。"]
_CALL_OPENINGS = [
    "市民来电反映：", "市民来电：", "来电人称其居住在{e}，", "沿街商户来电：",
    "来电人为{e}居民，",
]  # fmt: skip
_TOPICS = [
    (
        "第二条",
        "人行道",
        [
            "{e}门口的人行道被汽车长期占用，老人只能走在马路上。",
            "建议人行道有效宽度的要求同样适用于改造后的老路，不要只管新建道路。",
            "盲道被共享单车和店外经营挤占，视障人士根本没法走。",
            "人行道上的树池太大，推轮椅过不去，改造时请做成平的。",
            "沿街店铺把货物堆在人行道上，希望城管和交通部门一起管。",
        ],
    ),
    (
        "第三条",
        "非机动车道",
        [
            "非机动车道用彩色铺装区分后，要同步清理占道停车，否则等于没划。",
            "次干道上的非机动车道经常被公交站台截断，建议站台改为港湾式。",
            "希望非机动车道路面平整一些，井盖太多，骑车很颠。",
            "路口处非机动车道和右转机动车冲突最多，建议设置专门的信号灯。",
            "下雨天非机动车道积水严重，排水口要一并改造。",
        ],
    ),
    (
        "第四条",
        "滨水绿道",
        [
            "绿道驿站的公厕建议24小时开放，晚上散步的人很多。",
            "青山湖段绿道夜间照明不足，希望增加路灯。",
            "绿道上骑行和步行要分开，周末人多时经常发生碰撞。",
            "绿道沿线请多设几处饮水点和座椅，老人走一公里就要歇一歇。",
            "希望绿道和周边小区之间多开几个出入口，现在要绕很远才能上去。",
        ],
    ),
    (
        "第五条",
        "过街设施",
        [
            "{e}门口的路口没有行人信号灯，放学时非常危险。",
            "建议人行横道两端设置安全岛，老人一次过不完马路。",
            "天桥对推婴儿车和坐轮椅的人不友好，赞成优先平面过街。",
            "行人绿灯时间太短，建议按老人的步行速度重新计算。",
            "夜间人行横道照明不够，司机看不清行人。",
        ],
    ),
    (
        "第六条",
        "地铁接驳",
        [
            "地铁口的共享单车早上没有、晚上堆成山，建议企业按时段调度。",
            "希望电子围栏的范围在地面标清楚，现在经常停了还被扣调度费。",
            "地铁站出入口100米范围太小，建议扩大到200米。",
            "地铁站到公交站的换乘距离太远，下雨天没有遮挡。",
            "建议在地铁站旁设置电动自行车充电和停放的专门区域。",
        ],
    ),
    (
        "第七条",
        "老城区慢行街区",
        [
            "老城区限速30公里赞成，但要配套增加公交班次。",
            "单向交通改造后，{e}的居民开车回家要绕很远，请慎重。",
            "慢行街区里的商户送货怎么办，建议规定固定的装卸时段。",
            "老城区的小巷子很窄，消防车能否进入要提前评估。",
            "希望慢行街区里多种些树，夏天走路太晒了。",
        ],
    ),
]
_SELVES = [
    "我是{e}的居民。", "我家住{e}{n}栋。", "我在{e}附近上班，每天步行{n}分钟。",
    "我是{e}的退休职工。", "我每天送孩子去{e}旁边的小学。", "我在{e}开了{n}年小超市。",
    "",
]  # fmt: skip


@dataclass(frozen=True)
class CrowdComment:
    day: int  # days after the consultation opened
    at: str  # "HH:MM", Beijing time
    name: str
    body: str
    clause: int | None
    show: bool
    source: str = "online"


@dataclass(frozen=True)
class Crowd:
    online: list[CrowdComment]
    hotline_imports: list[tuple[int, str, list[CrowdComment]]]  # (day, at, records)


def _when(r: random.Random, days: int) -> tuple[int, str]:
    day = r.randrange(days)
    # (the consultation opens at 09:00 on its first day)
    minute = r.randint((9 if day == 0 else 6) * 60 + 30, 23 * 60 + 30)
    return day, f"{minute // 60:02d}:{minute % 60:02d}"


def _fill(r: random.Random, template: str) -> str:
    return template.format(e=r.choice(_ESTATES), n=r.randint(2, 30))


def _copy(r: random.Random, letter: str, openings: list[str], share: float) -> str:
    opening = _fill(r, r.choice(openings)) if r.random() < share else ""
    return opening + letter + r.choice(_CLOSINGS)


def _own(r: random.Random) -> tuple[str, int]:
    """A comment of one's own: who writes, and remarks on two or three of the plan's
    articles."""
    chosen = sorted(r.sample(range(len(_TOPICS)), r.choice((2, 2, 3))))
    parts = [_fill(r, r.choice(_SELVES))]
    for index in chosen:
        article, topic, remarks = _TOPICS[index]
        parts.append(f"关于{article}{topic}，" + _fill(r, r.choice(remarks)))
    return "".join(parts) + r.choice(_CLOSINGS), chosen[0] + 2


def crowd(days: int, seed: int = 20261202) -> Crowd:
    """The comments of the first `days` days of the consultation."""
    r = random.Random(seed)

    def name() -> str:
        return r.choice(_SURNAMES) + r.choice(_GIVEN)

    online: list[CrowdComment] = []
    for _ in range(900):
        online.append(
            CrowdComment(
                *_when(r, days), name(), _copy(r, TREES, _TREE_OPENINGS, 0.35), 4, r.random() < 0.3
            )
        )
    for _ in range(600):
        online.append(
            CrowdComment(
                *_when(r, days), name(), _copy(r, LANES, _LANE_OPENINGS, 0.7), 3, r.random() < 0.4
            )
        )
    for _ in range(120):
        body, clause = _own(r)
        online.append(CrowdComment(*_when(r, days), name(), body, clause, r.random() < 0.5))
    imports = []
    for week_day in sorted({max(1, days // 3), max(2, days - 1)}):
        batch = []
        for _ in range(150):
            day, at = _when(r, week_day)
            caller = r.choice(_SURNAMES) + r.choice(("先生", "女士"))
            body = _fill(r, r.choice(_CALL_OPENINGS)) + HEARING
            batch.append(CrowdComment(day, at, caller, body, 7, False, "hotline"))
        imports.append((week_day, "10:30", batch))
    return Crowd(online, imports)
