"""What changed between two versions of a return: answer by answer, and word by word for text.

The segments are plain data; templates mark them up (``<ins>``/``<del>`` with words for screen
readers), and the PDF draws them, so neither needs to know how the comparison was made.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

SAME, ADDED, REMOVED = "same", "added", "removed"
#: Words and the spaces between them, kept apart so a diff never glues two words together.
TOKENS = re.compile(r"\s+|[^\s]+")
#: Past this many words on either side, the comparison shows old and new whole (difflib is
#: quadratic at worst, and a page should not take seconds for an essay rewritten end to end).
MAX_WORDS = 4000


@dataclass(frozen=True)
class Segment:
    kind: str  # SAME, ADDED or REMOVED
    text: str


@dataclass
class Change:
    """One answer in two versions. ``segments`` is the word-by-word comparison of text answers."""

    code: str
    old: object
    new: object
    segments: list[Segment] = field(default_factory=list)

    @property
    def added(self) -> bool:
        return _blank(self.old) and not _blank(self.new)

    @property
    def removed(self) -> bool:
        return not _blank(self.old) and _blank(self.new)


def _blank(value) -> bool:
    return value is None or value == ""


def word_diff(old: str | None, new: str | None) -> list[Segment]:
    """``old`` turned into ``new`` as a list of unchanged, removed and added runs of words.
    Neighbouring runs of one kind are merged; whitespace between two changed words goes with them."""
    before, after = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    if len(before) > 2 * MAX_WORDS or len(after) > 2 * MAX_WORDS:
        return _merge([Segment(REMOVED, old or ""), Segment(ADDED, new or "")])
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment(SAME, "".join(before[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment(REMOVED, "".join(before[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment(ADDED, "".join(after[j1:j2])))
    return _merge(segments)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def changes(old_answers: dict | None, new_answers: dict, measures) -> dict[str, Change]:
    """Each measure whose answer differs between two versions' answers, by measure code.
    With no earlier version there is nothing to compare, so nothing has changed."""
    if old_answers is None:
        return {}
    found = {}
    for measure in measures:
        was, now = old_answers.get(measure.code), new_answers.get(measure.code)
        if was == now or (_blank(was) and _blank(now)):
            continue
        segments = word_diff(was, now) if measure.type == "text" else []
        found[measure.code] = Change(code=measure.code, old=was, new=now, segments=segments)
    return found
