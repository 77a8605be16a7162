"""The JSON API under /api/v1/, authenticated with bearer tokens."""

from diary.api.views import bp

__all__ = ["bp"]
