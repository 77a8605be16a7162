"""Read a large export in a second process while this one checks what was read.

Reading another diary's export (CSV or JSON, its times and words) is a third to half of a
preview. So a large file is read in a child process on the machine's other core, which
hands the entries over a chunk at a time through a pipe, with what it noted on its Source
meanwhile (problems, clock changes). It keeps a few chunks ready while the pipe is full,
then waits, so memory stays bounded; and this process notes what the child noted before it
checks the chunk, as it would have reading the chunk itself, so problems name the same
rows, in the same order, and a file that cannot be read says so with the same message.

Where this process is the slower one (most CSV files), the child also checks a chunk
through the services when the chunks it sent and this process is not done with yet leave
it BEHIND chunks' work (the one being checked included), and sends the checked rows with
the entries; this process tells it each chunk it is done with. What depends on the
database or on the entries before (keys held, repeats, the attack still going) is always
done here.
"""

import contextlib
import fcntl
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from queue import Queue
from typing import IO, Any, NamedTuple, cast

from diary.collector import collector_paused
from diary.imports import FORMATS
from diary.imports.readers import Export, Unreadable
from diary.imports.source import Entry, Source
from diary.rules import Owner

# Smaller files are read in this process: starting the child (a Python that imports the
# diary's readers, 0.2 s, and the services when it first checks, 0.5 s) takes about 0.7 s
# of CPU, what reading 4 MB takes.
ASIDE_BYTES = 4 << 20
# The child checks a chunk itself when the chunks it sent and this process is not done with
# yet leave this much work here: the one being checked, and one more waiting in the pipe
# or the outbox.
BEHIND = 2
# The work a chunk the child checked leaves here, against one it did not: the keys held,
# repeats, sums and the rows kept are still done here. Counted as a whole chunk, such
# chunks kept the child checking while this process waited for it (a fifth of a
# 200,000-entry preview).
CHECKED_WORK = 0.5
# The pipe holds about five chunks of entries (Linux allows 1 MiB without privileges): the
# child reads on while this process checks a slow chunk.
PIPE_BYTES = 1 << 20
# Chunks the child keeps ready while the pipe is full (3-4 MB at most, with the one being
# written and the one being pickled): the parent's work comes in bursts (each part's insert
# and commit), and a child that waited out each burst had less time to check.
OUTBOX_MESSAGES = 4

Chunk = tuple[Entry, ...]


class Checking(NamedTuple):
    """What the child needs to check entries itself: whose they are, and the kind chosen
    for medicines the list does not name."""

    owner: Owner
    unlisted: str | None


