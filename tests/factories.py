"""One factory per model, with a default for every argument (after GOV.UK Notify's
tests/app/db.py). Tests name only what matters to them:

    contract = factories.contract(reference="CLY-002", frequency="quarterly")
    factories.submission(contract, date(2025, 1, 1), on=date(2025, 2, 10))

Each factory runs in an application context of its own, as the tenant that owns what it
makes, goes through the services wherever they keep a rule, commits, and returns a detached
object whose columns stay readable (relationships are not loaded: use ids and slugs).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from itertools import count
from typing import Iterator

from sqlalchemy import select

PASSWORD = "tidy-lantern-orbit-42"
_seq = count(1)
_app = None


def bind(app) -> None:
    """The application the factories write through (the test session's)."""
    global _app
    _app = app


@contextmanager
def _as(tenant_id: int | None = None, user_id: int | None = None) -> Iterator:
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    assert _app is not None, "tests.factories is bound to the app by the `app` fixture: use that fixture"
    with _app.app_context(), tenant_context(tenant_id, user_id):
        yield db.session
        db.session.commit()


def _detached(session, *objects):
    for obj in objects:
        session.refresh(obj)
        session.expunge(obj)
    return objects[0] if len(objects) == 1 else objects


def noon(day: date) -> datetime:
    """Midday UTC (the same calendar day in London) on ``day``."""
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=timezone.utc)


def full_answers(measures) -> dict[str, str]:
    """Valid answers for every measure of a template (7 of 10 people achieving each outcome)."""
    values = {}
    for m in measures:
        values[m.code] = {"integer": "10", "decimal": "120.5", "percentage": "95", "yes_no": "yes",
                          "text": f"Evidence for {m.code}"}[m.type]
        if m.code.endswith(".ACHIEVED"):
            values[m.code] = "7"
    return values


# -- organisations and people ------------------------------------------------------------------

def organisation(kind: str = "provider", *, slug: str | None = None, name: str | None = None):
    from portal.tenants.models import Organisation

    n = next(_seq)
    with _as() as session:
        org = Organisation(slug=slug or f"{kind}-{n}", name=name or f"{kind.title()} {n}", kind=kind)
        session.add(org)
        session.flush()
        return _detached(session, org)


def membership(org, person, role: str | None = None):
    from portal.tenants.models import Membership

    with _as(org.id) as session:
        found = Membership(user_id=person.id, role=role or ("provider_admin" if org.kind == "provider"
                                                              else "commissioner_admin"))
        session.add(found)
        session.flush()
        found = _detached(session, found)
    enrol_mfa_if_required(person)
    return found


def user(email: str | None = None, *, memberships=(), platform_admin: bool = False, full_name: str = "Test Person",
         password: str = PASSWORD):
    """A person with a password and, optionally, ``memberships`` as (organisation, role) pairs."""
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password

    with _as() as session:
        person = User(email=email or f"person{next(_seq)}@example.org", full_name=full_name,
                      password_hash=hash_password(password), is_platform_admin=platform_admin, session_epoch=0)
        session.add(person)
        session.flush()
        person = _detached(session, person)
    for org, role in memberships:
        membership(org, person, role)
    if platform_admin:
        enrol_mfa_if_required(person)
    return person


def member_of(org, role: str | None = None):
    """Someone of ``org`` with ``role`` (made if there is nobody)."""
    from portal.accounts.models import User
    from portal.tenants.models import Membership

    with _as(org.id) as session:
        query = select(User).join(Membership, Membership.user_id == User.id).order_by(User.id)
        if role:
            query = query.where(Membership.role == role)
        found = session.scalar(query.limit(1))
        if found is not None:
            return _detached(session, found)
    return user(f"{role or 'member'}{next(_seq)}@{org.slug}.example", memberships=[(org, role or (
        "submitter" if org.kind == "provider" else "contract_manager"))])


def membership_id(org, person) -> int:
    """The id of ``person``'s membership of ``org``."""
    from portal.tenants.queries import list_members

    with _as(org.id):
        return next(m.id for m in list_members() if m.user_id == person.id)


def invitation(org, *, email: str | None = None, role: str | None = None):
    """A pending invitation and its signed token."""
    from portal.accounts.services import invite
    from portal.tenants.models import Organisation

    with _as(org.id) as session:
        found, token = invite(session.get(Organisation, org.id), email or f"invited{next(_seq)}@example.org",
                              role or org_roles(org)[-1], invited_by=None)
        session.flush()
        return _detached(session, found), token


def org_roles(org) -> tuple[str, ...]:
    from portal.tenants.models import ROLES

    return ROLES[org.kind]


def api_token(person, *, label: str = "API token", organisation=None, scopes=("read", "write"),
              days: int = 90) -> str:
    """A bearer token of ``person`` for ``organisation`` (default: their only one), with ``scopes``
    (default: read and write); the raw value, as sent in the Authorization header."""
    from portal.accounts.api_tokens import create_api_token
    from portal.accounts.models import User
    from portal.tenants.models import Organisation
    from portal.tenants.queries import memberships_of

    with _as(None, person.id) as session:
        user = session.get(User, person.id)
        if organisation is None:
            [membership] = memberships_of(user)
            organisation_id = membership.tenant_id
        else:
            organisation_id = organisation.id
        _token, raw = create_api_token(user, session.get(Organisation, organisation_id), scopes=scopes, days=days,
                                       label=label)
    return raw


def api_token_ids(person) -> list[int]:
    """The ids of ``person``'s API tokens, newest first."""
    from portal.accounts.queries import list_own_api_tokens

    with _as(None, person.id):
        return [token.id for token in list_own_api_tokens(person)]


def dev_mail(*, to: str = "someone@example.org", subject: str = "A message", body: str = "Hello"):
    from portal.notifications.models import DevMailboxMessage

    with _as() as session:
        message = DevMailboxMessage(to_address=to, subject=subject, body=body)
        session.add(message)
        session.flush()
        return _detached(session, message)


# -- frameworks and contracts -------------------------------------------------------------------

def national_framework(code: str = "NHWO"):
    """A national outcome framework (they are seeded on first use)."""
    from portal.contracts.frameworks import seed_frameworks
    from portal.contracts.models import OutcomeFramework

    with _as() as session:
        seed_frameworks()
        session.flush()
        return _detached(session, session.scalar(select(OutcomeFramework).where(
            OutcomeFramework.code == code, OutcomeFramework.owner_id.is_(None))))


def outcome_id(framework_id: int, owner=None) -> int:
    """The first outcome of a framework (read as its owner, for a commissioner's own)."""
    from portal.contracts.models import Outcome

    with _as(owner.id if owner is not None else None) as session:
        return session.scalar(select(Outcome.id).where(Outcome.framework_id == framework_id)
                              .order_by(Outcome.position, Outcome.id))


def framework(owner=None, *, code: str | None = None, name: str = "Own outcomes", outcomes=None):
    """A commissioner's own framework with the standard questions for each outcome."""
    from portal.contracts.custom_frameworks import create_framework
    from portal.tenants.models import Organisation

    owner = owner or organisation("commissioner")
    code = code or f"OWN-{next(_seq)}"
    with _as(owner.id) as session:
        made = create_framework(session.get(Organisation, owner.id), name=name, code=code,
                                outcomes=outcomes or [(f"{code}-1", "People live well")], actor=None)
        session.flush()
        return _detached(session, made)


