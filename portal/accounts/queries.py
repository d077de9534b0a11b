"""Reads for a person's own account: their API tokens (user scope, not tenant scope)."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import ApiToken, User
from portal.extensions import db


def list_own_api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))


def get_own_api_token(user: User, token_id: int) -> ApiToken | None:
    """One of the person's own tokens; anyone else's looks like a missing one."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
