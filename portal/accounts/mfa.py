"""Multi-factor authentication: TOTP (RFC 6238, authenticator apps) and single-use recovery codes.

The TOTP secret is stored encrypted (Fernet, with a key derived from SECRET_KEY by HKDF), so a copy
of the database alone does not give anyone the codes. A code is accepted once: the time step it
belongs to is remembered, and only later steps are accepted after it. Recovery codes are stored as
argon2id hashes, like passwords (each carries 60 random bits: below the 112 bits that a plain hash
would need, ASVS 6.5.2).

Who must have it: platform administrators, a commissioner's finance staff and procurement officers,
and everyone in an organisation whose administrator turned "require MFA for everyone" on.

These functions flush; the request that calls them commits once.
"""
from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, func, select

from portal.accounts.models import MfaRecoveryCode, User
from portal.accounts.passwords import hash_password, verify_password
from portal.audit.services import record, record_platform
from portal.errors import Forbidden, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import COMMISSIONER, Organisation
from portal.tenants.queries import memberships_of

ISSUER = "Portal"
RECOVERY_CODES = 10
STEP_SECONDS = 30
#: Roles that always need MFA, by kind of organisation (they see money and sealed bids).
ALWAYS_REQUIRED = {(COMMISSIONER, "finance"), (COMMISSIONER, "procurement")}
SET_UP_IN_BROWSER = ("Your account must use multi-factor authentication (MFA). Sign in to Portal in a browser to "
                     "set it up, then try again.")


class SecondFactorNeeded(ServiceError):
    """The password was right and the account has MFA: the code is asked for next."""


class MfaSetupNeeded(Forbidden):
    """The account must have MFA and has not set it up: nothing but the set-up page until it has."""


# -- the secret --------------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"portal mfa totp secrets").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(stored: str) -> str | None:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the person's codes cannot be checked any more
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The set-up QR code as inline SVG (drawn on the server: no JavaScript, no image request)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#0b0c0c", light="#ffffff",
                                                 omitsize=False)


def grouped(secret: str) -> str:
    """The secret as groups of four letters, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# -- codes -------------------------------------------------------------------------------------

def _digits(code: str | None) -> str:
    return "".join((code or "").split())


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (now, or one either side for a slow clock) whose code this is, if later than ``after``."""
    totp, step = pyotp.TOTP(secret), current_step()
    for candidate in (step - 1, step, step + 1):
        if after is not None and candidate <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def check_code_format(code: str | None, field: str = "code") -> str:
    code = _digits(code)
    if not code:
        raise ServiceError("Enter the 6-digit code from your authenticator app", field=field)
    if not (code.isdigit() and len(code) == 6):
        raise ServiceError("Enter the code as 6 digits, like 123456, from your authenticator app", field=field)
    return code


def verify_totp(user: User, code: str | None, *, field: str = "code") -> None:
    """Accept the code once (its time step is remembered), or raise a ServiceError on ``field``."""
    code = check_code_format(code, field)
    secret = decrypt_secret(user.mfa_secret) if user.mfa_secret else None
    step = _matching_step(secret, code, user.mfa_last_step) if secret else None
    if step is None:
        raise ServiceError("The code is not right, or it has already been used. Enter the newest code from "
                           "your authenticator app", field=field)
    user.mfa_last_step = step


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:12]  # 60 random bits
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        codes.append(code)
        db.session.add(MfaRecoveryCode(user_id=user.id, code_hash=hash_password(_normal_recovery(code))))
    db.session.flush()
    return codes


def _normal_recovery(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None))) or 0


def use_recovery_code(user: User, code: str | None, *, field: str = "recovery_code") -> int:
    """Spend one recovery code (audited; the person is emailed); the number left."""
    normal = _normal_recovery(code)
    if not normal:
        raise ServiceError("Enter one of your recovery codes", field=field)
    if len(normal) != 12:
        raise ServiceError("Enter a recovery code as 12 letters and digits, like abcd-efgh-2345", field=field)
    unused = db.session.scalars(select(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)).with_for_update())
    found = next((c for c in unused if verify_password(c.code_hash, normal)), None)
    if found is None:
        raise ServiceError("That recovery code is not right, or it has already been used", field=field)
    found.used_at = utcnow()
    db.session.flush()
    left = recovery_codes_left(user)
    record_platform("mfa_recovery_code_used", user, actor=user, codes_left=left)
    send_email(user.email, "A recovery code was used to sign in to Portal", "mfa_recovery_code_used",
               user=user, left=left)
    return left


# -- turning it on and off --------------------------------------------------------------------

