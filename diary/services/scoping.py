"""Queries scoped to one user: nobody reaches another user's rows through these."""

from sqlalchemy import select

from diary.extensions import db
from diary.models import User
from diary.urls import MAX_ID


def owned(model, user: User, object_id: int):
    """Return the user's row of model with this id; another user's row is None."""
    if not 1 <= object_id <= MAX_ID:
        return None
    return db.session.scalar(select(model).where(model.id == object_id, model.user_id == user.id))
