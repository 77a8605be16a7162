"""A zip archive written as it is sent: no file of it is ever whole in memory."""

import io
import zipfile
from collections.abc import Iterable, Iterator


class _Sink(io.RawIOBase):
    """A write-only stream that hands on what was written since the last drain."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, []
        yield from chunks


def zip_chunks(members: Iterable[tuple[str, Iterable[str]]]) -> Iterator[bytes]:
    """Yield a deflated zip of (name, text pieces) members, as it is written."""
    sink = _Sink()
    # zipfile writes to a stream it cannot seek by putting sizes after each member.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in members:
            with archive.open(name, "w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece.encode("utf-8"))
                    yield from sink.drain()
    yield from sink.drain()
