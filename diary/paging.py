"""Pages of long lists, with the page number taken safely from the request."""

from functools import cached_property

from flask import request

from diary.extensions import db

PAGE_SIZE = 50
# Far beyond any diary; keeps OFFSET inside what the database can hold.
MAX_PAGE = 100_000


class Page:
    """One page of a list, read when first shown, and whether newer and older pages are around.

    Read lazily: a page whose table is kept (diary/fragments.py) needs no query at all.
    """

    def __init__(self, query, page: int):
        self.query = query
        self.page = page

    @cached_property
    def _rows(self) -> list:
        # One row more than a page tells whether another page follows: counting every row
        # of a long history, on every page, would cost more than the page itself.
        offset = (self.page - 1) * PAGE_SIZE
        return list(db.session.scalars(self.query.limit(PAGE_SIZE + 1).offset(offset)))

    @property
    def items(self) -> list:
        return self._rows[:PAGE_SIZE]

    @property
    def has_next(self) -> bool:
        return len(self._rows) > PAGE_SIZE

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
    """Return the requested page of a select(); a silly page number shows the first page."""
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        page = 1
    return Page(query, page)
