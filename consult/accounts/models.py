"""Departments, users and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.core.time import UTCDateTime, now_utc
from consult.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"  # the government office (区政府办公室)
    OFFICER = "officer"  # department staff
    REPRESENTATIVE = "representative"
    RESIDENT = "resident"


ROLE_VALUES = tuple(r.value for r in Role)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DepartmentOwned:
    """Rule 4 in one place, for everything a department owns (a decision matter, its
    consultations, a meeting): an active officer manages what is their own department's, the
    government office everything. (Indico's `event.can_manage(user)`.) The owner is the
    model's `department_id` (a column, or a property); None means the office's own."""

    def can_manage(self, actor: User | None) -> bool:
        return manages_department(actor, self.department_id)  # type: ignore[attr-defined]

    @classmethod
    def managed_by(cls, actor: User | None) -> sa.ColumnElement[bool]:
        """The same rule as a query criterion: `select(Meeting).where(Meeting.managed_by(u))`
        lists what `u` may manage."""
        return _managed_criterion(cls.department_id, actor)  # type: ignore[attr-defined]


def _managed_criterion(department_column, actor: User | None) -> sa.ColumnElement[bool]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return sa.false()
    if actor.role == Role.ADMIN:
        return sa.true()
    if actor.role == Role.OFFICER and actor.department_id is not None:
        return department_column == actor.department_id
    return sa.false()


def manages_department(actor: User | None, department_id: int | None) -> bool:
    """Whether `actor` acts for `department_id` (None: the government office's own)."""
    from consult.accounts.rules import may_act_for_department

    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return False
    return may_act_for_department(actor.role, actor.department_id, department_id)


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(30), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("length(trim(short_name)) > 0", name="short_name_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.short_name}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.RESIDENT.value)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # A department's head (科室负责人) shares the answering of comments out among its officers.
    department_head: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(_in("role", ROLE_VALUES), name="role_known"),
        sa.CheckConstraint(
            "role <> 'officer' OR department_id IS NOT NULL", name="officer_has_department"
        ),
        sa.CheckConstraint("role = 'officer' OR NOT department_head", name="head_is_officer"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login: the session id carries a fragment of the hash, so changing the password
    # signs out every other session of the user.
    def get_id(self) -> str:
        return f"{self.id}:{self.password_hash[-16:]}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def signature(self) -> str:
        """How a staff member signs what they do in public: 刘晓燕（区政府办公室）. The name is
        the person's own; the department is added here, never typed into the name."""
        if self.department is not None:
            return f"{self.display_name}（{self.department.name}）"
        return self.display_name

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