@contextmanager
def entry_chunks(
    source: Source, size: int, checking: Checking
) -> Iterator[Iterator[tuple[Chunk, list | None]]]:
    """Yield an iterator of the source's entries, size at a time, each chunk with its rows
    when the child checked them (plan.checked_entries), else None; a large file's are read
    in a child process (stopped when the block ends)."""
    if source.export is None or source.size < ASIDE_BYTES:
        entries = iter(source.entries)
        yield ((chunk, None) for chunk in iter(lambda: tuple(islice(entries, size)), ()))
        return
    # A child of its own (not multiprocessing's spawn, which runs the main script again),
    # finding the diary where this process found it, whatever the working directory holds.
    child = subprocess.Popen(
        [sys.executable, "-P", "-m", "diary.imports.aside"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    asking, answers = cast(IO[bytes], child.stdin), cast(IO[bytes], child.stdout)  # PIPE's
    # Only a speed-up: a system that allows less (or has no such call) keeps its own size.
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(answers.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        asked = (source.export, source.format, source.zone_name, source.size, size, checking)
        pickle.dump((*asked, BEHIND), asking)
        asking.flush()
        yield _received(source, answers, asking.fileno())
    finally:
        child.kill()
        child.wait()
        answers.close()
        asking.close()


# What the child's answers are made of; anything else in the pipe is refused unread.
SENT = {
    "builtins": {"set", "frozenset", "slice"},
    "collections": {"Counter"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"},
    "decimal": {"Decimal"},
    "zoneinfo": {"ZoneInfo"},
    "diary.imports.source": {"Attack", "Intensity", "Taken"},
}


class _Answers(pickle.Unpickler):
    """An unpickler of the child's answers that builds only what the child sends."""

    def find_class(self, module: str, name: str) -> Any:
        if name not in SENT.get(module, ()):
            raise pickle.UnpicklingError(f"the reading process sent a {module}.{name}")
        return super().find_class(module, name)


def _received(
    source: Source, pipe: IO[bytes], taken: int | None = None
) -> Iterator[tuple[Chunk, list | None]]:
    """Yield each chunk the child read (with its rows, when it checked them), noting first
    on source what the child noted; tell the child through taken each chunk done with."""
    while True:
        try:
            # Only what the child builds (entries of texts, numbers and times) is loaded.
            kind, payload, noted = _Answers(pipe).load()
        except (EOFError, pickle.UnpicklingError) as exc:
            # Ended, or killed half-way through a chunk (out of memory, say).
            raise RuntimeError(f"The process reading the export stopped: {exc}") from None
        if kind == "unreadable":
            raise Unreadable(payload)
        if kind == "failed":
            raise RuntimeError(f"Reading the export failed:\n{payload}")
        _note(source, noted)
        if kind == "end":
            return
        yield payload
        if taken is not None:
            _tell(taken)


def _tell(taken: int) -> None:
    """Tell the child that one more chunk is done with."""
    # A child that sent everything and ended has its end in the pipe already.
    with contextlib.suppress(BrokenPipeError):
        os.write(taken, b".")


def _note(source: Source, noted: dict[str, Any]) -> None:
    """Note on source what the child noted on its own since its last chunk."""
    for where, reason in noted["problems"]:
        source.problem(where, reason)
    source.problem_count += noted["problem_count"] - len(noted["problems"])
    for what in noted["clock_changes"]:
        source.clock_change(what)
    source.clock_change_count += noted["clock_change_count"] - len(noted["clock_changes"])
    source.left_out.update(noted["left_out"])
    source.notes += noted["notes"]


def _read(
    request: tuple[Export, str, str, int, int, Checking, int], pipe: IO[bytes], taken: int
) -> None:
    """Read an export's entries in the child and send them a chunk at a time, checked
    when the parent is behind; taken is the pipe the parent tells each chunk done with by."""
    export, fmt, zone, size, chunk, checking, behind = request
    source = Source(fmt, zone, size=size)
    os.set_blocking(taken, False)
    undone: deque[float] = deque()  # the work each chunk sent leaves the parent, until done
    outbox = _Outbox(pipe)
    try:
        entries = FORMATS[fmt].read(export, source)
        for entries_read in iter(lambda: tuple(islice(entries, chunk)), ()):
            for _ in range(_taken_since(taken)):
                undone.popleft()
            outcomes = _checked(checking, fmt, entries_read) if sum(undone) >= behind else None
            outbox.send(("chunk", (entries_read, outcomes), _taken_notes(source)))
            undone.append(1 if outcomes is None else CHECKED_WORK)
        outbox.send(("end", None, _taken_notes(source)))
    except Unreadable as exc:
        outbox.send(("unreadable", str(exc), None))
    except Exception:
        outbox.send(("failed", traceback.format_exc(), None))
    finally:
        outbox.close()


def _taken_since(taken: int) -> int:
    """Return how many chunks the parent took since last asked, without waiting."""
    try:
        return len(os.read(taken, PIPE_BYTES))
    except BlockingIOError:
        return 0


def _checked(checking: Checking, fmt: str, entries: Chunk) -> list:
    """Check a chunk's entries here, as the parent would (plan.checked_entries)."""
    from diary.imports.plan import checked_entries  # the services, imported only if needed

    return checked_entries(checking.owner, fmt, checking.unlisted, entries)


class _Outbox:
    """Messages to the parent, written to the pipe by a thread: while the pipe is full (a
    checked chunk fills half of it), the child reads and checks on, OUTBOX_MESSAGES ahead."""

    def __init__(self, pipe: IO[bytes]):
        self.pipe = pipe
        self.waiting: Queue[bytes | None] = Queue(OUTBOX_MESSAGES)
        self.broken: Exception | None = None  # writing failed: the parent is gone
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.writer.start()

    def send(self, message: tuple) -> None:
        """Send one message (a chunk, the end or what went wrong) after those sent before."""
        if self.broken is not None:
            raise self.broken
        self.waiting.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        """Return once every message sent is written (or writing failed)."""
        self.waiting.put(None)
        self.writer.join()

    def _write(self) -> None:
        while (message := self.waiting.get()) is not None:
            if self.broken is not None:
                continue  # taken off all the same, so that send() never waits on a full queue
            try:
                self.pipe.write(message)
                self.pipe.flush()  # the chunk goes now; the parent waits for it
            except Exception as exc:  # a broken pipe, most likely: the parent is gone
                self.broken = exc


def _taken_notes(source: Source) -> dict[str, Any]:
    """Return what the reader noted on source since the last call, and forget it there."""
    noted = {
        "problems": source.problems,
        "problem_count": source.problem_count,
        "clock_changes": source.clock_changes,
        "clock_change_count": source.clock_change_count,
        "left_out": source.left_out,
        "notes": source.notes,
    }
    source.problems, source.problem_count = [], 0
    source.clock_changes, source.clock_change_count = [], 0
    source.left_out, source.notes = Counter(), []
    return noted


if __name__ == "__main__":
    # What the parent (the diary itself) asks for, through the pipe it started us with.
    asked = pickle.load(sys.stdin.buffer)  # noqa: S301
    # The answers have the pipe to themselves: whatever else would print goes to stderr.
    answers, sys.stdout = sys.stdout.buffer, sys.stderr
    with collector_paused():
        _read(asked, answers, sys.stdin.fileno())
