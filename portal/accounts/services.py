"""Account operations. They flush; the request or job that calls them commits once."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.accounts import mfa, throttle
from portal.accounts.models import ApiToken, Invitation, User, UserSession
from portal.accounts.passwords import hash_password, needs_rehash, password_problems, verify_password
from portal.accounts.tokens import sha256, sign, unsign
from portal.audit.services import record, record_platform
from portal.errors import Conflict, Forbidden, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.tenants.context import current_tenant_id
from portal.tenants.models import Membership, Organisation
from portal.urls import external_url

INVITATION_SALT = "invitation"
RESET_SALT = "password-reset"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_new_password(password: str, confirm: str | None = None, *, email: str | None = None) -> None:
    problems = password_problems(password or "", email=email)
    if problems:
        raise ServiceError(problems[0], field="password")
    if confirm is not None and confirm != password:
        raise ServiceError("The passwords do not match: type the same password twice", field="confirm_password")


def set_password(user: User, password: str, *, reason: str = "password_changed") -> None:
    """A new password ends every session and API token of the account, on the server."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_epoch = (user.session_epoch or 0) + 1
    end_access(user, reason=reason)


def change_password(user: User, *, current: str, password: str, confirm: str) -> None:
    """The signed-in person changes their password; they sign in again on every device."""
    if not verify_password(user.password_hash, current or ""):
        raise ServiceError("Your current password is not right: type it again", field="current_password")
    check_new_password(password, confirm, email=user.email)
    if verify_password(user.password_hash, password):
        raise ServiceError("Choose a password you have not used for this account", field="password")
    set_password(user, password)
    record_platform("password_changed", user, actor=user)


# -- sessions ------------------------------------------------------------------------------

def start_user_session(user: User) -> str:
    """A new server-side session; the returned secret goes into the signed session cookie."""
    raw = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=sha256(raw)))
    db.session.flush()
    return raw


def user_for_session(raw: str | None) -> User | None:
    """The person whose live session this is, or None (ended, unknown or inactive)."""
    if not raw:
        return None
    found = db.session.scalar(select(UserSession).where(UserSession.token_hash == sha256(raw)))
    if found is None or found.ended_at is not None or not found.user.is_active:
        return None
    return found.user


def end_user_session(raw: str | None, *, reason: str = "signed_out") -> None:
    if not raw:
        return
    found = db.session.scalar(select(UserSession).where(UserSession.token_hash == sha256(raw),
                                                         UserSession.ended_at.is_(None)))
    if found is not None:
        found.ended_at, found.end_reason = utcnow(), reason
        db.session.flush()


def end_access(user: User, *, reason: str) -> None:
    """End every session and revoke every API token of ``user`` (password change or reset, removal)."""
    now = utcnow()
    for found in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                              UserSession.ended_at.is_(None))):
        found.ended_at, found.end_reason = now, reason
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
    db.session.flush()


def create_user(email: str, *, full_name: str = "", password: str | None = None,
                is_platform_admin: bool = False) -> User:
    email = normalise_email(email)
    if get_user_by_email(email):
        raise Conflict(f"An account for {email} already exists", field="email")
    user = User(email=email, full_name=full_name.strip(), is_platform_admin=is_platform_admin, session_epoch=0)
    if password is not None:
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


# -- signing in -------------------------------------------------------------------------

def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


class SignInThrottled(ServiceError):
    """Too many failures: the person is told how long to wait (the API answers 429 with Retry-After)."""

    status = 429

    def __init__(self, seconds: int, *, what: str = "sign in"):
        self.retry_after = max(int(seconds), 1)
        super().__init__(f"Too many failed attempts to {what}. Wait {_duration(self.retry_after)}, "
                         "then try again.")


SignInLocked = SignInThrottled  # the name the views used before the throttle counted per address


class CodeRequired(ServiceError):
    """The API's token exchange for a person with MFA, without the code (a 422 naming ``code``)."""