def contract(*, commissioner=None, provider=None, reference: str | None = None, title: str | None = None,
             framework_id: int | None = None, start: date = date(2025, 1, 1), end: date = date(2025, 12, 31),
             frequency: str | None = "monthly", due_days: int = 14, service_type: str = "care_at_home",
             care_group: str = "Older people", locality: str = "North", annual_value: str = "100000.00",
             funding_model: str = "outcomes_based", lead_manager=None, living_wage_rate: str | None = None,
             delivery_unit: str | None = None):
    """A contract (made by the commissioner, through the service) and, unless ``frequency`` is
    None, its schedule with a draft return for every period."""
    from portal.contracts.services import create_contract, create_schedule
    from portal.tenants.models import Organisation

    commissioner = commissioner or organisation("commissioner")
    provider = provider or organisation("provider")
    framework_id = framework_id or national_framework().id
    reference = reference or f"C-{next(_seq)}"
    with _as(commissioner.id, lead_manager.id if lead_manager else None) as session:
        made = create_contract(
            session.get(Organisation, commissioner.id), provider_slug=provider.slug, reference=reference,
            title=title or f"Contract {reference}", service_type=service_type, care_group=care_group,
            locality=locality, start_date=start, end_date=end, annual_value=annual_value,
            funding_model=funding_model, framework_id=framework_id,
            lead_manager_id=lead_manager.id if lead_manager else None, living_wage_rate=living_wage_rate,
            delivery_unit=delivery_unit, actor=None)
        if frequency:
            create_schedule(made, frequency=frequency, due_days=due_days, actor=None)
        session.flush()
        return _detached(session, made)


# -- returns -------------------------------------------------------------------------------------

def _return(session, contract_, period_start: date | None):
    from portal.returns.models import Return

    query = select(Return).where(Return.contract_id == contract_.id).order_by(Return.period_start)
    if period_start is not None:
        query = query.where(Return.period_start == period_start)
    found = session.scalar(query.limit(1))
    assert found is not None, f"{contract_.reference} has no return for {period_start}"
    return found


def return_of(contract_, period_start: date | None = None):
    """The contract's return for the period starting on ``period_start`` (the first if None)."""
    with _as(contract_.tenant_id) as session:
        return _detached(session, _return(session, contract_, period_start))


def _answer(session, ret, actor, values: dict | None, delivery: dict):
    """A draft gets every answer (``values`` replace some); a return sent back gets ``values`` only."""
    from portal.returns import queries, services

    values = {**(full_answers(queries.measures_for(ret)) if ret.status == "draft" else {}), **(values or {})}
    if "contracted" in delivery:
        values["DEL.UNITS_CONTRACTED"] = str(delivery["contracted"])
    if "delivered" in delivery:
        values["DEL.UNITS_DELIVERED"] = str(delivery["delivered"])
    if values:
        services.save_answers(ret, values, expected_version=ret.lock_version, actor=actor)


def answers(contract_, period_start: date | None = None, *, values: dict | None = None, by=None, **delivery):
    """Answer every question of a draft return (``values`` replace some of the answers); it stays a draft."""
    from portal.accounts.models import User

    by = by or member_of(_provider(contract_), "submitter")
    with _as(contract_.tenant_id, by.id) as session:
        ret = _return(session, contract_, period_start)
        _answer(session, ret, session.get(User, by.id), values, delivery)
        return _detached(session, ret)


def submission(contract_, period_start: date | None = None, *, on: date | None = None, values: dict | None = None,
               by=None, **delivery):
    """Answer (every question, for a draft), confirm any figures far from the previous period's,
    declare and submit a return, at midday on ``on``. ``contracted=`` and ``delivered=`` set the
    delivery figures. Returns the new version."""
    from portal.accounts.models import User
    from portal.returns import services

    by = by or member_of(_provider(contract_), "submitter")
    with _as(contract_.tenant_id, by.id) as session:
        ret = _return(session, contract_, period_start)
        actor = session.get(User, by.id)
        _answer(session, ret, actor, values, delivery)
        services.confirm_warnings_of(ret, [w.code for w in services.current_warnings(ret)], actor=actor)
        services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=actor)
        version = services.submit(ret, expected_version=ret.lock_version, actor=actor, now=noon(on) if on else None)
        session.flush()
        return _detached(session, version)


def review(contract_, period_start: date | None = None, decision: str = "accept", *, on: date | None = None,
           by=None, comment: str | None = None, tasks=(), respond_by: date | None = None,
           section_comments: dict | None = None):
    """The commissioner accepts a submitted return or asks for changes (by ``respond_by``)."""
    from portal.accounts.models import User
    from portal.returns import services

    commissioner = organisation_by_id(contract_.commissioner_id)
    by = by or member_of(commissioner, "contract_manager")
    with _as(commissioner.id, by.id) as session:
        ret = _return(session, contract_, period_start)
        services.review(ret, decision=decision, comment=comment if comment is not None else (
            "" if decision == "accept" else "Check the figures"), problem_tasks=list(tasks),
            actor=session.get(User, by.id), now=noon(on) if on else None, respond_by=respond_by,
            section_comments=section_comments)
        session.flush()
        return _detached(session, ret)


def submitted_document_id(ret, number: int = 1) -> int:
    """The id of the first document frozen into a submitted version of ``ret``."""
    from portal.returns.queries import get_version

    with _as(ret.tenant_id):
        return get_version(ret, number).documents[0]["id"]


def return_import(contract_, period_start: date | None = None, *, status: str = "failed", filename: str = "r.csv"):
    from portal.returns.models import ReturnImport

    with _as(contract_.tenant_id) as session:
        ret = _return(session, contract_, period_start)
        item = ReturnImport(return_id=ret.id, filename=filename, file_format=filename.rsplit(".", 1)[-1],
                            storage_key=f"t/{contract_.tenant_id}/imports/{next(_seq)}", status=status, errors=[])
        session.add(item)
        session.flush()
        return _detached(session, item)


def reminder(contract_, period_start: date | None = None, kind: str = "week"):
    """A reminder sent about a return, as the reminders job records it."""
    from portal.returns.lateness import next_deadline
    from portal.returns.models import ReturnReminder

    with _as(contract_.tenant_id) as session:
        ret = _return(session, contract_, period_start)
        made = ReturnReminder(tenant_id=ret.tenant_id, commissioner_id=ret.commissioner_id, return_id=ret.id,
                              contract_id=ret.contract_id, period_start=ret.period_start, kind=kind,
                              deadline=next_deadline(ret))
        session.add(made)
        session.flush()
        return _detached(session, made)


def attachment(contract_, document_, period_start: date | None = None):
    """Attach a library document to a return (before it is submitted)."""
    from portal.returns.attachments import attach

    with _as(contract_.tenant_id) as session:
        ret = _return(session, contract_, period_start)
        attach(ret, document_.id, actor=None)
        return _detached(session, ret)


def _provider(contract_):
    return organisation_by_id(contract_.tenant_id)


def organisation_by_id(org_id: int):
    from portal.tenants.models import Organisation

    with _as() as session:
        return _detached(session, session.get(Organisation, org_id))


# -- documents, search, collaboratives ------------------------------------------------------------

