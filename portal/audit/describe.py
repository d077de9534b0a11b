"""The audit log in words a council officer reads: "Tom Wilson submitted the return for July 2025
(CLY-001), version 2, late", with the object named as people know it, the values before and after
a change, and no internal codes, ids or fingerprints.

``describe(events, organisation)`` loads what the events name in a few queries (through the
tenant layers: an object the organisation cannot see is named from the event's own details and
not linked) and returns one ``Entry`` per event. A ``Part`` with a ``kind`` and an ``id`` names an
object the pages may link to (``return``, ``document``, ``member``, ``contract``, ``framework``,
``collaborative``); which links a person gets is the pages' decision (their permissions).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, tuple_

from portal.audit.models import AuditEvent
from portal.collaboratives.models import Collaborative, CollaborativeMember
from portal.contracts.models import FREQUENCIES, Contract, Measure, Outcome, OutcomeFramework, ReturnSchedule
from portal.documents.models import NOT_SCANNED, SCAN_INFECTED, Document, format_size
from portal.extensions import db
from portal.reporting.periods import month_end
from portal.returns.models import STATUS_LABELS, Return, ReturnVersion
from portal.tenants.models import ROLE_LABELS, Membership, Organisation

PORTAL = "The portal"
DELIVERY_SECTION = "Service delivery"


@dataclass
class Part:
    """A piece of a sentence; with ``kind`` and ``id``, an object a page may link to."""

    text: str
    kind: str | None = None
    id: int | None = None


@dataclass
class Change:
    what: str
    before: str
    after: str


@dataclass
class Entry:
    event: AuditEvent
    who: str
    parts: list[Part]
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def when(self) -> datetime:
        return self.event.created_at

    @property
    def what(self) -> str:
        return "".join(part.text for part in self.parts)

    @property
    def sentence(self) -> str:
        """The whole event as one plain sentence (the API's ``description``)."""
        text = f"{self.who} {self.what}"
        return text if text.endswith((".", "?", "!")) else text + "."


def period_label(start: date, end: date) -> str:
    """'July 2025', 'July to September 2025', 'April 2025 to March 2026' or '3 to 9 March 2025'."""
    if start.day == 1 and end == month_end(end):
        if (start.year, start.month) == (end.year, end.month):
            return f"{start:%B %Y}"
        if start.year == end.year:
            return f"{start:%B} to {end:%B %Y}"
        return f"{start:%B %Y} to {end:%B %Y}"
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def _words(action: str) -> str:
    return action.replace("_", " ")


class _Loaded:
    """Everything the events on one page name, loaded once."""

    def __init__(self, events: list[AuditEvent], organisation: Organisation):
        def ids(object_type: str, *detail_keys: str) -> set[int]:
            found = set()
            for event in events:
                if event.object_type == object_type and (event.object_id or "").isdigit():
                    found.add(int(event.object_id))
                for key in detail_keys:
                    value = (event.details or {}).get(key)
                    if isinstance(value, int):
                        found.add(value)
            return found

        def load(model, wanted: set[int]) -> dict:
            if not wanted:
                return {}
            return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(wanted)))}

        self.returns: dict[int, Return] = load(Return, ids("Return"))
        self.documents: dict[int, Document] = load(Document, ids("Document", "document_id"))
        self.members: dict[int, Membership] = load(Membership, ids("Membership"))
        self.schedules: dict[int, ReturnSchedule] = load(ReturnSchedule, ids("ReturnSchedule"))
        self.contracts: dict[int, Contract] = load(
            Contract, ids("Contract") | {s.contract_id for s in self.schedules.values()})
        self.frameworks: dict[int, OutcomeFramework] = {
            f.id: f for f in load(OutcomeFramework, ids("OutcomeFramework")).values()
            if f.owner_id in (None, organisation.id)}
        collaboratives = ids("Collaborative")
        self.collaboratives: dict[int, Collaborative] = load(Collaborative, collaboratives)
        self.joined: set[int] = set(db.session.scalars(
            select(CollaborativeMember.collaborative_id).where(
                CollaborativeMember.collaborative_id.in_(collaboratives),
                CollaborativeMember.organisation_id == organisation.id,
                CollaborativeMember.status == "active"))) if collaboratives else set()
        slugs = {(e.details or {}).get("provider") for e in events if e.action == "contract_created"}
        for e in events:
            if e.action == "collaborative_created":
                slugs |= set((e.details or {}).get("invited") or [])
        slugs = {s for s in slugs if isinstance(s, str)}
        self.organisations: dict[str, str] = dict(db.session.execute(
            select(Organisation.slug, Organisation.name).where(Organisation.slug.in_(slugs))).all()) if slugs else {}
        frameworks = {r.contract.framework_id for r in self.returns.values()}
        frameworks |= set(self.frameworks)
        self.questions: dict[tuple[int, str], str] = {}
        self.sections: dict[tuple[int, str], str] = {}
        if frameworks:
            outcomes = {o.id: o for o in db.session.scalars(select(Outcome).where(Outcome.framework_id.in_(frameworks)))}
            for outcome in outcomes.values():
                self.sections[(outcome.framework_id, outcome.code)] = f"{outcome.code}: {outcome.text}"
            for framework_id, code, label, outcome_id in db.session.execute(
                    select(Measure.framework_id, Measure.code, Measure.label, Measure.outcome_id)
                    .where(Measure.framework_id.in_(frameworks))):
                outcome = outcomes.get(outcome_id)  # the same question is asked under each outcome
                self.questions[(framework_id, code)] = (
                    f"{outcome.short_name or outcome.code}: {label}" if outcome else label)
        wanted_versions = {(int(e.object_id), e.details.get("version")) for e in events
                           if e.action == "version_document_downloaded" and (e.object_id or "").isdigit()
                           and isinstance((e.details or {}).get("version"), int)}
        self.versions: dict[tuple[int, int], ReturnVersion] = {
            (v.return_id, v.number): v for v in db.session.scalars(
                select(ReturnVersion).where(tuple_(ReturnVersion.return_id, ReturnVersion.number)
                                            .in_(wanted_versions)))} if wanted_versions else {}

    # -- names of things -------------------------------------------------------------------------

    def the_return(self, event: AuditEvent) -> Part:
        ret = self.returns.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        if ret is None:
            return Part("a return that you can no longer see")
        return Part(f"the return for {period_label(ret.period_start, ret.period_end)} ({ret.contract.reference})",
                    "return", ret.id)

    def document(self, document_id, fallback: str | None = None) -> Part:
        document = self.documents.get(document_id) if isinstance(document_id, int) else None
        if document is None:
            return Part(fallback or "a file")
        return Part(document.filename, "document", document.id)

    def question(self, event: AuditEvent, code: str) -> str:
        ret = self.returns.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        label = self.questions.get((ret.contract.framework_id, code)) if ret else None
        return label or "an answer"

    def section(self, event: AuditEvent, key: str) -> str:
        if key == "delivery":
            return DELIVERY_SECTION
        ret = self.returns.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        return (self.sections.get((ret.contract.framework_id, key)) if ret else None) or "a section"

    def member(self, event: AuditEvent, details: dict) -> Part:
        member = self.members.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        name = details.get("email") or "someone"
        if member is None:
            return Part(name)
        return Part(member.user.display_name if member.user.full_name else name, "member", member.id)

    def contract(self, contract_id: int | None, fallback: str | None) -> Part:
        contract = self.contracts.get(contract_id) if contract_id is not None else None
        if contract is None:
            return Part(fallback or "a contract")
        return Part(f"{contract.reference} ({contract.title})", "contract", contract.id)


