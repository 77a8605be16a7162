"""Files the diary hands out (exports, backups, PDFs, calendars): one way, never cached."""

import io
from collections.abc import Iterable

from flask import Response, send_file


class _Chunks(io.RawIOBase):
    """A stream of byte chunks read as a file, so that send_file can send it as it is made."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

    def close(self) -> None:
        # Ends a generator early (a client that went away), releasing what it holds.
        getattr(self._chunks, "close", lambda: None)()
        super().close()


def file_response(
    body: bytes | Iterable[bytes], filename: str, mimetype: str, *, inline: bool = False
) -> Response:
    """Answer with a file to save (or, inline, to open); a stream of chunks is sent as made.

    send_file writes Content-Disposition, quoting the name as RFC 6266 asks. Health data,
    as every page: never kept in a browser's or a proxy's cache.
    """
    file = io.BytesIO(body) if isinstance(body, bytes) else io.BufferedReader(_Chunks(body))
    response = send_file(
        file,
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=filename,
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