def document(org=None, *, filename: str = "evidence.pdf", text: str | None = None, status: str = "clean",
             scan_status: str = "clean", size_bytes: int | None = None, content_type: str = "application/pdf"):
    """A document already checked by the worker (no bytes in S3: for pages, lists and search)."""
    from portal.documents.models import Document
    from portal.models_base import utcnow

    org = org or organisation()
    with _as(org.id) as session:
        made = Document(storage_key=f"t/{org.id}/documents/{next(_seq)}", filename=filename,
                        size_bytes=size_bytes or max(len((text or "").encode()), 1), status=status,
                        scan_status=scan_status, sha256="0" * 64, content_type=content_type,
                        processed_at=utcnow() if status != "pending" else None, text_content=text)
        session.add(made)
        session.flush()
        return _detached(session, made)


def search_entries(contract_, period_start: date | None = None) -> int:
    """Index a submitted return for search, as the index job does."""
    from portal.search.services import index_return

    with _as(contract_.tenant_id) as session:
        return index_return(_return(session, contract_, period_start))


def outcome_rollup(commissioner) -> None:
    """Rebuild a commissioner's shared outcome rollup, as the rollup job does."""
    from portal.collaboratives.services import refresh_outcome_rollup

    with _as(commissioner.id):
        refresh_outcome_rollup(commissioner.id)


def collaborative(owner=None, *, name: str | None = None, invite=(), accepted_by=()):
    """A collaborative formed by ``owner``, inviting ``invite`` (organisations); those in
    ``accepted_by`` accept."""
    from portal.collaboratives.services import accept, create_collaborative
    from portal.tenants.models import Organisation

    owner = owner or organisation("commissioner")
    with _as(owner.id) as session:
        made = create_collaborative(session.get(Organisation, owner.id), name=name or f"Group {next(_seq)}",
                                    invite=[o.slug for o in invite], actor=None)
        session.flush()
        made = _detached(session, made)
    for org in accepted_by:
        with _as(org.id) as session:
            accept(session.get(Organisation, org.id), made.id, actor=None)
    return made


def tender(commissioner=None, *, reference: str | None = None, title: str = "Care at home, east",
           regime: str = "scotland", published: bool = True, days_open: int = 40, lots=None,
           description: str = "Care at home for older people in the east of the city."):
    """A tender made through the service, published now (unless ``published`` is False), with its
    submission deadline ``days_open`` days from now at noon."""
    from portal.procurement.services import create_tender, publish
    from portal.tenants.models import Organisation

    commissioner = commissioner or organisation("commissioner")
    now = datetime.now(timezone.utc)
    deadline = noon((now + timedelta(days=days_open)).date())
    with _as(commissioner.id) as session:
        made = create_tender(session.get(Organisation, commissioner.id), reference=reference or f"T-{next(_seq)}",
                             title=title, description=description, service_type="care_at_home", regime=regime,
                             published_at=now, submission_deadline=deadline, lots=lots,
                             estimated_value="250000.00", actor=None)
        if published:
            publish(made, actor=None)
        session.flush()
        return _detached(session, made)


def interest(provider, tender_):
    """The provider's registered interest in a published tender."""
    from portal.procurement.queries import get_tender
    from portal.procurement.services import register_interest
    from portal.tenants.models import Organisation

    with _as(provider.id) as session:
        made = register_interest(session.get(Organisation, provider.id), get_tender(tender_.id), actor=None)
        session.flush()
        return _detached(session, made)


def amendment(tender_, *, reason: str = "The service description is clearer.", **changes):
    """An amendment to the commissioner's open tender (by default its description)."""
    from portal.procurement.queries import get_tender
    from portal.procurement.services import amend

    changes = changes or {"description": tender_.description + " Night visits are included."}
    with _as(tender_.tenant_id) as session:
        made = amend(get_tender(tender_.id), dict(changes), reason, actor=None)


def _admin_of(org):
    """A stand-in membership of the organisation's administrator (sees every thread)."""
    from types import SimpleNamespace

    from portal.tenants.models import ADMIN_ROLES

    return SimpleNamespace(organisation=org, tenant_id=org.id, user_id=None, role=ADMIN_ROLES[org.kind])


def thread(commissioner=None, *, title: str = "Recommissioning care at home", contract_=None,
           description: str = "Questions about the plan for care at home.", closed: bool = False):
    """A thread opened through the service: market-wide, or for ``contract_`` (its provider only)."""
    from portal.engagement.services import close_thread, open_thread
    from portal.tenants.models import Organisation

    commissioner = commissioner or organisation("commissioner")
    with _as(commissioner.id) as session:
        org = session.get(Organisation, commissioner.id)
        made = open_thread(org, _admin_of(org), title=title, description=description,
                           scope="contract" if contract_ else "market",
                           contract_id=contract_.id if contract_ else None, actor=None)
        if closed:
            close_thread(made, actor=None)
        session.flush()
        return _detached(session, made)


def thread_question(provider, thread_, body: str = "Will the new contracts pay the Scottish Living Wage?", *,
                    by=None):
    """A provider's question in a thread it reads."""
    from portal.engagement.models import Thread
    from portal.engagement.services import ask
    from portal.tenants.models import Organisation

    with _as(provider.id) as session:
        made = ask(session.get(Organisation, provider.id), session.get(Thread, thread_.id), body, actor=by)
        session.flush()
        return _detached(session, made)


def question(provider, tender_, *, text: str = "Can the service start in two phases?", lot=None, by=None):
    """The provider's clarification question on a published tender, asked through the service."""
    from portal.procurement.clarifications import ask_question
    from portal.procurement.queries import get_tender
    from portal.tenants.models import Organisation

    with _as(provider.id) as session:
        made = ask_question(session.get(Organisation, provider.id), get_tender(tender_.id), text, lot, actor=by)
        session.flush()
        return _detached(session, made)


def thread_reply(question_, body: str = "Yes: the rate is set out in the plan.", *, answer_set: bool = False,
                 publish: bool = False, wording: str | None = None):
    """The commissioner's reply to a question; ``answer_set`` puts it in the set (worded as
    ``wording``), ``publish`` publishes the set."""
    from portal.engagement.models import ThreadQuestion, Thread
    from portal.engagement.services import mark, publish_answers, reply

    with _as(question_.commissioner_id) as session:
        found = session.get(ThreadQuestion, question_.id)
        parent = session.get(Thread, question_.thread_id)
        made = reply(parent, found, body, actor=None)
        if answer_set or publish:
            mark(parent, found, question_text=wording or found.body, answer_text=body, actor=None)
        if publish:
            publish_answers(parent, actor=None)
        session.flush()
        return _detached(session, made)


def answer(question_, *, answer: str = "Yes: the second phase starts three months later.", publish: bool = True,
           question_text: str | None = None, reason: str | None = None, duplicates=()):
    """The commissioner's answer to a question, published (a clarification) or private."""
    from portal.procurement.clarification_queries import get_question
    from portal.procurement.clarifications import answer_question

    with _as(question_.commissioner_id) as session:
        made = answer_question(get_question(question_.id), answer, publish=publish, question_text=question_text,
                               reason=reason, duplicates=duplicates, actor=None)
        session.flush()
        return _detached(session, made)


def clarification(provider, tender_, *, text: str = "Is TUPE likely to apply?", answer_text: str = "Yes, it is.",
                  question_text: str | None = None):
    """A published clarification of the tender: the provider asks, the commissioner publishes."""
    from portal.procurement.clarification_models import Clarification
    from sqlalchemy import select

    asked = question(provider, tender_, text=text)
    answered = answer(asked, answer=answer_text, question_text=question_text)
    with _as(tender_.tenant_id) as session:
        made = session.scalar(select(Clarification).where(Clarification.id == answered.clarification_id))
        return _detached(session, made)


