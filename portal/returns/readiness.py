"""How far a provider's return has got: sections complete, figures to confirm, documents still
being checked, and what it is waiting for. Read by the task list, check answers and submit."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.accounts.models import User
from portal.documents.models import CLEAN
from portal.extensions import db
from portal.returns import attachments, lateness, queries
from portal.returns.models import ACCEPTED, CHANGES_REQUESTED, Return, ReturnDocument

#: What the check answers page says about documents still being checked.
CHECK_WAIT = "This usually takes a few seconds, and up to a minute for a large file."


@dataclass
class Progress:
    tasks: list[queries.Task]
    documents: list[ReturnDocument]
    timeliness: lateness.Timeliness
    reviewer: User | None = None  # who asked for changes, or accepted the return
    versions: list = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(1 for t in self.tasks if t.is_complete)

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def incomplete(self) -> list[queries.Task]:
        return [t for t in self.tasks if not t.is_complete]

    @property
    def flagged(self) -> list[queries.Task]:
        return [t for t in self.tasks if t.status == queries.PROBLEM]

    @property
    def unconfirmed(self) -> list:
        return [w for t in self.tasks for w in t.unconfirmed]

    @property
    def checking(self) -> list[ReturnDocument]:
        return [link for link in self.documents if link.document.is_pending]

    @property
    def refused(self) -> list[ReturnDocument]:
        return [link for link in self.documents if not link.document.is_pending and link.document.status != CLEAN]

    @property
    def sections_complete(self) -> bool:
        return not self.incomplete

    @property
    def ready(self) -> bool:
        """Everything the submission needs but the declaration."""
        return self.sections_complete and not self.checking and not self.refused

    @property
    def summary(self) -> str:
        """"You have completed 7 of 10 sections"."""
        return f"You have completed {self.completed} of {self.total} section{'s' if self.total != 1 else ''}"


def progress(ret: Return) -> Progress:
    versions = queries.versions_for(ret)
    reviewer = None
    if ret.status in (CHANGES_REQUESTED, ACCEPTED) and ret.reviewed_by_id:
        reviewer = db.session.get(User, ret.reviewed_by_id)
    return Progress(tasks=queries.task_list(ret), documents=attachments.attached(ret),
                    timeliness=lateness.describe(ret, versions), reviewer=reviewer, versions=versions)
