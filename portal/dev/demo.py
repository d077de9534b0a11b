"""Demo data for `make run`: idempotent, so running it again changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.accounts.services import get_user_by_email
from portal.extensions import db
from portal.tenants.context import tenant_context
from portal.tenants.models import COMMISSIONER, Membership, Organisation
from portal.tenants.queries import get_organisation_by_slug

DEMO_PASSWORD = "demo-pass-2026"
#: The authenticator secret of every demo account that must use MFA (the platform administrator and
#: Glasgow's procurement and finance officers): add it to an authenticator app, or run `portal demo-code`.
DEMO_TOTP_SECRET = "PORTALDEMOSECRETFORTOTPCODESJBSW"
PLATFORM_ADMIN = "admin@portal.example"

ORGANISATIONS = [
    ("glasgow-hscp", "Glasgow City HSCP", "commissioner", [
        ("commissioner@glasgow-hscp.example", "Morag Campbell", "contract_manager"),
        ("procurement@glasgow-hscp.example", "Iain Fraser", "procurement"),
        ("finance@glasgow-hscp.example", "Fiona Reid", "finance"),
        ("admin@glasgow-hscp.example", "Alasdair Grant", "commissioner_admin"),
    ]),
    ("aberdeen-hscp", "Aberdeen City HSCP", "commissioner", [
        ("commissioner@aberdeen-hscp.example", "Eilidh Ross", "contract_manager"),
        ("admin@aberdeen-hscp.example", "Callum Duncan", "commissioner_admin"),
    ]),
    ("riverside-care", "Riverside Care", "provider", [
        ("admin@riverside-care.example", "Priya Shah", "provider_admin"),
        ("staff@riverside-care.example", "Tom Wilson", "submitter"),
        ("finance@riverside-care.example", "Grace Okafor", "finance"),
    ]),
    ("hillview-support", "Hillview Support", "provider", [
        ("admin@hillview-support.example", "Jamie Kerr", "provider_admin"),
    ]),
    ("oakfield-care", "Oakfield Care", "provider", [("admin@oakfield-care.example", "Ruth Mackay", "provider_admin")]),
    ("northgate-living", "Northgate Living", "provider",
     [("admin@northgate-living.example", "Sean Doyle", "provider_admin")]),
    ("brightpath-support", "Brightpath Support", "provider",
     [("admin@brightpath-support.example", "Aisha Khan", "provider_admin")]),
    ("lochside-care", "Lochside Care", "provider", [("admin@lochside-care.example", "Neil Munro", "provider_admin")]),
]


def _user(email: str, full_name: str, password_hash: str, *, platform_admin: bool = False) -> User:
    user = get_user_by_email(email)
    if user is None:
        user = User(email=email, full_name=full_name, password_hash=password_hash,
                    is_platform_admin=platform_admin, session_epoch=0)
        db.session.add(user)
        db.session.flush()
    return user


def seed_demo() -> dict[str, int]:
    """Create the demo organisations and accounts that are missing; returns what was created."""
    created = {"organisations": 0, "users": 0, "memberships": 0}
    password_hash = hash_password(DEMO_PASSWORD)
    before = db.session.scalar(select(db.func.count(User.id)))
    _user(PLATFORM_ADMIN, "Platform Administrator", password_hash, platform_admin=True)
    for slug, name, kind, people in ORGANISATIONS:
        organisation = get_organisation_by_slug(slug)
        if organisation is None:
            organisation = Organisation(slug=slug, name=name, kind=kind)
            db.session.add(organisation)
            db.session.flush()
            created["organisations"] += 1
        with tenant_context(organisation.id):
            for email, full_name, role in people:
                user = _user(email, full_name, password_hash)
                exists = db.session.scalar(select(Membership.id).where(Membership.user_id == user.id))
                if not exists:
                    db.session.add(Membership(user_id=user.id, role=role))
                    created["memberships"] += 1
            db.session.flush()
    created["users"] = db.session.scalar(select(db.func.count(User.id))) - before
    _enrol_demo_mfa()
    from portal.dev.demo_returns import seed_demo_returns

    created["contracts"] = seed_demo_returns()
    created["collaboratives"] = _seed_collaborative()
    from portal.dev.demo_tenders import seed_demo_tenders

    created["tenders"] = seed_demo_tenders()
    from portal.dev.demo_bids import seed_demo_bids

    created["bids"] = seed_demo_bids()
    from portal.dev.demo_lists import seed_demo_lists

    created["supplier_lists"] = seed_demo_lists()
    from portal.dev.demo_threads import seed_demo_threads

    created["threads"] = seed_demo_threads()
    from portal.dev.demo_awards import seed_demo_awards

    created["awards"] = seed_demo_awards()
    from portal.dev.demo_actuals import seed_demo_actuals
    from portal.dev.demo_invoices import seed_demo_invoices
    from portal.dev.demo_payments import seed_demo_payments

    seed_demo_invoices()  # counted by its own tests, not here
    seed_demo_actuals()
    created["payment_runs"] = seed_demo_payments()  # from the approved invoices above
    from portal.dev.demo_proposals import seed_demo_proposals

    seed_demo_proposals()
    _write_derived_data()
    return created


def _write_derived_data() -> None:
    """Write here and now what workers would derive from the demo's history, so that
    `make run` does not start with a backlog: the jobs its writes asked for (index each return,
    refresh each rollup, email providers about two years of reviews, check the tracker files it
    has already checked) are marked done instead of queued."""
    from portal.collaboratives import services as collaboratives
    from portal.outbox import mark_done_without_running
    from portal.search.jobs import index_submitted_returns

    mark_done_without_running()
    index_submitted_returns()  # every submitted return not indexed yet (all of them on a fresh start)
    for commissioner_id in db.session.scalars(select(Organisation.id).where(Organisation.kind == COMMISSIONER)
                                              .order_by(Organisation.id)):
        with tenant_context(commissioner_id):
            collaboratives.refresh_outcome_rollup(commissioner_id)  # one rollup per commissioner


def _seed_collaborative() -> int:
    """Glasgow and Aberdeen pool their outcome figures."""
    from portal.collaboratives import services as collaboratives
    from portal.collaboratives.models import Collaborative

    name = "Glasgow and Aberdeen outcomes partnership"
    glasgow, aberdeen = get_organisation_by_slug("glasgow-hscp"), get_organisation_by_slug("aberdeen-hscp")
    made = 0
    if not db.session.scalar(select(Collaborative.id).where(Collaborative.name == name)):
        with tenant_context(glasgow.id):
            collaborative = collaboratives.create_collaborative(glasgow, name=name, invite=["aberdeen-hscp"],
                                                                actor=None)
        with tenant_context(aberdeen.id):
            collaboratives.accept(aberdeen, collaborative.id, actor=None)
        made = 1
    return made


def _enrol_demo_mfa() -> None:
    """The demo accounts that must use MFA have it, with the one documented demo secret."""
    from portal.accounts import mfa

    for user in db.session.scalars(select(User).where(User.email.like("%.example"))):
        if not user.has_mfa and mfa.required_reason(user):
            mfa.enrol_with_secret(user, DEMO_TOTP_SECRET)


def demo_accounts() -> list[tuple[str, str, str]]:
    rows = [(PLATFORM_ADMIN, "Platform administrator", "")]
    for slug, _name, _kind, people in ORGANISATIONS:
        rows += [(email, role, slug) for email, _n, role in people]
    return rows
