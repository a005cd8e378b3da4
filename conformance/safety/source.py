"""A forward-only byte source with absolute offsets, over a file or a decompressing stream.

Memory stays constant: reads are buffered in chunks, long arguments are skipped (seek where
the file allows it, read-and-discard otherwise), lines are bounded. Compressed payloads
(zlib, gzip, bz2, lzma/xz, lz4 as joblib writes them) are detected by their magic bytes and
decompressed as they are read.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import BinaryIO, Protocol

CHUNK = 1 << 20


if TYPE_CHECKING:

    class _Decompressor(Protocol):
        def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...

        @property
        def eof(self) -> bool: ...


class SourceLimit(Exception):
    """Reading went past a bound we set (a decompression bomb, a line without end)."""


class ByteSource:
    """Bytes from ``raw``, counted from 0. ``read`` returns fewer bytes only at the end."""

    def __init__(self, raw: BinaryIO, *, seekable: bool = False, limit: int | None = None) -> None:
        self._raw = raw
        self._seekable = seekable
        self._buffer = b""
        self._pos = 0  # position of the next byte in ``_buffer``
        self._base = 0  # offset of ``_buffer[0]``
        self._eof = False
        self._limit = limit

    @property
    def offset(self) -> int:
        return self._base + self._pos

    def _fill(self, need: int) -> bool:
        """Make ``need`` bytes available after ``_pos`` if the stream has them."""
        while len(self._buffer) - self._pos < need and not self._eof:
            chunk = self._next_chunk(max(CHUNK, need))
            if not chunk:
                self._eof = True
                break
            self._base += self._pos
            self._buffer = self._buffer[self._pos :] + chunk
            self._pos = 0
        return len(self._buffer) - self._pos >= need

    def _next_chunk(self, size: int) -> bytes:
        chunk = self._raw.read(size)
        if self._limit is not None and self._base + len(self._buffer) + len(chunk) > self._limit:
            raise SourceLimit(f"more than {self._limit} bytes")
        return chunk

    def window(self, want: int) -> tuple[bytes, int]:
        """The buffer and the position of the next byte in it, with ``want`` bytes after the
        position where the stream has them (the reader's fast path scans it in place)."""
        self._fill(want)
        return self._buffer, self._pos

    def advance_to(self, pos: int) -> None:
        """Consume the buffer up to ``pos`` (a position in the last :meth:`window`)."""
        self._pos = pos

    def peek(self, count: int) -> bytes:
        self._fill(count)
        return self._buffer[self._pos : self._pos + count]

    def at_end(self) -> bool:
        return not self._fill(1)

    def read(self, count: int) -> bytes:
        self._fill(count)
        data = self._buffer[self._pos : self._pos + count]
        self._pos += len(data)
        return data

    def read_byte(self) -> int:
        """The next byte, or -1 at the end."""
        if self._pos >= len(self._buffer) and not self._fill(1):
            return -1
        byte = self._buffer[self._pos]
        self._pos += 1
        return byte

    def skip(self, count: int) -> int:
        """Skip ``count`` bytes; returns how many there were."""
        available = len(self._buffer) - self._pos
        if count <= available:
            self._pos += count
            return count
        skipped = available
        self._base += len(self._buffer)
        self._buffer, self._pos = b"", 0
        if self._seekable:
            here = self._raw.tell()
            end = self._raw.seek(0, 2)
            target = min(end, here + count - skipped)
            self._raw.seek(target)
            self._base += target - here
            return skipped + target - here
        while skipped < count:
            chunk = self._next_chunk(min(CHUNK, count - skipped))
            if not chunk:
                self._eof = True
                break
            skipped += len(chunk)
            self._base += len(chunk)
        return skipped

    def readline(self, limit: int) -> bytes | None:
        """Bytes up to and including the next newline; ``None`` at the end or past ``limit``."""
        start = self._pos
        while True:
            newline = self._buffer.find(b"\n", start)
            if newline >= 0:
                line = self._buffer[self._pos : newline + 1]
                if len(line) > limit:
                    return None
                self._pos = newline + 1
                return line
            if len(self._buffer) - self._pos > limit:
                return None
            start = len(self._buffer)
            before = len(self._buffer) - self._pos
            if not self._fill(before + 1):
                return None
            start = self._pos + before


class _DecompressedStream:
    """``read(n)`` over a decompressor fed from ``raw`` in chunks."""

    def __init__(self, raw: BinaryIO, decompressor: _Decompressor) -> None:
        self._raw = raw
        self._decompressor = decompressor
        self._pending = b""
        self._done = False

    def _has_output(self) -> bool:
        """Whether the decompressor can produce more without new input."""
        needs_input = getattr(self._decompressor, "needs_input", None)
        if needs_input is not None:  # bz2, lzma, lz4: output held back by ``max_length``
            return not needs_input
        return bool(self._pending)  # zlib: input held back in ``unconsumed_tail``

    def read(self, size: int) -> bytes:
        while not self._done:
            if self._has_output():
                data = self._decompressor.decompress(self._pending, size)
            else:
                compressed = self._raw.read(CHUNK)
                if not compressed:
                    self._done = True
                    break
                data = self._decompressor.decompress(compressed, size)
            self._pending = getattr(self._decompressor, "unconsumed_tail", b"")
            if self._decompressor.eof:
                self._done = True
            if data:
                return data
        return b""

    def tell(self) -> int:  # pragma: no cover - never seekable
        raise OSError("not seekable")


def _zlib_header(head: bytes) -> bool:
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


#: magic bytes -> compression name (joblib's ``compressor.py`` prefixes)
COMPRESSIONS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x5d\x00\x00", "lzma"),
    (b"\x04\x22\x4d\x18", "lz4"),
)


def sniff_compression(head: bytes) -> str | None:
    for magic, name in COMPRESSIONS:
        if head.startswith(magic):
            return name
    if head[:1] == b"\x78" and _zlib_header(head):
        return "zlib"
    return None


class CompressionUnavailable(Exception):
    """The payload is compressed with a codec this Python cannot read (lz4 not installed)."""


def decompressing(raw: BinaryIO, kind: str) -> BinaryIO:
    """A stream of the decompressed bytes of ``raw`` (already positioned at the magic)."""
    decompressor: _Decompressor
    # the codecs load on first use: most payloads are plain pickles (validate's start-up)
    if kind == "gzip":
        import zlib

        decompressor = zlib.decompressobj(31)
    elif kind == "zlib":
        import zlib

        decompressor = zlib.decompressobj(zlib.MAX_WBITS)
    elif kind == "bz2":
        import bz2

        decompressor = bz2.BZ2Decompressor()
    elif kind in ("xz", "lzma"):
        import lzma

        fmt = lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE
        decompressor = lzma.LZMADecompressor(format=fmt)
    elif kind == "lz4":
        try:
            import lz4.frame  # light, optional; only needed for lz4 payloads
        except ImportError as exc:
            raise CompressionUnavailable("lz4 payloads need the 'lz4' package") from exc
        decompressor = lz4.frame.LZ4FrameDecompressor()
    else:  # pragma: no cover - callers pass sniff_compression's names
        raise ValueError(kind)
    return _DecompressedStream(raw, decompressor)  # type: ignore[return-value]
