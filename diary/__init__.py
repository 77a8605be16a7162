"""A self-hosted headache and post-treatment symptom diary."""

from typing import Any


def __getattr__(name: str) -> Any:
    """Give create_app from diary.factory when asked for, not before: the process that reads
    a large import (diary/imports/aside.py) then starts without Flask's app and extensions."""
    if name == "create_app":
        from diary.factory import create_app

        return create_app
    raise AttributeError(f"module 'diary' has no attribute {name!r}")