def authenticate(email: str, password: str, *, address: str | None = None, device_user_id: int | None = None,
                 device_id: str | None = None) -> User:
    """The user for these credentials (the first factor only: see ``needs_second_factor``); raises a
    ServiceError that says nothing of which part was wrong, or SignInThrottled while failures from
    this address (or against this account everywhere) ask for a wait. ``device_*`` come from a
    known-device cookie: it counts for the account it was given to only."""
    email = normalise_email(email)
    user = get_user_by_email(email)
    device = device_id if user is not None and device_user_id == user.id and device_id else None
    scopes = throttle.password_scopes(email, address, device)
    wait = throttle.seconds_to_wait(scopes)
    if wait:
        record_platform("sign_in_refused_throttled", user, email=email, wait_seconds=wait)
        raise SignInThrottled(wait)
    if not verify_password(user.password_hash if user else None, password or "") or not user.is_active:
        throttle.record_failure(scopes)
        record_platform("sign_in_failed", user, email=email)
        raise ServiceError("Enter a correct email address and password", field="email")
    throttle.clear(scopes)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def verify_second_factor(user: User, *, code: str | None = None, recovery_code: str | None = None,
                         field: str = "code") -> None:
    """The code from the person's authenticator app (or one recovery code), throttled per account."""
    scopes = throttle.code_scopes(user.id)
    wait = throttle.seconds_to_wait(scopes)
    if wait:
        record_platform("mfa_refused_throttled", user, wait_seconds=wait)
        raise SignInThrottled(wait, what="enter a code")
    try:
        if recovery_code is not None:
            mfa.use_recovery_code(user, recovery_code, field=field)
        else:
            mfa.verify_totp(user, code, field=field)
    except ServiceError:
        if (recovery_code if recovery_code is not None else code or "").strip():  # an empty box is no guess
            throttle.record_failure(scopes)
            record_platform("mfa_failed", user)
        raise
    throttle.clear(scopes)


def signed_in(user: User) -> None:
    """Both factors (or the only one) passed: the sign-in is recorded."""
    user.last_sign_in_at = utcnow()
    record_platform("signed_in", user, actor=user, mfa=user.has_mfa)


def account_fingerprint(user: User) -> str:
    """Changes when the password, the sessions' epoch or MFA change: a half-finished sign-in or a
    re-authentication made before such a change is no longer good."""
    return sha256(f"{user.id}:{user.password_hash or ''}:{user.session_epoch}:{user.mfa_enabled_at}")[:24]


def user_for_second_step(user_id: int | None, fingerprint: str | None) -> User | None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active or account_fingerprint(user) != fingerprint:
        return None
    return user


def token_exchange(email: str, password: str, code: str | None, *, address: str | None) -> User:
    """The API's email-and-password exchange: a person with MFA also sends ``code``; a person who must
    have MFA and has not set it up is told to do so in the browser."""
    user = authenticate(email, password, address=address)
    if user.has_mfa:
        if not (code or "").strip():
            raise CodeRequired("Your account uses multi-factor authentication: send the 6-digit code from "
                               "your authenticator app as `code`", field="code")
        verify_second_factor(user, code=code)
    elif mfa.setup_needed(user):
        raise mfa.MfaSetupNeeded(mfa.SET_UP_IN_BROWSER)
    signed_in(user)
    return user


def confirm_identity(user: User, password: str, code: str | None, *, address: str | None) -> None:
    """Re-authentication before a change to email, password or MFA: the password, and the code when
    the person has MFA (each throttled like signing in)."""
    errors = {}
    if not (password or ""):
        errors["password"] = "Enter your password"
    if user.has_mfa and not (code or "").strip():
        errors["code"] = "Enter the 6-digit code from your authenticator app"
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    try:
        authenticate(user.email, password, address=address)
    except SignInThrottled:
        raise
    except ServiceError:
        raise ServiceError("Your password is not right: type it again", field="password") from None
    if user.has_mfa:
        verify_second_factor(user, code=code)
    record_platform("identity_confirmed", user, actor=user)


# -- invitations --------------------------------------------------------------------------