def enable(user: User, secret: str, code: str | None) -> list[str]:
    """Turn MFA on with the secret the person's app now holds, proved by a code from it; the new
    recovery codes (shown once)."""
    if user.has_mfa:
        raise ServiceError("Multi-factor authentication is already set up for your account")
    code = check_code_format(code)
    step = _matching_step(secret, code, None)
    if step is None:
        raise ServiceError("The code is not right. Check that your app shows Portal and enter its newest code",
                           field="code")
    user.mfa_secret = encrypt_secret(secret)
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = step
    codes = _new_recovery_codes(user)
    record_platform("mfa_enabled", user, actor=user)
    send_email(user.email, "Multi-factor authentication is on for your Portal account", "mfa_changed",
               user=user, change="turned on")
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.has_mfa:
        raise ServiceError("Set up multi-factor authentication first")
    codes = _new_recovery_codes(user)
    record_platform("mfa_recovery_codes_renewed", user, actor=user)
    send_email(user.email, "New recovery codes for your Portal account", "mfa_changed",
               user=user, change="given new recovery codes (the old ones no longer work)")
    return codes


def _clear(user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User) -> None:
    """The person turns MFA off (only when nothing requires it)."""
    if not user.has_mfa:
        raise ServiceError("Multi-factor authentication is not set up for your account")
    if required_reason(user):
        raise Forbidden(f"You cannot turn multi-factor authentication off: {required_reason(user)}")
    _clear(user)
    record_platform("mfa_disabled", user, actor=user)
    send_email(user.email, "Multi-factor authentication is off for your Portal account", "mfa_changed",
               user=user, change="turned off")


def reset_by_admin(user: User, *, actor: User, organisation: Organisation | None = None) -> None:
    """An organisation's administrator (for its member) or a platform administrator removes
    someone's MFA after they lost their authenticator: audited, and the person is emailed. They set
    it up again at their next sign-in if it is required of them."""
    if not user.has_mfa:
        raise ServiceError(f"{user.email} has not set up multi-factor authentication")
    if user.id == actor.id:
        raise Forbidden("You cannot reset your own multi-factor authentication: use a recovery code, or ask "
                        "another administrator")
    if organisation is not None and user.is_platform_admin:
        raise Forbidden("Only another platform administrator can reset the MFA of a platform administrator")
    _clear(user)
    if organisation is not None:
        record("mfa_reset", user, actor=actor, email=user.email)
    record_platform("mfa_reset", user, actor=actor, organisation=organisation, email=user.email)
    send_email(user.email, "Your Portal multi-factor authentication was reset", "mfa_changed", user=user,
               change=f"reset by {actor.display_name}, an administrator. If you did not ask for this, tell "
                      "your organisation's administrator now")


# -- who must have it --------------------------------------------------------------------------

def required_reason(user: User, memberships: list | None = None) -> str | None:
    """Why this person must have MFA (a sentence), or None. ``memberships``: the person's own, when
    the caller has them already."""
    if user.is_platform_admin:
        return "platform administrators must use it"
    if memberships is None:
        with tenant_context(current_tenant_id(), user.id):  # the person's own memberships, in any request
            memberships = memberships_of(user)
    for membership in memberships:
        organisation = membership.organisation
        if (organisation.kind, membership.role) in ALWAYS_REQUIRED:
            return f"{membership.role_label.lower()} staff in {organisation.name} must use it"
        if organisation.require_mfa:
            return f"{organisation.name} requires it for everyone"
    return None


def setup_needed(user: User, memberships: Callable[[], list] | None = None) -> bool:
    """Whether this person must set MFA up before going on; ``memberships`` answers their own
    memberships (called only if they have no MFA)."""
    return not user.has_mfa and required_reason(user, memberships() if memberships else None) is not None


def set_organisation_requirement(organisation: Organisation, required: bool, *, actor: User) -> None:
    """An organisation's administrator turns "require MFA for everyone" on or off (audited)."""
    if organisation.require_mfa == required:
        return
    organisation.require_mfa = required
    db.session.flush()
    record("mfa_requirement_changed", organisation, actor=actor, required=required)
    record_platform("mfa_requirement_changed", organisation, actor=actor, organisation=organisation,
                    required=required)


def reset_by_platform_admin(email: str, *, actor: User) -> User:
    """A platform administrator resets the MFA of any account, named by its email address."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise ServiceError("No account uses that email address", field="email")
    if not user.has_mfa:
        raise ServiceError(f"{user.email} has not set up multi-factor authentication", field="email")
    reset_by_admin(user, actor=actor)
    return user


def enrol_with_secret(user: User, secret: str) -> None:
    """Turn MFA on with a secret chosen by the caller, without a code: for the demo accounts (one
    documented demo secret) and the tests' factories; people set it up through ``enable``."""
    if user.has_mfa:
        return
    user.mfa_secret = encrypt_secret(secret)
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = None
    db.session.flush()
