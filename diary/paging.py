"""Pages of long lists, with the page number taken safely from the request."""

from flask import request

from diary.extensions import db

PAGE_SIZE = 50
# Far beyond any diary; keeps OFFSET inside what the database can hold.
MAX_PAGE = 100_000


def paginate(query):
    """Return the requested page of a select(); a silly page number shows the first page."""
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        page = 1
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