def quality_question(tender_, *, text: str = "How will you help people stay well at home?", weight: int = 100,
                     lot=None, number: int | None = None, word_limit: int | None = None):
    """A quality question of the tender (every lot unless ``lot``), listed with it."""
    from sqlalchemy import func

    from portal.procurement.bid_models import QualityQuestion

    with _as(tender_.tenant_id) as session:
        if number is None:
            number = 1 + (session.scalar(select(func.max(QualityQuestion.number))
                                         .where(QualityQuestion.tender_id == tender_.id)) or 0)
        made = QualityQuestion(tenant_id=tender_.tenant_id, tender_id=tender_.id, lot_id=lot.id if lot else None,
                               number=number, text=text, weight=weight, word_limit=word_limit,
                               listed=tender_.listed)
        session.add(made)
        session.flush()
        return _detached(session, made)


def tender_key(tender_):
    """The tender's wrapped bid key (made when it was published; made now for a draft)."""
    from portal.procurement.bid_models import TenderKey
    from portal.procurement.models import Tender
    from portal.procurement.sealing import issue_tender_key

    with _as(tender_.tenant_id) as session:
        made = session.scalar(select(TenderKey).where(TenderKey.tender_id == tender_.id))
        if made is None:
            made = issue_tender_key(session.get(Tender, tender_.id))
            session.flush()
        return _detached(session, made)


#: A small file the document checks accept as a PDF (the bytes of a bid's document in the factories).
BID_PDF = b"%PDF-1.4\n% A method statement for the tests\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _bidding_moment(tender_) -> datetime:
    """Now, or an hour before the deadline for bids when it has passed (the services take ``now``)."""
    now = datetime.now(timezone.utc)
    return min(now, tender_.submission_deadline - timedelta(hours=1))


