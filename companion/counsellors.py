"""Counsellor accounts: argon2-hashed passwords, roles, lockout after repeated failures.

Never stores or logs a password; a disabled or locked account cannot log in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from companion.errors import CompanionError
from companion.store import AuditRow, CounsellorRow, Store, now

ROLES = ("counsellor", "supervisor")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs the same as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(CompanionError):
    """An account cannot be created or changed as asked."""


class LoginError(CompanionError):
    """Wrong name or password, or the account is disabled or locked. Says no more than that."""


@dataclass(frozen=True)
class Counsellor:
    id: int
    username: str
    role: str
    active: bool = True

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def _view(row: CounsellorRow) -> Counsellor:
    return Counsellor(row.id, row.username, row.role, row.active)


class Accounts:
    def __init__(self, store: Store, max_failures: int = 5, lockout_s: float = 900.0) -> None:
        self.store = store
        self.max_failures = max_failures
        self.lockout_s = lockout_s

    def create(self, username: str, password: str, role: str = "counsellor", actor: str = "system") -> Counsellor:
        username = username.strip()
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise AccountError(f"invalid username {username!r}", "use 1-64 letters, digits, '.', '-' or '_'")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}", f"use one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password is shorter than {MIN_PASSWORD} characters", "choose a longer one")
        with self.store.session() as s:
            if s.scalar(select(CounsellorRow).where(CounsellorRow.username == username)) is not None:
                raise AccountError(f"counsellor {username!r} already exists", "choose another name")
            row = CounsellorRow(
                username=username, password_hash=_hasher.hash(password), role=role, active=True, failed_logins=0
            )
            s.add(row)
            s.flush()
            s.add(AuditRow(actor=actor, action="account.create", detail={"username": username, "role": role}))
            return _view(row)

    def set_active(self, username: str, active: bool, actor: str = "system") -> Counsellor:
        with self.store.session() as s:
            row = s.scalar(select(CounsellorRow).where(CounsellorRow.username == username))
            if row is None:
                raise AccountError(f"no counsellor {username!r}", "see `companion counsellors list`")
            row.active = active
            if active:
                row.failed_logins, row.locked_until = 0, None
            action = "account.enable" if active else "account.disable"
            s.add(AuditRow(actor=actor, action=action, detail={"username": username}))
            return _view(row)

    def set_password(self, username: str, password: str, actor: str = "system") -> None:
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password is shorter than {MIN_PASSWORD} characters", "choose a longer one")
        with self.store.session() as s:
            row = s.scalar(select(CounsellorRow).where(CounsellorRow.username == username))
            if row is None:
                raise AccountError(f"no counsellor {username!r}", "see `companion counsellors list`")
            row.password_hash = _hasher.hash(password)
            s.add(AuditRow(actor=actor, action="account.password", detail={"username": username}))

    def list(self) -> list[Counsellor]:
        with self.store.session() as s:
            return [_view(r) for r in s.scalars(select(CounsellorRow).order_by(CounsellorRow.username))]

    def get(self, username: str) -> Counsellor | None:
        with self.store.session() as s:
            row = s.scalar(select(CounsellorRow).where(CounsellorRow.username == username))
            return _view(row) if row else None

    def authenticate(self, username: str, password: str) -> Counsellor:
        """The counsellor, if the password is right and the account active and not locked.

        Failures are counted and audited (the count is committed even though the login is
        refused), and each costs the same time whether or not the name exists.
        """
        counsellor: Counsellor | None = None
        with self.store.session() as s:
            row = s.scalar(select(CounsellorRow).where(CounsellorRow.username == username.strip()))
            if row is None:
                _verify(_DUMMY_HASH, password)
                s.add(AuditRow(actor="anonymous", action="login.unknown", detail={}))
            elif not row.active or (row.locked_until is not None and row.locked_until > now()):
                _verify(_DUMMY_HASH, password)
                s.add(AuditRow(actor=row.username, action="login.refused", detail={"active": row.active}))
            elif not _verify(row.password_hash, password):
                row.failed_logins += 1
                locked = row.failed_logins >= self.max_failures
                if locked:
                    row.locked_until = now() + timedelta(seconds=self.lockout_s)
                    row.failed_logins = 0
                s.add(AuditRow(actor=row.username, action="login.failed", detail={"locked": locked}))
            else:
                row.failed_logins, row.locked_until = 0, None
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                s.add(AuditRow(actor=row.username, action="login", detail={}))
                counsellor = _view(row)
        if counsellor is None:
            time.sleep(0.2)  # slows guessing further, on top of argon2's own cost
            raise LoginError("wrong name or password, or the account is locked", "try again later or ask a supervisor")
        return counsellor


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
