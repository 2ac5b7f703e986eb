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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(_in("role", ROLE_VALUES), name="role_known"),
        sa.CheckConstraint(
            "role <> 'officer' OR department_id IS NOT NULL", name="officer_has_department"
        ),
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