def bid(provider, tender_, *, lot=None, price: str = "200000.00", members=(), document: bool = True,
        answers: dict | None = None, submit: bool = True, by=None):
    """The provider's bid for the tender's first lot (or ``lot``, a Lot or its number), made through
    the services: the price, an answer to every quality question of the lot (or ``answers`` by
    question number), a document checked and sealed to the tender's key (``document``), consortium
    ``members`` (organisations, 25% each, each confirming its part from its own account) and, unless
    ``submit`` is False, submitted with a receipt. On a tender whose deadline has passed the bid is
    made an hour before the deadline (the services' ``now``)."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.procurement import bid_documents, bid_members, bids
    from portal.procurement.bid_models import Bid, BidMember
    from portal.procurement.queries import get_tender
    from portal.tenants.models import Organisation

    at = _bidding_moment(tender_)
    number = getattr(lot, "number", lot)
    with _as(provider.id) as session:
        found = get_tender(tender_.id)
        actor = session.get(_user_model(), by.id) if by is not None else None
        made = bids.start_bid(session.get(Organisation, provider.id), found, number or found.lots[0].number,
                              actor=actor, now=at)
        bids.save_price(made, price, actor=actor, now=at)
        questions = bids.questions_for(made.tender_id, made.lot_id)
        bids.save_answers(made, answers if answers is not None else {
            str(q.number): f"Our answer to question {q.number}." for q in questions}, actor=actor, now=at)
        if document:
            bid_documents.upload(made, [FileStorage(io.BytesIO(BID_PDF), filename="method.pdf")], actor=actor,
                                 now=at)
        for member in members:
            bid_members.add_member(made, member.slug, role="member", share="25", part="Night visits",
                                   actor=actor, now=at)
        bid_id = made.id
    for member in members:
        with _as(member.id) as session:
            row = session.scalar(select(BidMember).where(BidMember.bid_id == bid_id,
                                                         BidMember.member_id == member.id))
            bid_members.confirm_part(session.get(Organisation, member.id), row, actor=None, now=at)
    with _as(provider.id) as session:
        made = session.get(Bid, bid_id)
        if submit:
            bids.submit(made, declaration=True, actor=session.get(_user_model(), by.id) if by else None, now=at)
            session.flush()
        return _detached(session, made)


def bid_changes(bid_):
    """The provider starts changing its submitted bid: a working copy, not submitted."""
    from portal.procurement import bids
    from portal.procurement.bid_models import Bid
    from portal.procurement.queries import get_tender

    with _as(bid_.tenant_id) as session:
        made = bids.working_copy(session.get(Bid, bid_.id), now=_bidding_moment(get_tender(bid_.tender_id)))
        session.flush()
        return _detached(session, made)


def _user_model():
    from portal.accounts.models import User

    return User


def _opening_moment(tender_) -> datetime:
    """Now, or a minute after the deadline for bids while it is still to come (the services' ``now``)."""
    now = datetime.now(timezone.utc)
    return max(now, tender_.submission_deadline + timedelta(minutes=1))


def opening(tender_, user) -> None:
    """A procurement user's confirmation of the opening, through the service. Before the deadline
    the clock is moved: the confirmation is made a minute after it (the tender is then closed)."""
    from portal.procurement.bid_opening import confirm_opening
    from portal.procurement.queries import get_tender

    with _as(tender_.tenant_id, user.id) as session:
        confirm_opening(get_tender(tender_.id), actor=session.get(_user_model(), user.id),
                        now=_opening_moment(tender_))


def opened(tender_, *, by=()):
    """The tender closed and its bids opened by two different procurement users (``by``, or two
    made for the commissioner), through the services. While the deadline for bids is still to come
    the clock is moved: both confirm a minute after the deadline (``opened_at`` is then that
    moment, and the tender is stored as closed). Returns the tender."""
    from portal.procurement.models import Tender

    people = list(by) or [user(memberships=[(organisation_by_id(tender_.tenant_id), "procurement")])
                          for _ in range(2)]
    for person in people:
        opening(tender_, person)
    with _as(tender_.tenant_id) as session:
        return _detached(session, session.get(Tender, tender_.id))


def bid_part_ids(bid_) -> dict:
    """The ids of a bid's first document and first consortium member (for the suites that try URLs)."""
    from portal.procurement.bid_models import BidDocument, BidMember

    with _as(bid_.tenant_id) as session:
        document = session.scalar(select(BidDocument.id).where(BidDocument.bid_id == bid_.id).order_by(BidDocument.id))
        member = session.scalar(select(BidMember.id).where(BidMember.bid_id == bid_.id).order_by(BidMember.id))
        return {"bid_id": bid_.id, "bid_document_id": document, "bid_member_id": member}


# -- approved supplier lists, mini-competitions, tender documents -----------------------------------

def supplier_list(commissioner=None, *, name: str | None = None, service_type: str = "care_at_home",
                  starts_on: date | None = None, ends_on: date | None = None, members=(),
                  description: str = "Providers approved for the service."):
    """An approved supplier list of the commissioner's, made through the service, with ``members``
    (providers, members from ``starts_on``, which defaults to a year ago)."""
    from portal.procurement.supplier_lists import create_list
    from portal.tenants.models import Organisation

    commissioner = commissioner or organisation("commissioner")
    starts_on = starts_on or date.today() - timedelta(days=365)
    with _as(commissioner.id) as session:
        made = create_list(session.get(Organisation, commissioner.id), name=name or f"Approved list {next(_seq)}",
                           description=description, service_type=service_type, starts_on=starts_on,
                           ends_on=ends_on, actor=None)
        session.flush()
        made = _detached(session, made)
    for provider in members:
        list_member(made, provider, starts_on=starts_on)
    return made


def list_member(supplier_list_, provider, *, starts_on: date | None = None, ends_on: date | None = None,
                removed: str | None = None):
    """The provider's membership of the list from ``starts_on`` (a year ago) to ``ends_on``;
    ``removed`` removes it with that reason."""
    from portal.procurement.supplier_list_models import SupplierList
    from portal.procurement.supplier_lists import add_member, remove_member

    with _as(supplier_list_.tenant_id) as session:
        made = add_member(session.get(SupplierList, supplier_list_.id), provider=provider.slug,
                          starts_on=starts_on or date.today() - timedelta(days=365), ends_on=ends_on, actor=None)
        if removed:
            remove_member(made, removed, actor=None)
        session.flush()
        return _detached(session, made)


def mini_competition(supplier_list_, *, reference: str | None = None, title: str = "Care at home, mini-competition",
                     published: bool = True, days_open: int = 40):
    """A tender of the list's commissioner restricted to the list's members, published now
    (unless ``published`` is False)."""
    from portal.procurement.queries import get_tender
    from portal.procurement.services import publish
    from portal.procurement.supplier_lists import restrict_tender

    made = tender(organisation_by_id(supplier_list_.tenant_id), reference=reference, title=title, published=False,
                  days_open=days_open)
    with _as(supplier_list_.tenant_id) as session:
        found = get_tender(made.id)
        restrict_tender(found, supplier_list_.id, actor=None)
        if published:
            publish(found, actor=None)
        session.flush()
        return _detached(session, found)


def stored_document(org, *, filename: str = "specification.pdf", content: bytes = b"%PDF-1.4\n% a test file\n",
                    content_type: str = "application/pdf"):
    """A clean library document whose bytes are in S3 (for what copies or downloads them)."""
    import hashlib
    import io

    from portal.documents import storage
    from portal.documents.models import Document
    from portal.models_base import utcnow

    with _as(org.id) as session:
        key = storage.new_key(org.id)
        size = storage.upload_stream(io.BytesIO(content), key, limit=10 * 1024 * 1024)
        made = Document(storage_key=key, filename=filename, size_bytes=size, status="clean", scan_status="clean",
                        sha256=hashlib.sha256(content).hexdigest(), content_type=content_type, processed_at=utcnow())
        session.add(made)
        session.flush()
        return _detached(session, made)


def tender_document(tender_, document_=None, *, title: str = "Service specification", release_at=None,
                    reason: str = "The specification is added."):
    """A document attached to the commissioner's tender through the service (an amendment, with
    ``reason``, when the tender is published); its bytes are copied in S3."""
    from portal.procurement.queries import get_tender
    from portal.procurement.tender_documents import attach

    document_ = document_ or stored_document(organisation_by_id(tender_.tenant_id))
    with _as(tender_.tenant_id) as session:
        found = get_tender(tender_.id)
        made = attach(found, document_.id, title=title, release_at=release_at,
                      reason=reason if found.status != "draft" else "", actor=None)
        session.flush()
        return _detached(session, made)


# -- evaluation and award ------------------------------------------------------------------------

def evaluation_tender(commissioner=None, *, reference: str | None = None, title: str = "Care at home, south",
                      regime: str = "scotland", lots=None, quality_weight: int = 70, price_weight: int = 30,
                      questions=None, places=None, days_ago: int = 40, closed_days_ago: int = 2):
    """A tender published ``days_ago`` days ago whose deadline for bids passed ``closed_days_ago``
    days ago, with its criteria set through the service while it was a draft. ``questions``:
    ``[{"text", "weight", "lot" (a lot number or None)}]`` (by default one question of weight
    100); ``places``: lot number -> providers to award."""
    from portal.procurement.evaluation import set_criteria
    from portal.procurement.services import create_tender, publish
    from portal.tenants.models import Organisation

    commissioner = commissioner or organisation("commissioner")
    now = datetime.now(timezone.utc)
    published = now - timedelta(days=days_ago)
    with _as(commissioner.id) as session:
        made = create_tender(session.get(Organisation, commissioner.id), reference=reference or f"E-{next(_seq)}",
                             title=title, description="Care and support at home.", service_type="care_at_home",
                             regime=regime, published_at=published,
                             submission_deadline=now - timedelta(days=closed_days_ago), lots=lots,
                             estimated_value="250000.00", actor=None)
        set_criteria(made, quality_weight=quality_weight, price_weight=price_weight, confirm_weights=True,
                     questions=[{"guidance": "", "word_limit": None, **q} for q in (questions or [
                         {"text": "How will you help people stay well at home?", "weight": 100, "lot": None}])],
                     places=places or {}, actor=None)
        publish(made, actor=None, now=published)
        session.flush()
        return _detached(session, made)


def bid_answers(bid_, answers: dict):
    """The provider's answers to the quality questions of its bid (question -> text), as a row change."""
    from portal.procurement.bid_models import Bid

    with _as(bid_.tenant_id) as session:
        found = session.get(Bid, bid_.id)
        found.answers = {str(getattr(q, "id", q)): text for q, text in answers.items()}
        session.flush()
        return _detached(session, found)


def evaluation_started(tender_):
    """The commissioner starts the evaluation of a tender past its deadline (the service)."""
    from portal.procurement.queries import get_tender
    from portal.procurement.services import start_evaluation

    with _as(tender_.tenant_id) as session:
        made = start_evaluation(get_tender(tender_.id), "", actor=None)
        session.flush()
        return _detached(session, made)


def evaluator(tender_, person, *, declare: bool = True):
    """``person`` (a member of the tender's commissioner) on its panel through the service, having
    declared no conflict (the bids must be opened for that) unless ``declare`` is False."""
    from portal.accounts.models import User
    from portal.procurement.evaluation import assign_evaluator, declare as declare_interests
    from portal.procurement.queries import get_tender

    with _as(tender_.tenant_id, person.id) as session:
        tender = get_tender(tender_.id)
        made = assign_evaluator(tender, user_id=person.id, actor=None)
        if declare:
            declare_interests(tender, session.get(User, person.id), conflict=False)
        session.flush()
        return _detached(session, made)


def evaluator_row(tender_, person, *, status: str = "assigned"):
    """``person`` on the tender's panel, as a row (no rule checked: ``person`` need not be a member)."""
    from portal.procurement.evaluation_models import Evaluator

    with _as(tender_.tenant_id) as session:
        made = Evaluator(tender_id=tender_.id, user_id=person.id, status=status)
        session.add(made)
        session.flush()
        return _detached(session, made)


def evaluator_score(bid_, question_, person, *, score: int = 3, reason: str = "Clear and evidenced."):
    """One evaluator's score of one question of a bid, as a row (no rule checked)."""
    from portal.procurement.evaluation_models import EvaluatorScore

    with _as(bid_.commissioner_id) as session:
        made = EvaluatorScore(tender_id=bid_.tender_id, lot_id=bid_.lot_id, bid_id=bid_.id, provider_id=bid_.tenant_id,
                              question_id=question_.id, evaluator_id=person.id, score=score, reason=reason)
        session.add(made)
        session.flush()
        return _detached(session, made)


def consensus_score(bid_, question_, *, score: int = 3, reason: str = "Agreed: clear and evidenced."):
    """The moderated score of one question of a bid, as a row (no rule checked)."""
    from portal.procurement.evaluation_models import ConsensusScore

    with _as(bid_.commissioner_id) as session:
        made = ConsensusScore(tender_id=bid_.tender_id, lot_id=bid_.lot_id, bid_id=bid_.id, provider_id=bid_.tenant_id,
                              question_id=question_.id, score=score, reason=reason)
        session.add(made)
        session.flush()
        return _detached(session, made)


def award_row(bid_, *, days_from_now: int = 10):
    """A public award of the bid's lot to the bid, in standstill, and the bidder's outcome, as rows."""
    from portal.procurement.evaluation_models import Award, BidOutcome

    now = datetime.now(timezone.utc)
    with _as(bid_.commissioner_id) as session:
        made = Award(tender_id=bid_.tender_id, lot_id=bid_.lot_id, bid_id=bid_.id, provider_id=bid_.tenant_id,
                     value=bid_.price, rank=1, notice_at=now, standstill_end=now + timedelta(days=days_from_now),
                     contract_start=(now + timedelta(days=days_from_now + 1)).date(),
                     contract_end=(now + timedelta(days=days_from_now + 1100)).date(), listed=True)
        session.add(made)
        session.add(BidOutcome(tenant_id=bid_.tenant_id, commissioner_id=bid_.commissioner_id,
                               tender_id=bid_.tender_id, lot_id=bid_.lot_id, bid_id=bid_.id, successful=True, rank=1,
                               details={"lot": {"number": 1, "title": "Seeded"}, "places": 1, "bidders": 1, "own": {},
                                        "winners": [], "standstill_end": made.standstill_end.isoformat(),
                                        "reason": "", "weights": {"quality": 60, "price": 40}},
                               notice_at=now))
        session.flush()
        return _detached(session, made)


# -- money: rate cards, variations, invoices, payment runs (rows; services come with their domains) --

def rate(contract_, rate_: str = "21.5000", *, unit: str = "hour", day_type: str = "weekday", service_type: str = "",
         effective_from: date | None = None, effective_to: date | None = None):
    """A rate of the contract's rate card (by default from the contract's start, open-ended)."""
    from decimal import Decimal

    from portal.invoicing.models import ContractRate

    with _as(contract_.commissioner_id) as session:
        made = ContractRate(tenant_id=contract_.tenant_id, commissioner_id=contract_.commissioner_id,
                            contract_id=contract_.id, unit=unit, day_type=day_type, service_type=service_type,
                            rate=Decimal(rate_), effective_from=effective_from or contract_.start_date,
                            effective_to=effective_to)
        session.add(made)
        session.flush()
        return _detached(session, made)


def variation(contract_, *, kind: str = "value", effective_from: date | None = None, value_change: str = "0",
              new_end_date: date | None = None, description: str = "Agreed change"):
    from decimal import Decimal

    from portal.invoicing.models import ContractVariation

    with _as(contract_.commissioner_id) as session:
        made = ContractVariation(tenant_id=contract_.tenant_id, commissioner_id=contract_.commissioner_id,
                                 contract_id=contract_.id, kind=kind, effective_from=effective_from or contract_.start_date,
                                 value_change=Decimal(value_change), new_end_date=new_end_date, description=description)
        session.add(made)
        session.flush()
        return _detached(session, made)


def invoice_row(contract_, *, number: str | None = None, status: str = "submitted", kind: str = "invoice",
                corrects=None, period_start: date | None = None, period_end: date | None = None,
                lines=(("Care at home", "10", "hour", "20.00"),), vat_category: str = "E", vat_rate: str = "0",
                by=None, submitted_at: datetime | None = None, payment_run=None, paid_on: date | None = None):
    """An invoice (or credit note) as rows, its totals worked out by the money rules; ``lines``
    are (description, quantity, unit, unit price). Statuses past draft get a submission time."""
    from decimal import Decimal

    from portal.invoicing import money
    from portal.invoicing.models import Invoice, InvoiceLine

    period_start = period_start or contract_.start_date
    period_end = period_end or min(contract_.end_date, period_start + timedelta(days=30))
    made_lines = [InvoiceLine(tenant_id=contract_.tenant_id, commissioner_id=contract_.commissioner_id,
                              status=status, position=position, description=description,
                              quantity=Decimal(quantity), unit=unit, unit_price=Decimal(price),
                              vat_category=vat_category, vat_rate=Decimal(vat_rate),
                              net=money.line_net(Decimal(quantity), Decimal(price)))
                  for position, (description, quantity, unit, price) in enumerate(lines, start=1)]
    sums = money.totals(made_lines)
    submitted = None if status == "draft" else (submitted_at or noon(period_end + timedelta(days=1)))
    with _as(contract_.tenant_id, by.id if by else None) as session:
        made = Invoice(tenant_id=contract_.tenant_id, commissioner_id=contract_.commissioner_id,
                       contract_id=contract_.id, kind=kind, number=number or f"INV-{next(_seq)}",
                       corrects_id=corrects.id if corrects else None, period_start=period_start,
                       period_end=period_end, status=status, net_total=sums.net_total, vat_total=sums.vat_total,
                       total=sums.total, submitted_at=submitted, first_submitted_at=submitted,
                       issue_date=submitted.date() if submitted else None,
                       created_by_id=by.id if by else None, editor_ids=[by.id] if by else [],
                       payment_run_id=payment_run.id if payment_run else None, paid_on=paid_on,
                       payment_reference="BACS-1" if paid_on else "")
        session.add(made)
        session.flush()
        for line in made_lines:
            line.invoice_id = made.id
            session.add(line)
        session.flush()
        return _detached(session, made)


def payment_run_row(commissioner, *, reference: str | None = None, status: str = "draft", due_by: date | None = None,
                    paid_on: date | None = None):
    from portal.invoicing.models import PaymentRun

    with _as(commissioner.id) as session:
        made = PaymentRun(reference=reference or f"RUN-{next(_seq)}", status=status, due_by=due_by or date(2025, 2, 28),
                          paid_on=paid_on, payment_reference="BACS-1" if paid_on else "")
        session.add(made)
        session.flush()
        return _detached(session, made)


def remittance_row(run, invoice_):
    from portal.invoicing.models import Remittance

    with _as(run.tenant_id) as session:
        made = Remittance(tenant_id=invoice_.tenant_id, commissioner_id=run.tenant_id, payment_run_id=run.id,
                          reference=run.reference, paid_on=run.paid_on or date(2025, 3, 1),
                          payment_reference=run.payment_reference or "BACS-1", total=invoice_.total,
                          lines=[{"invoice_id": invoice_.id, "number": invoice_.number, "total": str(invoice_.total)}])
        session.add(made)
        session.flush()
        return _detached(session, made)


def invoicing_settings(commissioner, *, second_approval_over: str | None = None, target_working_days: int = 10):
    from decimal import Decimal

    from portal.invoicing.models import InvoicingSettings

    with _as(commissioner.id) as session:
        made = session.scalar(select(InvoicingSettings)) or InvoicingSettings()
        made.second_approval_over = Decimal(second_approval_over) if second_approval_over else None
        made.target_working_days = target_working_days
        session.add(made)
        session.flush()
        return _detached(session, made)


def invoice_event_row(invoice_, action: str = "submitted", *, comment: str = "", by=None):
    from portal.invoicing.models import InvoiceEvent

    with _as(invoice_.tenant_id) as session:
        made = InvoiceEvent(tenant_id=invoice_.tenant_id, commissioner_id=invoice_.commissioner_id,
                            invoice_id=invoice_.id, action=action, comment=comment, user_id=by.id if by else None)
        session.add(made)
        session.flush()
        return _detached(session, made)


# -- payments and contract reviews ---------------------------------------------------------------------

def approved_invoice(contract_, approver, *, number: str | None = None, kind: str = "invoice", corrects=None,
                     lines=(("Care at home", "10", "hour", "20.00"),), submitted_at: datetime | None = None,
                     first_approver=None, source: str = "typed"):
    """An invoice (or credit note) approved by ``approver`` (and first approved by ``first_approver``)."""
    from portal.invoicing.models import Invoice, InvoiceLine

    made = invoice_row(contract_, number=number, status="approved", kind=kind, corrects=corrects, lines=lines,
                       submitted_at=submitted_at)
    with _as(contract_.commissioner_id) as session:
        row = session.get(Invoice, made.id)
        row.approved_by_id = approver.id if approver else None
        row.approved_at = row.submitted_at
        row.first_approved_by_id = first_approver.id if first_approver else None
        row.source = source
        session.flush()
        for line in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == made.id)):
            line.status = "approved"
        session.flush()
        return _detached(session, row)


