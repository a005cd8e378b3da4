"""Static reading of pip requirements files (``requirements.txt``, ``constraints.txt``).

The text is split into logical lines exactly as pip's ``req_file.preprocess`` does (line
continuations with a trailing backslash, ``#`` comments, blank lines), each line is broken
into its requirement part and its options the way pip does it, and the options are checked
against the table of options pip accepts in a requirements file. The requirement part is a
URL, a local path or archive, or a PEP 508 string (read by :mod:`.pep508`). Nothing here
touches the file system. Versions and pins are :mod:`.version_keys`' business.
"""

from __future__ import annotations

import re
from enum import Enum

from .pep508 import Requirement, parse_pep508
from .records import field, record

# Patterns only some lines need are strings, compiled (and cached by ``re``) on first use:
# a cold ``validate`` of a model without comments, hashes or VCS URLs spares 0.25 ms.

#: pip's comment pattern (a '#' at the start or after whitespace starts a comment)
COMMENT = r"(^|\s+)#.*$"
ENV_VAR = r"\$\{[A-Z0-9_]+\}"


class LineKind(Enum):
    REQUIREMENT = "requirement"  # a PEP 508 requirement (maybe ``name @ url``)
    URL = "url"  # a direct URL or VCS reference
    PATH = "path"  # a local directory or archive
    EDITABLE = "editable"  # ``-e <path or url>``
    INCLUDE = "include"  # ``-r file``
    CONSTRAINT = "constraint"  # ``-c file``
    OPTION = "option"  # index/find-links/... options only


@record(frozen=True)
class LineProblem:
    message: str
    offset: int  # character offset into the logical line's text
    ignored: bool = False  # pip ignores the item (a warning) rather than failing (an error)


@record
class _Draft:
    """What a line says, while it is being worked out."""

    text: str
    kind: LineKind = LineKind.OPTION
    requirement: Requirement | None = None
    target: str | None = None
    problems: list[LineProblem] = field(default_factory=list)


@record(frozen=True)
class LineContent:
    """What a logical line says, independent of where it is (shared between equal lines)."""

    text: str  # the logical line (joined, comment removed, stripped)
    kind: LineKind
    requirement: Requirement | None
    target: str | None  # the file of ``-r`` / ``-c``
    problems: tuple[LineProblem, ...]


@record(frozen=True)
class RequirementLine:
    line: int  # 1-based physical line where the logical line starts
    content: LineContent
    #: (offset in text, physical line, column) where each joined piece of the text starts
    pieces: tuple[tuple[int, int, int], ...] = ()

    @property
    def text(self) -> str:
        return self.content.text

    @property
    def kind(self) -> LineKind:
        return self.content.kind

    @property
    def requirement(self) -> Requirement | None:
        return self.content.requirement

    @property
    def target(self) -> str | None:
        return self.content.target

    @property
    def problems(self) -> tuple[LineProblem, ...]:
        return self.content.problems

    @property
    def uses_env_vars(self) -> bool:
        return re.search(ENV_VAR, self.content.text) is not None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into :attr:`text`."""
        line, column = self.line, 1
        for start, piece_line, piece_column in self.pieces:
            if start <= offset:
                line, column = piece_line, piece_column + (offset - start)
        return line, column


# -- pip's preprocessing --------------------------------------------------------------------


@record
class _Piece:
    line: int
    column: int  # 1-based column in the physical line of the piece's first character
    text: str


def _logical_lines(text: str) -> list[list[_Piece]]:
    """Join continued lines as pip's ``join_lines`` does; keep where each piece came from."""
    result: list[list[_Piece]] = []
    pending: list[_Piece] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        is_comment = re.match(COMMENT, raw) is not None
        if not raw.endswith("\\") or is_comment:
            piece = _Piece(number, 0 if is_comment else 1, " " + raw if is_comment else raw)
            if pending:
                pending.append(piece)
                result.append(pending)
                pending = []
            else:
                result.append([piece])
        else:
            stripped = raw.strip("\\")
            lead = len(raw) - len(raw.lstrip("\\"))
            pending.append(_Piece(number, 1 + lead, stripped))
    if pending:
        result.append(pending)
    return result


