"""Catalogue years, decision matters, their statutory procedures and adjustments."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import Actor
from consult.accounts.models import Department
from consult.accounts.models import DepartmentOwned
from consult.accounts.models import User
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import filled_unless
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.extensions import db


class MatterStatus(enum.StrEnum):
    PLANNED = "planned"
    CONSULTING = "consulting"
    DELIBERATING = "deliberating"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class Precision(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class ProcedureKind(enum.StrEnum):
    PUBLIC_PARTICIPATION = "public_participation"
    EXPERT_ARGUMENTATION = "expert_argumentation"
    RISK_ASSESSMENT = "risk_assessment"
    LEGALITY_REVIEW = "legality_review"
    COLLECTIVE_DISCUSSION = "collective_discussion"


STATUS_VALUES = tuple(s.value for s in MatterStatus)
PROCEDURE_VALUES = tuple(k.value for k in ProcedureKind)


class CatalogueYear(db.Model):
    __tablename__ = "catalogue_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    published_at: Mapped[moment | None]
    published_by_id: Mapped[user_fk]

    published_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),)

    def __repr__(self) -> str:
        return f"<CatalogueYear {self.year} published={self.published_at is not None}>"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class DecisionMatter(SurrogateKey, DepartmentOwned, db.Model):
    __tablename__ = "decision_matter"

    year: Mapped[int] = mapped_column(sa.ForeignKey("catalogue_year.year"), index=True)
    number: Mapped[int] = mapped_column()  # position in the year's catalogue, 1, 2, ...
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    planned_precision: Mapped[str] = mapped_column(sa.String(10))
    planned_index: Mapped[int] = mapped_column()  # month 1-12 or quarter 1-4
    hearing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(
        sa.String(20), default=MatterStatus.PLANNED.value, index=True
    )
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    decision_document_url: Mapped[str | None] = mapped_column(sa.String(500))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]

    department: Mapped[Department] = relationship(lazy="joined")
    catalogue: Mapped[CatalogueYear] = relationship(lazy="joined")
    procedures: Mapped[list[MatterProcedure]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="MatterProcedure.position"
    )
    adjustments: Mapped[list[CatalogueAdjustment]] = relationship(
        back_populates="matter", order_by="CatalogueAdjustment.made_at"
    )

    __table_args__ = (
        sa.UniqueConstraint("year", "number", name="uq_decision_matter_year_number"),
        known("status", STATUS_VALUES),
        not_blank("title"),
        sa.CheckConstraint(
            "(planned_precision = 'month' AND planned_index BETWEEN 1 AND 12) OR "
            "(planned_precision = 'quarter' AND planned_index BETWEEN 1 AND 4)",
            name="planned_time_valid",
        ),
        sa.CheckConstraint(
            "status <> 'decided' OR decision_date IS NOT NULL", name="decided_has_date"
        ),
        filled_unless("status <> 'withdrawn'", "withdrawal_reason", name="withdrawn_has_reason"),
    )

    def __repr__(self) -> str:
        return f"<DecisionMatter {self.id} {self.year}-{self.number} {self.status}>"

    @property
    def code(self) -> str:
        return f"{self.year}-{self.number:02d}"

    @property
    def is_published(self) -> bool:
        """Listed in a published catalogue: its own, or the one it was postponed out of (a
        matter moved into next year's draft catalogue stays public)."""
        if self.catalogue is not None and self.catalogue.is_published:
            return True
        return any(a.kind == "postponement" for a in self.adjustments)

    @property
    def postponement(self) -> CatalogueAdjustment | None:
        """The latest move into a later year's catalogue, if any."""
        return next((a for a in reversed(self.adjustments) if a.kind == "postponement"), None)

    @property
    def is_closed(self) -> bool:
        return self.status in (MatterStatus.DECIDED, MatterStatus.WITHDRAWN)

    def procedure(self, kind: str) -> MatterProcedure | None:
        return next((p for p in self.procedures if p.kind == kind), None)


class MatterOwned(DepartmentOwned):
    """What belongs to a decision matter (a consultation, a resident's question on it): the
    matter's department owns it (rule 4 through the matter)."""

    @property
    def department_id(self) -> int:
        return self.matter.department_id  # type: ignore[attr-defined]

    @classmethod
    def managed_by(cls, actor: Actor) -> sa.ColumnElement[bool]:
        return cls.matter.has(DecisionMatter.managed_by(actor))  # type: ignore[attr-defined]


class MatterProcedure(SurrogateKey, db.Model):
    """One statutory procedure of a matter: required or not, and when it was done."""

    __tablename__ = "matter_procedure"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    position: Mapped[int] = mapped_column(default=0)
    required: Mapped[bool] = mapped_column(default=False)
    done_on: Mapped[date | None] = mapped_column(sa.Date)

    matter: Mapped[DecisionMatter] = relationship(back_populates="procedures")

    __table_args__ = (
        sa.UniqueConstraint("matter_id", "kind", name="uq_matter_procedure_matter_kind"),
        known("kind", PROCEDURE_VALUES),
    )

    def __repr__(self) -> str:
        return f"<MatterProcedure {self.matter_id} {self.kind} required={self.required}>"


class CatalogueAdjustment(SurrogateKey, db.Model):
    """A public change to a published catalogue entry: who, when, old → new, and why."""

    __tablename__ = "catalogue_adjustment"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    actor_id: Mapped[user_fk]
    made_at: Mapped[timestamp]
    kind: Mapped[str] = mapped_column(sa.String(20), default="change")
    changes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.Text)
    # A postponement moves the matter into the next year's catalogue; the year it left keeps
    # listing it (with this adjustment) so that its published catalogue still accounts for it.
    from_year: Mapped[int | None] = mapped_column(index=True)

    matter: Mapped[DecisionMatter] = relationship(back_populates="adjustments")
    actor: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        not_blank("reason", name="reason_required"),
        sa.CheckConstraint(
            "kind IN ('addition', 'change', 'withdrawal', 'postponement')", name="kind_known"
        ),
        sa.CheckConstraint(
            "(kind = 'postponement') = (from_year IS NOT NULL)", name="postponement_has_year"
        ),
    )

    def __repr__(self) -> str:
        return f"<CatalogueAdjustment {self.id} matter={self.matter_id} {self.kind}>"

    def changed(self, field: str) -> dict[str, Any]:
        """One field's change ({"field", "old", "new"}), or {} if it did not change."""
        return next((c for c in self.changes if c.get("field") == field), {})


def _planned(self: DecisionMatter):
    from consult.catalogue.rules import PlannedTime

    return PlannedTime(self.year, self.planned_precision, self.planned_index)


DecisionMatter.planned = property(_planned)  # type: ignore[attr-defined]