def contract_review_row(contract_, *, decision: str = "retender", reason: str = "Market has changed", by=None):
    from portal.contract_reviews.models import ContractReview

    with _as(contract_.commissioner_id) as session:
        made = ContractReview(tenant_id=contract_.tenant_id, commissioner_id=contract_.commissioner_id,
                              contract_id=contract_.id, decision=decision, reason=reason,
                              previous_end_date=contract_.end_date, decided_by_id=by.id if by else None)
        session.add(made)
        session.flush()
        return _detached(session, made)


# -- actuals: priced invoices, visit rules, visit imports (part 2) -------------------------------------

def priced_invoice(contract_, *, number: str, period_start: date, period_end: date, lines, status: str = "submitted",
                   source: str = "typed"):
    """An invoice made through ``create_invoice`` (so lines without a price are priced from the
    card), then moved to ``status`` (a paid one in a paid payment run of the commissioner)."""
    from portal.contracts.models import Contract
    from portal.invoicing.models import Invoice, InvoiceLine
    from portal.invoicing.services import create_invoice

    run = None
    if status in ("scheduled", "paid"):
        run = payment_run_row(organisation_by_id(contract_.commissioner_id), status=status if status == "paid" else "confirmed",
                              paid_on=period_end + timedelta(days=20) if status == "paid" else None)
    with _as(contract_.tenant_id) as session:
        made = create_invoice(session.get(Contract, contract_.id), number=number, period_start=period_start,
                              period_end=period_end, lines=lines, actor=None, source=source)
        if status != "draft":
            made.status, made.submitted_at = status, noon(period_end + timedelta(days=1))
            made.first_submitted_at, made.issue_date = made.submitted_at, period_end + timedelta(days=1)
            if run is not None:
                made.payment_run_id = run.id
            if status == "paid":
                made.paid_on, made.payment_reference = run.paid_on, "BACS-1"
            for line in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == made.id)):
                line.status = status
        session.flush()
        return _detached(session, session.get(Invoice, made.id))


