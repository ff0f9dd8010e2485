"""Counsellor accounts: argon2 hashes, roles, disabling, lockout against brute force."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.counsellors import AccountError, Accounts, LoginError
from companion.store import AuditRow, CounsellorRow, open_store


@pytest.fixture
def accounts(tmp_path) -> Accounts:
    return Accounts(open_store(f"sqlite:///{tmp_path / 'c.db'}"), max_failures=3, lockout_s=60)


def test_passwords_are_hashed_with_argon2_and_never_stored(accounts):
    accounts.create("mei", "correct horse battery", role="supervisor")
    with accounts.store.session() as s:
        row = s.scalar(select(CounsellorRow))
    assert row.password_hash.startswith("$argon2id$") and "correct horse" not in row.password_hash
    who = accounts.authenticate("mei", "correct horse battery")
    assert who.username == "mei" and who.supervisor


def test_bad_accounts_are_refused_with_the_fix(accounts):
    with pytest.raises(AccountError, match="shorter"):
        accounts.create("sam", "short")
    with pytest.raises(AccountError, match="role"):
        accounts.create("sam", "long enough password", role="admin")
    with pytest.raises(AccountError, match="username"):
        accounts.create("sam smith; drop", "long enough password")
    accounts.create("sam", "long enough password")
    with pytest.raises(AccountError, match="already exists"):
        accounts.create("sam", "another long password")


def test_wrong_password_and_unknown_name_look_the_same(accounts):
    accounts.create("sam", "long enough password")
    with pytest.raises(LoginError) as wrong:
        accounts.authenticate("sam", "guess")
    with pytest.raises(LoginError) as unknown:
        accounts.authenticate("nobody", "guess")
    assert str(wrong.value) == str(unknown.value)


def test_repeated_failures_lock_the_account_even_for_the_right_password(accounts):
    accounts.create("sam", "long enough password")
    for _ in range(3):
        with pytest.raises(LoginError):
            accounts.authenticate("sam", "wrong password")
    with pytest.raises(LoginError):
        accounts.authenticate("sam", "long enough password")  # locked now
    with accounts.store.session() as s:
        actions = s.scalars(select(AuditRow.action).where(AuditRow.actor == "sam")).all()
    assert actions.count("login.failed") == 3 and "login.refused" in actions
    accounts.set_active("sam", True, actor="mei")  # a supervisor re-enables: the lock is lifted
    assert accounts.authenticate("sam", "long enough password").username == "sam"


def test_a_disabled_account_cannot_log_in(accounts):
    accounts.create("sam", "long enough password")
    accounts.set_active("sam", False)
    with pytest.raises(LoginError):
        accounts.authenticate("sam", "long enough password")
    assert [c.active for c in accounts.list()] == [False]
