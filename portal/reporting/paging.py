"""Long lists of providers on the cross-provider pages, a page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from portal.limits import clamp_page

#: Providers a page in the cross-provider pages' tables (the downloads have them all).
PROVIDERS_PAGE_SIZE = 25


@dataclass
class Slice:
    items: list
    page: int
    pages: int
    total: int
    first: int  # the position of the first item shown, from 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


def page_of(items: Sequence, page: int | None, size: int | None = None) -> Slice:
    """The ``page``-th ``size`` items (past the end: the last page; nonsense or none: the first)."""
    size = size or PROVIDERS_PAGE_SIZE
    pages = max(1, -(-len(items) // size))
    page = min(clamp_page(page), pages)
    shown = list(items[(page - 1) * size:page * size])
    return Slice(items=shown, page=page, pages=pages, total=len(items), first=(page - 1) * size + 1)