def _clean(pieces: list[_Piece]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Comment removal and stripping as in pip's ``ignore_comments``, with a position map."""
    joined = "".join(p.text for p in pieces)
    without_comment = re.sub(COMMENT, "", joined)
    lead = len(without_comment) - len(without_comment.lstrip())
    cleaned = without_comment.strip()
    marks: list[tuple[int, int, int]] = []
    start = 0
    for piece in pieces:
        offset = start - lead
        if offset < 0:  # this piece begins inside the stripped lead
            marks.append((0, piece.line, piece.column - offset))
        else:
            marks.append((offset, piece.line, piece.column))
        start += len(piece.text)
    return cleaned, tuple(marks)


# -- options ---------------------------------------------------------------------------------


@record(frozen=True)
class _Option:
    dest: str
    takes_value: bool
    per_requirement: bool = False  # pip applies it to the requirement on the same line


_LONG: dict[str, _Option] = {
    "--index-url": _Option("index_url", True),
    "--pypi-url": _Option("index_url", True),
    "--extra-index-url": _Option("extra_index_urls", True),
    "--no-index": _Option("no_index", False),
    "--constraint": _Option("constraints", True),
    "--requirement": _Option("requirements", True),
    "--editable": _Option("editables", True),
    "--find-links": _Option("find_links", True),
    "--no-binary": _Option("format_control", True),
    "--only-binary": _Option("format_control", True),
    "--prefer-binary": _Option("prefer_binary", False),
    "--require-hashes": _Option("require_hashes", False),
    "--pre": _Option("pre", False),
    "--trusted-host": _Option("trusted_hosts", True),
    "--use-feature": _Option("features_enabled", True),
    "--global-option": _Option("global_options", True, per_requirement=True),
    "--hash": _Option("hashes", True, per_requirement=True),
    "--config-settings": _Option("config_settings", True, per_requirement=True),
}
_SHORT: dict[str, str] = {
    "-i": "--index-url",
    "-c": "--constraint",
    "-r": "--requirement",
    "-e": "--editable",
    "-f": "--find-links",
    "-C": "--config-settings",
}
_HASH_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_HEX = r"[0-9a-fA-F]+"


def _match_long(name: str) -> tuple[str | None, str]:
    """optparse's abbreviation rule: an exact name, or a unique prefix of one."""
    if name in _LONG:
        return name, ""
    candidates = sorted(o for o in _LONG if o.startswith(name))
    if len(candidates) == 1:
        return candidates[0], ""
    if candidates:
        return None, f"option {name} is ambiguous ({', '.join(candidates)})"
    return None, f"{name} is not an option pip accepts in a requirements file"


def _check_value(option: str, value: str) -> str:
    if option == "--hash":
        algorithm, sep, digest = value.partition(":")
        if not sep:
            return (
                f"--hash={value} must be a hash name and value, like --hash=sha256:<64 hex digits>"
            )
        if algorithm not in _HASH_LENGTHS:
            return f"--hash algorithm {algorithm!r} is not one pip allows (sha256, sha384, sha512)"
        expected = _HASH_LENGTHS[algorithm]
        if len(digest) != expected or not re.fullmatch(_HEX, digest):
            return f"--hash={value} is not a {algorithm} digest ({expected} hex digits)"
    elif option == "--config-settings" and "=" not in value:
        return f"--config-settings {value!r} must have the form KEY=VALUE"
    return ""


@record
class _Options:
    found: list[tuple[str, str, int]] = field(default_factory=list)  # (option, value, offset)
    stray: list[tuple[str, int]] = field(default_factory=list)  # positional words pip drops


def _token_offsets(text: str, tokens: list[str], base: int) -> list[int]:
    """Best-effort offsets of shlex tokens in ``text`` (for error columns)."""
    offsets, cursor = [], 0
    for token in tokens:
        probe = token[:1] if token else ""
        found = text.find(probe, cursor) if probe else cursor
        found = cursor if found < 0 else found
        offsets.append(base + found)
        cursor = found + max(len(token), 1)
    return offsets


#: what makes ``shlex.split`` differ from ``str.split`` on ASCII text: quotes, the escape,
#: and the blanks ``str.split`` splits at but the shell does not
_SHELL_SPECIAL = frozenset("'\"\\\x0b\x0c\x1c\x1d\x1e\x1f")


def shell_words(text: str) -> list[str]:
    """``shlex.split(text)`` (``ValueError`` on a lone quote); the ``-r requirements.txt`` of
    every python_env.yaml MLflow writes is split without importing ``shlex``."""
    if text.isascii() and _SHELL_SPECIAL.isdisjoint(text):
        return text.split()
    import shlex

    return shlex.split(text)


def _parse_options(text: str, base: int, line: _Draft) -> _Options:
    options = _Options()
    try:
        tokens = shell_words(text)
    except ValueError as exc:
        line.problems.append(LineProblem(f"the options cannot be split: {exc}", base))
        return options
    offsets = _token_offsets(text, tokens, base)
    index = 0
    only_positional = False
    while index < len(tokens):
        token, offset = tokens[index], offsets[index]
        index += 1
        if only_positional or token == "-" or not token.startswith("-"):
            options.stray.append((token, offset))
            continue
        if token == "--":
            only_positional = True
            continue
        inline: str | None = None
        if token.startswith("--"):
            name, eq, rest = token.partition("=")
            inline = rest if eq else None
            option, error = _match_long(name)
        else:
            option = _SHORT.get(token[:2])
            error = (
                "" if option else f"{token[:2]} is not an option pip accepts in a requirements file"
            )
            inline = token[2:] or None
        if option is None:
            line.problems.append(LineProblem(error, offset))
            return options
        spec = _LONG[option]
        if spec.takes_value:
            if inline is None:
                if index >= len(tokens):
                    line.problems.append(LineProblem(f"{option} needs a value", offset))
                    return options
                inline = tokens[index]
                index += 1
            message = _check_value(option, inline)
            if message:
                line.problems.append(LineProblem(message, offset))
            options.found.append((option, inline, offset))
        else:
            if inline is not None:
                line.problems.append(LineProblem(f"{option} does not take a value", offset))
                return options
            options.found.append((option, "", offset))
    return options


# -- the requirement part ---------------------------------------------------------------------

_URL_SCHEME = r"^([A-Za-z][A-Za-z0-9+.-]*):"  # strings: see COMMENT (and _url_scheme)
_VCS_SCHEME = r"^(git|hg|svn|bzr)(\+[a-z-]+)?$"
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SCHEME_CHARS = _LETTERS | frozenset("0123456789+.-")
_ARCHIVES = (
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
    ".tar",
)


def _url_scheme(text: str) -> str | None:
    """The scheme _URL_SCHEME finds at the start of ``text`` (``https`` of ``https://x``)."""
    if not text.isascii():
        match = re.match(_URL_SCHEME, text)
        return match.group(1) if match else None
    # _URL_SCHEME: a scheme holds no ':', so it is all of the text before the first one
    scheme, colon, _ = text.partition(":")
    if colon and scheme[:1] in _LETTERS and _SCHEME_CHARS.issuperset(scheme):
        return scheme
    return None


def _is_url(text: str) -> bool:
    scheme = _url_scheme(text)
    if scheme is None:
        return False
    scheme = scheme.lower()
    return scheme in ("http", "https", "file", "ftp") or re.match(_VCS_SCHEME, scheme) is not None


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith(".") or text.lower().endswith(_ARCHIVES)


def _is_path(head: str) -> bool:
    """pip treats these as local directories or archives (whether they exist is for pip)."""
    if not _looks_like_path(head):
        return False
    before_at, at, _ = head.partition("@")
    return not at or _looks_like_path(before_at.strip())


def _classify_args(args: str, line: _Draft) -> None:
    if _is_url(args):
        line.kind = LineKind.URL
        return
    if _is_path(args.split(";", 1)[0].strip()):
        line.kind = LineKind.PATH
        return
    line.kind = LineKind.REQUIREMENT
    if len(args) > MAX_REQUIREMENT_CHARS:
        message = f"the requirement is {len(args):,} characters long; it is not read"
        line.problems.append(LineProblem(message, 0))
        return
    requirement, message, offset = parse_pep508(args)
    if requirement is None:
        hint = ""
        if "=" in args and not any(op in args for op in ("==", "!=", "<=", ">=", "~=")):
            hint = " ('=' is not a version operator; did you mean '=='?)"
        line.problems.append(
            LineProblem(f"invalid requirement {args.strip()!r}: {message}{hint}", offset)
        )
    line.requirement = requirement


# -- lines ------------------------------------------------------------------------------------


def _break_args_options(text: str) -> tuple[str, str, int]:
    """pip's ``break_args_options``: words before the first one starting with '-' are args."""
    tokens = text.split(" ")
    args: list[str] = []
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
    arg_text = " ".join(args)
    rest = " ".join(tokens[len(args) :])
    return arg_text, rest, len(arg_text) + (1 if args and rest else 0)


MAX_LINE_CHARS = 32_768  # a line with 100 wheel hashes is ~8,000 characters
MAX_REQUIREMENT_CHARS = 4_096  # the part before the options (packaging is slow on huge ones)
_CONTENTS: dict[str, LineContent] = {}
_CONTENTS_LIMIT = 4096  # lines repeat across models (mlflow==3.17.2, numpy==...)


def line_content(text: str) -> LineContent:
    """What one logical line (joined, stripped of comments) says; cached by its text."""
    if len(text) > MAX_LINE_CHARS:
        message = (
            f"the line is {len(text):,} characters long; lines over {MAX_LINE_CHARS:,} are not read"
        )
        return LineContent(text, LineKind.OPTION, None, None, (LineProblem(message, 0),))
    found = _CONTENTS.get(text)
    if found is None:
        if len(_CONTENTS) >= _CONTENTS_LIMIT:
            _CONTENTS.clear()
        found = _CONTENTS[text] = _analyse(text)
    return found


def parse_line(text: str, line_number: int = 1) -> RequirementLine:
    """Parse one logical line (already joined and stripped of comments)."""
    return RequirementLine(line_number, line_content(text), ((0, line_number, 1),))


def _analyse(text: str) -> LineContent:
    line = _Draft(text)
    args, rest, rest_offset = _break_args_options(text)
    options = _parse_options(rest, rest_offset, line) if rest else _Options()
    editables = [(v, o) for opt, v, o in options.found if opt == "--editable"]
    includes = [
        (opt, v, o) for opt, v, o in options.found if opt in ("--requirement", "--constraint")
    ]
    if args:
        _classify_args(args, line)
        for option, _, offset in options.found:
            if not _LONG[option].per_requirement:
                line.problems.append(
                    LineProblem(f"{option} after a requirement is ignored by pip", offset, True)
                )
    elif editables:
        line.kind = LineKind.EDITABLE
        for _, offset in editables[1:]:
            line.problems.append(
                LineProblem("pip installs only the first -e of a line", offset, True)
            )
        for option, _, offset in options.found:
            if _LONG[option].per_requirement:
                line.problems.append(
                    LineProblem(f"{option} is ignored by pip on an editable line", offset, True)
                )
    else:
        if includes:
            option, target, _ = includes[0]
            line.kind = LineKind.INCLUDE if option == "--requirement" else LineKind.CONSTRAINT
            line.target = target
            for option, _, offset in includes[1:]:
                line.problems.append(
                    LineProblem(
                        f"pip reads only the first -r/-c of a line; {option} is ignored",
                        offset,
                        True,
                    )
                )
        for option, _, offset in options.found:
            if _LONG[option].per_requirement:
                line.problems.append(
                    LineProblem(
                        f"{option} without a requirement on the line is ignored by pip",
                        offset,
                        True,
                    )
                )
    for word, offset in options.stray:
        line.problems.append(
            LineProblem(f"{word!r} is not an option value; pip ignores it", offset, True)
        )
    return LineContent(line.text, line.kind, line.requirement, line.target, tuple(line.problems))


def parse_text(text: str) -> list[RequirementLine]:
    """Every logical line of a requirements file, in order."""
    lines: list[RequirementLine] = []
    if "\\" not in text and "#" not in text:  # no continuations, no comments: the usual file
        for number, raw in enumerate(text.splitlines(), start=1):
            cleaned = raw.strip()
            if cleaned:
                column = len(raw) - len(raw.lstrip()) + 1
                lines.append(RequirementLine(number, line_content(cleaned), ((0, number, column),)))
        return lines
    for pieces in _logical_lines(text):
        cleaned, marks = _clean(pieces)
        if cleaned:
            lines.append(RequirementLine(pieces[0].line, line_content(cleaned), marks))
    return lines


def parse_entry(text: str) -> list[RequirementLine]:
    """One entry of a YAML list that MLflow or conda writes, line by line, into a requirements
    file (``python_env.yaml`` dependencies, the pip section of ``conda.yaml``)."""
    if "\n" in text or "\r" in text or "\\" in text or "#" in text:
        return parse_text(text)
    cleaned = text.strip()
    return [RequirementLine(1, line_content(cleaned), ((0, 1, 1),))] if cleaned else []
