"""The demo's mass consultation: ~2,000 comments on the slow-traffic plan (慢行交通系统建设
规划), most of them copies of three campaigns, so that a newcomer sees grouping at work. What
they say is in the story (story/crowd.toml): residents ask that the riverside greenway go round
the old camphor trees, riders and parents ask for wider bike lanes (most with a personal
opening: who they are and how they ride), callers to the 12345 hotline ask for a hearing before
the old town's one-way streets (imported twice from the hotline's export), and ~120 comments
of people's own come from a small grammar of the plan's topics.

Everything is drawn from a seeded random generator: the same demo every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from consult.demo import story
from consult.demo.story import schema


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


class _Writer:
    """Draws the parts of a comment from the story's words."""

    def __init__(self, r: random.Random, words: schema.Crowd) -> None:
        self.r, self.words = r, words

    def fill(self, template: str) -> str:
        return template.format(e=self.r.choice(self.words.estates), n=self.r.randint(2, 30))

    def name(self) -> str:
        return self.r.choice(self.words.surnames) + self.r.choice(self.words.given_names)

    def copy(self, campaign: schema.Campaign) -> str:
        r = self.r
        opening = self.fill(r.choice(campaign.openings)) if r.random() < campaign.personal else ""
        return opening + campaign.text + r.choice(self.words.closings)

    def own(self) -> tuple[str, int]:
        """A comment of one's own: who writes, and remarks on two or three of the plan's
        articles."""
        r, own = self.r, self.words.own
        chosen = sorted(r.sample(range(len(own.topics)), r.choice(own.articles)))
        parts = [self.fill(r.choice(own.selves))]
        for index in chosen:
            topic = own.topics[index]
            parts.append(f"关于{topic.article}{topic.topic}，" + self.fill(r.choice(topic.remarks)))
        return "".join(parts) + r.choice(self.words.closings), own.topics[chosen[0]].clause


def crowd(days: int, seed: int) -> Crowd:
    """The comments of the first `days` days of the consultation."""
    r = random.Random(seed)
    words = story.load().crowd
    writer = _Writer(r, words)
    online: list[CrowdComment] = []
    for campaign in words.campaigns:
        for _ in range(campaign.count):
            online.append(
                CrowdComment(
                    *_when(r, days),
                    writer.name(),
                    writer.copy(campaign),
                    campaign.clause,
                    r.random() < campaign.shown,
                )
            )
    for _ in range(words.own.count):
        body, clause = writer.own()
        online.append(
            CrowdComment(*_when(r, days), writer.name(), body, clause, r.random() < words.own.shown)
        )
    hotline = words.hotline
    imports = []
    for week_day in sorted({max(1, days // 3), max(2, days - 1)}):
        batch = []
        for _ in range(hotline.calls):
            day, at = _when(r, week_day)
            caller = r.choice(words.surnames) + r.choice(hotline.titles)
            body = writer.fill(r.choice(hotline.openings)) + hotline.text
            batch.append(CrowdComment(day, at, caller, body, hotline.clause, False, "hotline"))
        imports.append((week_day, hotline.at, batch))
    return Crowd(online, imports)