def _role(code) -> str:
    return ROLE_LABELS.get(code, "a role that no longer exists").lower() if code else "no role"


def _answer(value) -> str:
    if value in (None, ""):
        return "(blank)"
    text = str(value)
    return text if len(text) <= 300 else text[:300].rstrip() + "…"


def _describe(event: AuditEvent, loaded: _Loaded) -> Entry:
    d = event.details or {}
    who = event.actor.display_name if event.actor else PORTAL
    entry = Entry(event=event, who=who, parts=[])
    add = entry.parts.append
    action = event.action

    if action == "return_submitted":
        add(Part("submitted "))
        add(loaded.the_return(event))
        version = d.get("version")
        add(Part((f", version {version}" if version else "") + (", late" if d.get("late") else ", on time")))
    elif action == "return_answers_saved":
        add(Part("saved answers in "))
        add(loaded.the_return(event))
        if "changes" in d:
            entry.changes = [Change(loaded.question(event, code), _answer(before), _answer(after))
                             for code, (before, after) in sorted((d.get("changes") or {}).items())]
            if not entry.changes:
                entry.notes.append("No answer changed.")
        elif d.get("measures"):
            entry.notes.append("Answers saved: " + "; ".join(loaded.question(event, code) for code in d["measures"]))
    elif action == "return_declared":
        add(Part("declared that "))
        add(loaded.the_return(event))
        add(Part(" is accurate"))
    elif action == "return_reviewed":
        accepted = d.get("decision") == "accept"
        add(Part("accepted " if accepted else "asked for changes to "))
        add(loaded.the_return(event))
        if d.get("status_before") and d.get("status_after"):
            entry.changes.append(Change("Status", STATUS_LABELS.get(d["status_before"], "Unknown"),
                                        STATUS_LABELS.get(d["status_after"], "Unknown")))
        if d.get("sections"):
            entry.notes.append("Sections to change: " + "; ".join(loaded.section(event, k) for k in d["sections"]))
        if d.get("comment"):
            entry.notes.append(f"Comment: {_answer(d['comment'])}")
    elif action in ("return_document_attached", "return_document_removed"):
        attached = action == "return_document_attached"
        add(Part("attached " if attached else "removed "))
        add(loaded.document(d.get("document_id"), d.get("filename")))
        add(Part(" to " if attached else " from "))
        add(loaded.the_return(event))
    elif action == "version_document_downloaded":
        version = loaded.versions.get((int(event.object_id), d.get("version"))) if (event.object_id or "").isdigit() \
            else None
        ref = next((r for r in (version.documents if version else []) if r.get("id") == d.get("document_id")), {})
        add(Part("downloaded "))
        add(Part(ref.get("filename") or ref.get("name") or "a file"))
        add(Part(f" as submitted in version {d.get('version')} of " if d.get("version") else " as submitted in "))
        add(loaded.the_return(event))
    elif action == "return_import_started":
        add(Part(f"started importing answers from {d.get('filename') or 'a file'} into "))
        add(loaded.the_return(event))
    elif action.startswith("return_import_"):
        failed = action == "return_import_failed"
        add(Part("tried to import answers into " if failed else "imported answers into "))
        add(loaded.the_return(event))
        if failed:
            problems = d.get("errors") or 0
            entry.notes.append(f"The file had {problems} {'problem' if problems == 1 else 'problems'}: "
                               "nothing was changed.")
    elif action in ("document_uploaded", "document_downloaded"):
        add(Part("uploaded " if action == "document_uploaded" else "downloaded "))
        add(loaded.document(int(event.object_id) if (event.object_id or "").isdigit() else None, d.get("filename")))
        if action == "document_uploaded" and d.get("size_bytes"):
            add(Part(f" ({format_size(d['size_bytes'])})"))
    elif action == "document_checked":
        add(Part("checked "))
        add(loaded.document(int(event.object_id) if (event.object_id or "").isdigit() else None))
        status, scan = d.get("status"), d.get("scan_status")
        if status == "clean":
            add(Part(": it is ready to use"))
            if scan == NOT_SCANNED:
                entry.notes.append("It was not scanned for viruses, because no virus scanner is set up. "
                                   "Its type was checked.")
        elif scan == SCAN_INFECTED or status == "infected":
            add(Part(": a virus was found and the file was deleted"))
        else:
            add(Part(": it was rejected"))
            if d.get("reason"):
                entry.notes.append(str(d["reason"]))
    elif action == "member_added":
        add(Part("added "))
        add(loaded.member(event, d))
        add(Part(f" as {_role(d.get('role'))}"))
    elif action == "member_role_changed":
        add(Part("changed the role of "))
        add(loaded.member(event, d))
        entry.changes.append(Change("Role", ROLE_LABELS.get(d.get("old"), "–"), ROLE_LABELS.get(d.get("new"), "–")))
    elif action == "member_removed":
        add(Part(f"removed {d.get('email') or 'someone'} ({_role(d.get('role'))}) from the organisation"))
    elif action == "invitation_sent":
        add(Part(f"invited {d.get('email') or 'someone'} to join as {_role(d.get('role'))}"))
    elif action == "invitation_revoked":
        add(Part(f"withdrew the invitation to {d.get('email') or 'someone'}"))
    elif action == "invitation_accepted":
        add(Part(f"accepted an invitation and joined as {_role(d.get('role'))}"))
    elif action == "contract_created":
        add(Part("created the contract "))
        add(loaded.contract(int(event.object_id) if (event.object_id or "").isdigit() else None, d.get("reference")))
        provider = loaded.organisations.get(d.get("provider"))
        if provider:
            add(Part(f" with {provider}"))
    elif action == "schedule_created":
        schedule = loaded.schedules.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        frequency = FREQUENCIES.get(d.get("frequency"), "Regular").lower()
        add(Part(f"set up {frequency} returns for "))
        add(loaded.contract(schedule.contract_id if schedule else None, None))
        if d.get("returns") is not None:
            add(Part(f": {d['returns']} {'return' if d['returns'] == 1 else 'returns'}"))
    elif action in ("framework_created", "framework_measure_added"):
        framework = loaded.frameworks.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        name = Part(framework.name, "framework", framework.id) if framework else Part("an outcome framework")
        if action == "framework_created":
            add(Part("created the outcome framework "))
            add(name)
            if d.get("outcomes") is not None:
                add(Part(f" with {d['outcomes']} {'outcome' if d['outcomes'] == 1 else 'outcomes'}"))
        else:
            question = loaded.questions.get((framework.id, d.get("code"))) if framework else None
            add(Part(f"added the question “{question}” to " if question else "added a question to "))
            add(name)
    elif action in ("collaborative_created", "collaborative_joined", "collaborative_left"):
        collaborative = loaded.collaboratives.get(int(event.object_id)) if (event.object_id or "").isdigit() else None
        title = collaborative.name if collaborative else d.get("name") or "a collaborative"
        verb = {"collaborative_created": "formed", "collaborative_joined": "joined", "collaborative_left": "left"}
        add(Part(f"{verb[action]} the collaborative "))
        add(Part(title, "collaborative", collaborative.id) if collaborative and collaborative.id in loaded.joined
            else Part(title))
        invited = [loaded.organisations.get(slug) for slug in d.get("invited") or []]
        if action == "collaborative_created" and any(invited):
            add(Part(", inviting " + ", ".join(name for name in invited if name)))
    else:
        add(Part(_words(action)))
    return entry


def describe(events: list[AuditEvent], organisation: Organisation) -> list[Entry]:
    """The events in words, in the order given."""
    loaded = _Loaded(events, organisation)
    return [_describe(event, loaded) for event in events]
