"""Pages of long lists, with the page number taken safely from the request."""

from dataclasses import dataclass

from flask import request

from diary.extensions import db

PAGE_SIZE = 50
# Far beyond any diary; keeps OFFSET inside what the database can hold.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    """One page of a list, and whether there are newer and older pages around it."""

    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(query) -> Page:
    """Return the requested page of a select(); a silly page number shows the first page.

    One row more than a page is read to know whether another page follows: counting
    every row of a long history, on every page, would cost more than the page itself.
    """
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        page = 1
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return Page(rows[:PAGE_SIZE], page, has_next=len(rows) > PAGE_SIZE)
