"""Departments, users and their API tokens."""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.core.errors import Forbidden
from consult.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"  # the government office (区政府办公室)
    OFFICER = "officer"  # department staff
    REPRESENTATIVE = "representative"
    RESIDENT = "resident"


ROLE_VALUES = tuple(r.value for r in Role)


class SystemActor:
    """Who acts when no person does: the CLI, the demo's set-up, the clock's jobs (`flask
    tick`, report workers) and one service acting inside another. It may do everything the
    government office may. Not an account: nobody logs in as it, and the events it writes carry
    no user (`actor_id` NULL), as public timelines have always shown them: without a name.

    `None` is not the system: a service given `actor=None` treats it as someone who is not
    logged in, and refuses what needs a manager."""

    __slots__ = ()  # nothing to set: every instance is the one system, read-only

    id = department_id = department = None
    role = Role.ADMIN.value
    active = is_authenticated = is_system = is_admin = is_staff = True
    is_officer = is_representative = is_resident = False

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = SystemActor()


def _acting(actor: Any) -> bool:
    """Someone who may act at all: logged in (or the system), and not deactivated."""
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and bool(getattr(actor, "active", False))
    )


def acts_as_office(actor: Actor) -> bool:
    """Who may do what only the government office does (accounts, the catalogue's
    publication and withdrawals, the representative pool): an active administrator, or the
    system."""
    return _acting(actor) and actor.role == Role.ADMIN  # type: ignore[union-attr]


def manages_department(actor: Actor, department_id: int | None) -> bool:
    """Rule 4: whether `actor` acts for `department_id` (None: the government office's own).
    An active officer acts for their own department, the office (and the system) for all."""
    from consult.accounts.rules import may_act_for_department

    if not _acting(actor):
        return False
    return may_act_for_department(actor.role, actor.department_id, department_id)  # type: ignore[union-attr]


def _managed_criterion(department_column, actor: Actor) -> sa.ColumnElement[bool]:
    if not _acting(actor):
        return sa.false()
    if actor.role == Role.ADMIN:  # type: ignore[union-attr]
        return sa.true()
    if actor.role == Role.OFFICER and actor.department_id is not None:  # type: ignore[union-attr]
        return department_column == actor.department_id  # type: ignore[union-attr]
    return sa.false()


class DepartmentOwned:
    """Rule 4 in one place, for everything a department owns (a decision matter, its
    consultations, a meeting): an active officer manages what is their own department's, the
    government office everything. (Indico's `event.can_manage(user)`.) The owner is the
    model's `department_id` (a column, or a property); None means the office's own."""

    def can_manage(self, actor: Actor) -> bool:
        return manages_department(actor, self.department_id)  # type: ignore[attr-defined]

    @classmethod
    def managed_by(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """The same rule as a query criterion: `select(Meeting).where(Meeting.managed_by(u))`
        lists what `u` may manage."""
        return _managed_criterion(cls.department_id, actor)  # type: ignore[attr-defined]


_MANAGE_OWN = _l("You can only act for your own department.")


def require_manager(actor: Actor, target: DepartmentOwned | int | None, message=None) -> None:
    """Refuse (Forbidden) unless `actor` manages `target`: something a department owns, or a
    department's id (None: the office's own)."""
    allowed = (
        target.can_manage(actor)
        if isinstance(target, DepartmentOwned)
        else manages_department(actor, target)
    )
    if not allowed:
        raise Forbidden(message or _MANAGE_OWN)


def require_office(actor: Actor, message=None) -> None:
    """Refuse (Forbidden) unless `actor` acts as the government office."""
    if not acts_as_office(actor):
        raise Forbidden(message or _l("Only the government office can do this."))


class Department(SurrogateKey, db.Model):
    __tablename__ = "department"

    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(30), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[timestamp]

    __table_args__ = (
        not_blank("name"),
        not_blank("short_name"),
    )

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.short_name}>"


def _role_is(*roles: Role) -> property:
    return property(lambda user: user.role in roles)


class User(SurrogateKey, UserMixin, db.Model):
    __tablename__ = "user"

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.RESIDENT.value)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # A department's head (科室负责人) shares the answering of comments out among its officers.
    department_head: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[timestamp]
    last_login_at: Mapped[moment | None]

    department: Mapped[Department | None] = relationship(lazy="joined")

    __table_args__ = (
        known("role", ROLE_VALUES),
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

    @classmethod
    def managing(cls, department_id: int | None) -> sa.ColumnElement[bool]:
        """Rule 4 the other way round, as a query criterion: the active accounts that act for
        `department_id` (its officers and the government office)."""
        return sa.and_(
            cls.active,
            sa.or_(
                cls.role == Role.ADMIN.value,
                sa.and_(cls.role == Role.OFFICER.value, cls.department_id == department_id),
            ),
        )

    # The role predicates views, API and templates ask (they never compare roles themselves).
    is_system = False
    is_admin = _role_is(Role.ADMIN)  # the government office (区政府办公室)
    is_officer = _role_is(Role.OFFICER)
    is_staff = _role_is(Role.ADMIN, Role.OFFICER)
    is_representative = _role_is(Role.REPRESENTATIVE)
    is_resident = _role_is(Role.RESIDENT)


class ApiToken(SurrogateKey, db.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[timestamp]
    last_used_at: Mapped[moment | None]
    revoked_at: Mapped[moment | None]

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# Who a service is told acts: a person (a user; None or Flask-Login's anonymous user for
# someone who is not logged in) or the system.
Actor = User | SystemActor | None
