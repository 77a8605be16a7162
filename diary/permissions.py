"""Keep the instance folder private: it holds health data, backups and the secret key."""

import os
from pathlib import Path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
# New files of `diary` commands (database, WAL, backups, exports) are for their owner only.
PRIVATE_UMASK = 0o077


def make_private(folder: Path) -> int:
    """Take away group and other access below folder (itself included); return how many changed."""
    changed = 0
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode & 0o777
        private = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
        if mode & 0o077:
            path.chmod(mode & private)
            changed += 1
    return changed


def private_umask() -> None:
    """Create every later file for its owner only."""
    os.umask(PRIVATE_UMASK)
