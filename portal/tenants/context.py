"""Layer 1 (identity): the current tenant and user, held in ContextVars.

The tenant is set from the signed-in user's membership of the organisation named in
the URL (blueprints), from a job's arguments (workers) or from a signed token
(invitations). It is reset at the end of every request and job.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from sqlalchemy import text

_tenant_id: ContextVar[int | None] = ContextVar("portal_tenant_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("portal_user_id", default=None)

SET_CONFIG_SQL = text(
    "select set_config('app.org_id', :org, true), set_config('app.user_id', :user, true)"
)


class TenantNotSet(RuntimeError):
    """A tenant-owned model was queried or written with no tenant in context."""


class CrossTenantWrite(RuntimeError):
    """A row was written for a tenant other than the one in context."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def current_user_id() -> int | None:
    return _user_id.get()


def settings_params() -> dict[str, str]:
    tenant, user = _tenant_id.get(), _user_id.get()
    return {"org": "" if tenant is None else str(tenant), "user": "" if user is None else str(user)}


def settings_begun(connection) -> None:
    """A new transaction on ``connection``: its settings are empty (they are only ever set for a
    transaction, never for the connection), so empty ones need not be sent."""
    transaction = connection.get_nested_transaction() or connection.get_transaction()
    connection.info["portal_settings"] = (transaction, {"org": "", "user": ""})
    apply_settings(connection)


def apply_settings(connection) -> None:
    """Set ``app.org_id`` and ``app.user_id`` for the connection's transaction, unless this very
    transaction (or savepoint: a rolled-back savepoint undoes a setting) already has these values."""
    params = settings_params()
    transaction = connection.get_nested_transaction() or connection.get_transaction()
    applied = connection.info.get("portal_settings")
    if applied is not None and applied[0] is transaction and applied[1] == params:
        return
    connection.execute(SET_CONFIG_SQL, params)
    connection.info["portal_settings"] = (transaction, params)


def _sync_session() -> None:
    """Apply the context to the open transaction, if any (after_begin covers new ones)."""
    from portal.extensions import db

    try:
        session = db.session()
    except RuntimeError:  # no application context: nothing open to sync
        return
    transaction = session.get_transaction()
    if transaction is not None and transaction.is_active:
        # On the connection, not the session: no autoflush of half-built objects.
        apply_settings(session.connection())


def _flush_pending() -> None:
    from portal.extensions import db

    try:
        session = db.session()
    except RuntimeError:  # no application context: nothing pending
        return
    if session.new or session.dirty or session.deleted:
        session.flush()


def set_identity(tenant_id: int | None, user_id: int | None = None) -> None:
    _tenant_id.set(tenant_id)
    _user_id.set(user_id)
    _sync_session()


def set_tenant(tenant_id: int | None) -> None:
    _tenant_id.set(tenant_id)
    _sync_session()


def clear_identity() -> None:
    _tenant_id.set(None)
    _user_id.set(None)


@contextmanager
def tenant_context(tenant_id: int | None, user_id: int | None = None) -> Iterator[None]:
    """Run a block as one tenant (jobs, invitations, the platform administrator)."""
    tenant_token = _tenant_id.set(tenant_id)
    user_token = _user_id.set(user_id if user_id is not None else _user_id.get())
    _sync_session()
    try:
        yield
        _flush_pending()  # rows made for this tenant are written as this tenant
    except BaseException:
        # The transaction may be broken: restore the context without touching it, so the
        # original error is the one that surfaces.
        _tenant_id.reset(tenant_token)
        _user_id.reset(user_token)
        raise
    _tenant_id.reset(tenant_token)
    _user_id.reset(user_token)
    _sync_session()
