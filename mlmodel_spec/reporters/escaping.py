"""The one escaping layer of every report format: text from a model is hostile input.

Keys, values, file and directory names come from model directories that arrive in pull
requests and downloads. Each output format has one function here for such text, and every
reporter passes every string it did not write itself through it:

- :func:`visible` (text, github): control characters, line and paragraph separators,
  bidirectional overrides and lone surrogates become visible escapes (``\\n``, ``\\x1b``,
  ``\\u202e``), so no model text can start a new output line, move the cursor or colour the
  terminal; :func:`safe_line_start` keeps a line from starting with ``::`` (a GitHub
  Actions workflow command) unless we wrote that command.
- :func:`github_data` / :func:`github_property`: GitHub's own escapes for workflow commands.
- :func:`xml_text` / :func:`xml_attribute` (junit): characters XML 1.0 forbids become
  visible escapes, markup characters and CR become references.
- :func:`json_text` (json, sarif): lone surrogates (undecodable file names) become visible
  escapes, so the report is valid UTF-8; JSON escapes the rest itself.
- :func:`uri_path` (sarif): RFC 3986 percent-encoding of a path.
"""

from __future__ import annotations

import re

# The patterns are strings, compiled (and cached by ``re``) on first use: a report in one
# format needs one or two of them, and compiling all five costs a cold validate 1 ms.

#: C0, DEL, C1, U+2028/2029 (line/paragraph separators), bidi marks and overrides
#: (U+200E/200F, U+202A-202E, U+2066-2069), BOM, and every surrogate code point
_UNSAFE = (
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every character that could break or restyle an output line escaped."""
    if text.isascii() and text.isprintable():  # the common case; no unsafe character is both
        return text
    return re.sub(_UNSAFE, lambda m: _escape(m[0]), text) if re.search(_UNSAFE, text) else text


def safe_line_start(text: str) -> str:
    """``text`` (already :func:`visible`) made safe to start a line: GitHub Actions runs a
    line as a command when it starts with ``::`` after leading white space."""
    return "./" + text if text.lstrip().startswith(":") else text


# -- GitHub workflow commands (docs: "Workflow commands for GitHub Actions") -----------------
def github_data(text: str) -> str:
    """The message part of ``::error ...::message``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A ``key=value`` property of a workflow command."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


# -- XML 1.0 ------------------------------------------------------------------------------------
#: characters XML 1.0 does not allow at all (not even as references), plus the
#: surrogates and the non-characters U+FFFE/U+FFFF
_XML_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_XML_ATTRIBUTE = {**_XML_TEXT, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
_XML_TEXT_RE = "[&<>\r]"
_XML_ATTRIBUTE_RE = '[&<>\r"\n\t]'


def _xml_allowed(text: str) -> str:
    return re.sub(_XML_FORBIDDEN, lambda m: _escape(m[0]), text)


def xml_text(text: str) -> str:
    """Character data for an element."""
    return re.sub(_XML_TEXT_RE, lambda m: _XML_TEXT[m[0]], _xml_allowed(text))


def xml_attribute(text: str) -> str:
    """A double-quoted attribute value, quotes included."""
    return '"' + re.sub(_XML_ATTRIBUTE_RE, lambda m: _XML_ATTRIBUTE[m[0]], _xml_allowed(text)) + '"'


# -- JSON and URIs ---------------------------------------------------------------------------------
_SURROGATE = "[\ud800-\udfff]"


def json_text(text: str) -> str:
    """A string JSON can carry as UTF-8 (``json.dumps`` escapes control characters)."""
    if text.isascii():
        return text
    return (
        re.sub(_SURROGATE, lambda m: _escape(m[0]), text) if re.search(_SURROGATE, text) else text
    )


def uri_path(path: str) -> str:
    """A ``/``-separated relative path as a URI reference (RFC 3986): every character but
    the unreserved ones and ``/`` percent-encoded, non-ASCII as UTF-8 (undecodable file-name
    bytes as themselves)."""
    from urllib.parse import quote  # SARIF only: urllib.parse costs a cold validate 2 ms

    return quote(path, safe="/", encoding="utf-8", errors="surrogateescape")