def visit_rule(contract_, *, basis: str = "actual_capped", rounding: int = 0, tolerance_minutes: int = 10):
    from portal.contracts.models import Contract
    from portal.invoicing.actuals import set_visit_rule

    with _as(contract_.commissioner_id) as session:
        made = set_visit_rule(session.get(Contract, contract_.id), basis=basis, rounding=rounding,
                              tolerance_minutes=tolerance_minutes, actor=None)
        session.flush()
        return _detached(session, made)


def visit_import(contract_, *, day: date | None = None, text: str | None = None, filename: str = "visits.csv"):
    """An ECM file of the provider for the contract, through the service: by default two payable
    visits and one without actual times (an exception) on ``day`` (the contract's first day)."""
    from portal.contracts.models import Contract
    from portal.invoicing.actuals import import_visits

    d = (day or contract_.start_date).isoformat()
    text = text or ("Person reference,Planned start,Planned end,Actual start,Actual end,Carers\n"
                    f"A1,{d} 08:00,{d} 09:00,{d} 08:00,{d} 09:00,1\n"
                    f"A2,{d} 10:00,{d} 10:30,{d} 10:00,{d} 10:30,2\n"
                    f"A3,{d} 12:00,{d} 12:30,,,1\n")
    with _as(contract_.tenant_id) as session:
        made = import_visits(session.get(Contract, contract_.id), text.encode(), filename, actor=None)
        session.flush()
        return _detached(session, made)


def exception_visit_id(visit_import_):
    """The id of an import's first visit awaiting the commissioner's decision."""
    from portal.invoicing.actuals_models import Visit

    with _as(visit_import_.tenant_id) as session:
        return session.scalar(select(Visit.id).where(Visit.import_id == visit_import_.id, Visit.status == "exception")
                              .order_by(Visit.id).limit(1))


# -- proposals, investment funds and savings ------------------------------------------------------

def wage_floor(commissioner, *, year_start: date = date(2025, 4, 1), hourly: str = "12.60"):
    from decimal import Decimal

    from portal.proposals.models import WageFloor

    with _as(commissioner.id) as session:
        made = session.scalar(select(WageFloor).where(WageFloor.tenant_id == commissioner.id,
                                                      WageFloor.year_start == year_start)) or WageFloor(
            year_start=year_start, note="Real Living Wage", listed=True)
        made.hourly = Decimal(hourly)
        session.add(made)
        session.flush()
        return _detached(session, made)


def proposal(provider, commissioner, *, kind: str = "rate_uplift", status: str = "submitted", title: str | None = None,
             contract_=None, fund=None, amount_requested: str | None = None, start_date: date | None = date(2025, 4, 1),
             hourly_pay: str | None = "12.60", hours_per_year: str | None = "1000", current_rate: str | None = "20.00",
             by=None, **model):
    """A proposal as a row (statuses past draft get a submission time and a first version)."""
    from decimal import Decimal

    from portal.proposals.models import Proposal, ProposalVersion

    values = {name: Decimal(value) for name, value in model.items()}
    submitted = None if status == "draft" else noon(date(2025, 4, 2))
    with _as(provider.id, by.id if by else None) as session:
        made = Proposal(tenant_id=provider.id, commissioner_id=commissioner.id, kind=kind, status=status,
                        title=title or f"Proposal {next(_seq)}", summary="What we propose", narrative="Why",
                        contract_id=contract_.id if contract_ else None, fund_id=fund.id if fund else None,
                        amount_requested=Decimal(amount_requested) if amount_requested else None,
                        start_date=start_date, hourly_pay=Decimal(hourly_pay) if hourly_pay else None,
                        hours_per_year=Decimal(hours_per_year) if hours_per_year else None,
                        current_rate=Decimal(current_rate) if current_rate else None, submitted_at=submitted,
                        versions_count=0 if status == "draft" else 1, created_by_id=by.id if by else None, **values)
        session.add(made)
        session.flush()
        if status != "draft":
            session.add(ProposalVersion(tenant_id=provider.id, commissioner_id=commissioner.id, proposal_id=made.id,
                                        number=1, snapshot={"title": made.title, "summary": made.summary},
                                        submitted_at=submitted))
            session.flush()
        return _detached(session, made)


def proposal_document(proposal_, document_):
    from portal.proposals.models import ProposalDocument

    with _as(proposal_.tenant_id) as session:
        made = ProposalDocument(tenant_id=proposal_.tenant_id, commissioner_id=proposal_.commissioner_id,
                                proposal_id=proposal_.id, document_id=document_.id, filename=document_.filename,
                                status=proposal_.status)
        session.add(made)
        session.flush()
        return _detached(session, made)