def invite(organisation: Organisation, email: str, role: str, *, invited_by: User | None) -> tuple[Invitation, str]:
    """Invite someone to the current organisation and email them a single-use link."""
    email = normalise_email(email)
    if organisation.id != current_tenant_id():
        raise ServiceError("Invitations are made inside the organisation they are for")
    if role not in organisation.roles:
        raise ServiceError(f"Choose a role for a {organisation.kind} organisation", field="role")
    existing = get_user_by_email(email)
    if existing and db.session.scalar(select(Membership).where(Membership.user_id == existing.id)):
        raise Conflict(f"{email} is already a member of {organisation.name}", field="email")
    now = utcnow()
    for pending in db.session.scalars(select(Invitation).where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        pending.revoked_at = now
    nonce = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email, role=role, nonce_hash=sha256(nonce), invited_by_id=invited_by.id if invited_by else None,
        created_at=now, expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    token = sign(INVITATION_SALT, {"i": invitation.id, "t": organisation.id, "n": nonce})
    link = external_url("auth.accept_invitation", token=token)
    send_email(email, f"You are invited to join {organisation.name} on Portal", "invitation",
               organisation=organisation, invitation=invitation, link=link, invited_by=invited_by)
    record("invitation_sent", invitation, email=email, role=role)
    return invitation, token


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.status(utcnow()) != "pending":
        raise Conflict("Only a pending invitation can be withdrawn")
    invitation.revoked_at = utcnow()
    record("invitation_revoked", invitation, email=invitation.email)


def invitation_tenant(token: str) -> int | None:
    """The tenant named by a signed invitation token (layer 1 for a signed-out invitee)."""
    payload = unsign(INVITATION_SALT, token)
    return payload.get("t") if payload else None


def load_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The pending invitation for this token, inside its tenant's context; else a ServiceError."""
    payload = unsign(INVITATION_SALT, token)
    invalid = ServiceError("This invitation link is not valid. Ask your organisation's administrator for a new one.")
    if not payload or payload.get("t") != current_tenant_id():
        raise invalid
    query = select(Invitation).where(Invitation.id == payload.get("i"),
                                     Invitation.nonce_hash == sha256(str(payload.get("n"))))
    if lock:
        query = query.with_for_update(of=Invitation)
    invitation = db.session.scalar(query)
    if invitation is None:
        raise invalid
    status = invitation.status(utcnow())
    if status == "accepted":
        raise Conflict("This invitation has already been used. Sign in, or ask for a new invitation.")
    if status == "revoked":
        raise ServiceError("This invitation was withdrawn. Ask your organisation's administrator for a new one.")
    if status == "expired":
        raise ServiceError("This invitation has expired. Ask your organisation's administrator for a new one.")
    return invitation


def accept_invitation(token: str, *, full_name: str, password: str | None, confirm: str | None,
                      signed_in: User | None = None) -> User:
    """Create the account, or add the membership to the existing account once its owner has
    signed in: a link alone never adds an organisation to someone's account."""
    invitation = load_invitation(token, lock=True)
    user = get_user_by_email(invitation.email)
    if user is not None and (signed_in is None or signed_in.id != user.id):
        raise Forbidden(f"This invitation is for the account {invitation.email}. Sign in as {invitation.email} "
                        "to accept it.")
    if user is not None and db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)):
        raise Conflict(f"{invitation.email} is already a member of {invitation.organisation.name}.")
    if user is None:
        if not (full_name or "").strip():
            raise ServiceError("Enter your full name", field="full_name")
        check_new_password(password or "", confirm, email=invitation.email)
        user = create_user(invitation.email, full_name=full_name, password=password)
    db.session.add(Membership(user_id=user.id, role=invitation.role))
    invitation.accepted_at = utcnow()
    invitation.accepted_user_id = user.id
    db.session.flush()
    record("invitation_accepted", invitation, actor=user, email=user.email, role=invitation.role)
    return user


# -- password reset -------------------------------------------------------------------------

def _password_fingerprint(user: User) -> str:
    return sha256(f"{user.id}:{user.password_hash or ''}:{user.session_epoch}")[:24]


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; the page says the same either way."""
    user = get_user_by_email(email)
    record_platform("password_reset_requested", user, email=normalise_email(email))
    if user is None or not user.is_active:
        return
    token = sign(RESET_SALT, {"u": user.id, "f": _password_fingerprint(user)})
    link = external_url("auth.reset_password", token=token)
    send_email(user.email, "Reset your Portal password", "password_reset", user=user, link=link,
               minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def user_for_reset_token(token: str) -> User:
    payload = unsign(RESET_SALT, token, max_age=current_app.config["PASSWORD_RESET_MINUTES"] * 60)
    user = db.session.get(User, payload.get("u")) if payload else None
    if user is None or payload.get("f") != _password_fingerprint(user):
        raise ServiceError("This password reset link has expired or has been used. Ask for a new one.")
    return user


def reset_password(token: str, password: str, confirm: str) -> User:
    user = user_for_reset_token(token)
    check_new_password(password, confirm, email=user.email)
    set_password(user, password, reason="password_reset")  # MFA stays: the next sign-in asks for the code
    throttle.forget_account(user.email)
    record_platform("password_reset", user, actor=user)
    return user


# -- API tokens: portal.accounts.api_tokens -----------------------------------------------------
