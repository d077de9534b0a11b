"""A return as the API shows it: its template, answers, documents and versions. A provider
sees its working copy (with its sections and the warnings to confirm); a commissioner only what
was submitted."""
from __future__ import annotations

from portal.returns import attachments, queries, sense_checks
from portal.returns.models import Return
from portal.tenants.models import PROVIDER, Organisation

FIELDS = ("id", "contract_id", "period_start", "period_end", "due_date", "respond_by", "status", "submitted_late",
          "lock_version", "review_comment", "problem_tasks", "section_comments", "reviewed_at")


def return_detail(ret: Return, organisation: Organisation) -> dict:
    from portal.returns.services import snapshot

    versions = queries.versions_for(ret)
    sections, warnings = [], []
    if organisation.kind == PROVIDER:
        answers, documents, _digest = snapshot(ret)
        sections = queries.task_list(ret)
        warnings = [{**vars(w), "confirmed": sense_checks.is_confirmed(ret, w)} for t in sections for w in t.warnings]
    else:  # a commissioner sees what was submitted, never the provider's working copy
        answers = versions[-1].answers if versions else {}
        documents = versions[-1].documents if versions else []
    return {**{name: getattr(ret, name) for name in FIELDS}, "measures": queries.measures_for(ret),
            "answers": answers, "documents": attachments.public_refs(documents), "versions": versions,
            "sections": sections, "warnings": warnings, "return": ret}