def fund(commissioner, *, name: str | None = None, budget: str = "100000", status: str = "open",
         opens_on: date = date(2025, 1, 1), closes_on: date = date(2099, 12, 31), panel=(), criteria=None):
    from decimal import Decimal

    from portal.proposals.models import FundPanelMember, InvestmentFund

    with _as(commissioner.id) as session:
        made = InvestmentFund(name=name or f"Fund {next(_seq)}", description="A fund", budget=Decimal(budget),
                              opens_on=opens_on, closes_on=closes_on, status=status, listed=status != "draft",
                              criteria=criteria or [{"key": "c1", "name": "Outcomes", "weight": 60},
                                                    {"key": "c2", "name": "Value", "weight": 40}])
        session.add(made)
        session.flush()
        for person in panel:
            session.add(FundPanelMember(fund_id=made.id, user_id=person.id))
        session.flush()
        return _detached(session, made)


def fund_score(fund_, bid, person, *, criterion: str = "c1", score: int = 3, consensus: bool = False):
    from portal.proposals.models import FundConsensus, FundScore

    with _as(fund_.tenant_id) as session:
        if consensus:
            made = FundConsensus(fund_id=fund_.id, provider_id=bid.tenant_id, proposal_id=bid.id, criterion=criterion,
                                 score=score, reason="The panel agreed", moderator_id=person.id if person else None)
        else:
            made = FundScore(fund_id=fund_.id, provider_id=bid.tenant_id, proposal_id=bid.id, criterion=criterion,
                             user_id=person.id, score=score, reason="Good evidence")
        session.add(made)
        session.flush()
        return _detached(session, made)


def fund_payment(bid, *, amount: str = "1000", paid_on: date = date(2025, 6, 1)):
    from decimal import Decimal

    from portal.proposals.models import FundPayment

    with _as(bid.commissioner_id) as session:
        made = FundPayment(tenant_id=bid.tenant_id, commissioner_id=bid.commissioner_id, proposal_id=bid.id,
                           amount=Decimal(amount), paid_on=paid_on, reference="GRANT-1")
        session.add(made)
        session.flush()
        return _detached(session, made)


def savings_target(commissioner, *, name: str | None = None, year_start: date = date(2025, 4, 1),
                   scope: str = "programme", programme: str = "Adult care", service_type: str = "",
                   collaborative_id: int | None = None, target_kind: str = "percent", target_value: str = "5",
                   baseline_kind: str = "typed", baseline_amount: str | None = "100000", member_baselines=None):
    from decimal import Decimal

    from portal.savings.models import SavingsTarget

    with _as(commissioner.id) as session:
        made = SavingsTarget(name=name or f"Target {next(_seq)}", year_start=year_start, scope=scope,
                             programme=programme, service_type=service_type, collaborative_id=collaborative_id,
                             target_kind=target_kind, target_value=Decimal(target_value), baseline_kind=baseline_kind,
                             baseline_amount=Decimal(baseline_amount) if baseline_amount else None,
                             member_baselines=member_baselines or {})
        session.add(made)
        session.flush()
        return _detached(session, made)


def saving(target, *, description: str = "Fewer double-handed visits", amount: str = "1000", status: str = "proposed",
           proposal_=None):
    from decimal import Decimal

    from portal.savings.models import Saving

    with _as(target.tenant_id) as session:
        made = Saving(target_id=target.id, description=description, amount=Decimal(amount), status=status,
                      provider_id=proposal_.tenant_id if proposal_ else None,
                      proposal_id=proposal_.id if proposal_ else None)
        session.add(made)
        session.flush()
        return _detached(session, made)


# -- invoice attachments ---------------------------------------------------------------------------

def invoice_attachment_row(invoice_, *, document_=None, filename: str = "timesheet.pdf", by=None):
    """A document of the provider's library attached to ``invoice_`` (a new clean one unless given),
    its status copied from the invoice."""
    from portal.invoicing.attachment_models import InvoiceAttachment
    from portal.invoicing.models import Invoice

    document_ = document_ or document(organisation_by_id(invoice_.tenant_id), filename=filename)
    with _as(invoice_.tenant_id) as session:
        status = session.get(Invoice, invoice_.id).status
        made = InvoiceAttachment(tenant_id=invoice_.tenant_id, commissioner_id=invoice_.commissioner_id,
                                 invoice_id=invoice_.id, document_id=document_.id, status=status,
                                 filename=document_.filename, storage_key=document_.storage_key,
                                 content_type=document_.content_type, size_bytes=document_.size_bytes,
                                 attached_by_id=by.id if by else None)
        session.add(made)
        session.flush()
        return _detached(session, made)



# -- offboarding -----------------------------------------------------------------------------------

def organisation_export(org, *, status: str = "ready", by=None):
    """An export of ``org`` (ready: a key and an expiry a week away; no bytes in S3)."""
    from datetime import timedelta

    from portal.models_base import utcnow
    from portal.offboarding.models import OrganisationExport

    ready = status == "ready"
    with _as(org.id) as session:
        made = OrganisationExport(tenant_id=org.id, status=status, requested_by_id=by.id if by else None,
                                  storage_key=f"t/{org.id}/exports/{next(_seq)}.zip" if ready else None,
                                  size_bytes=1 if ready else None, ready_at=utcnow() if ready else None,
                                  expires_at=utcnow() + timedelta(days=7) if ready else None)
        session.add(made)
        session.flush()
        return _detached(session, made)
# -- multi-factor authentication -------------------------------------------------------------------

#: The authenticator secret of every test account that must use MFA (platform administrators, a
#: commissioner's finance and procurement staff, members of an organisation that requires it): the
#: factories enrol such people as they are made, and the sign-in helpers answer with ``totp_code``.
TOTP_SECRET = "JBSWY3DPEHPK3PXPTESTSECRETMFA234"


def enrol_mfa_if_required(person, secret: str = TOTP_SECRET) -> None:
    """Enrol ``person`` with ``secret`` if something requires MFA of them (and they have none)."""
    from portal.accounts import mfa
    from portal.accounts.models import User

    with _as(None, person.id) as session:
        found = session.get(User, person.id)
        if not found.has_mfa and mfa.required_reason(found):
            mfa.enrol_with_secret(found, secret)


def enrol_mfa(person, secret: str = TOTP_SECRET) -> None:
    """Enrol ``person`` whether or not anything requires it."""
    from portal.accounts import mfa
    from portal.accounts.models import User

    with _as(None, person.id) as session:
        mfa.enrol_with_secret(session.get(User, person.id), secret)


def totp_code(email: str, secret: str | None = None) -> str:
    """The current code of ``email``'s authenticator (its own secret: the factories' or the demo's).
    A code is accepted once per 30-second time step, and a test may sign the same person in several
    times within one: the account's remembered step is forgotten first, as if the next step had come
    (the replay refusal itself is tested with codes made directly, in tests/accounts/test_mfa.py)."""
    import pyotp

    from portal.accounts import mfa
    from portal.accounts.models import User

    with _as() as session:
        found = session.scalar(select(User).where(User.email == email.strip().lower()))
        if found is not None:
            found.mfa_last_step = None
            if secret is None and found.mfa_secret:
                secret = mfa.decrypt_secret(found.mfa_secret)
    return pyotp.TOTP(secret or TOTP_SECRET).now()
