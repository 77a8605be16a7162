"""Database models; every diary row belongs to exactly one user."""

from diary.models.reading import Reading
from diary.models.user import LoginSession, User

__all__ = ["LoginSession", "Reading", "User"]
