"""PEP 440 versions as comparable keys, and whether a version satisfies an exact pin.

Canonical forms (``1.2.3``, ``2.0rc1``, ``2.1.0+cu118``) are read by plain string code that
mirrors the regular expression ``FAST_VERSION_PATTERN`` (itself compiled only for what that
code does not recognise); anything else by ``packaging.version`` (imported only then). Used
by ``rules/versions.py`` and ``rules/requirements.py``.
"""

from __future__ import annotations

import re

VersionKey = tuple[
    int, tuple[int, ...], tuple[str, int] | None, int | None, int | None, tuple[int | str, ...]
]
#: the canonical forms; a string, compiled (and cached by ``re``) on first use
FAST_VERSION_PATTERN = (
    r"(?P<release>[0-9]+(?:\.[0-9]+)*)(?:(?P<pre>a|b|rc)(?P<pre_n>[0-9]+))?"
    r"(?:\.post(?P<post>[0-9]+))?(?:\.dev(?P<dev>[0-9]+))?"
    r"(?:\+(?P<local>[a-z0-9]+(?:\.[a-z0-9]+)*))?"
)
#: FAST_VERSION_PATTERN's groups: release, pre, pre_n, post, dev, local
_Groups = tuple[str, str | None, str | None, str | None, str | None, str | None]

_DIGITS = "0123456789"
_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz" + _DIGITS


def major_minor(text: str) -> tuple[int, int] | None:
    """The two numbers ``text`` starts with (``"2.9.2rc1"`` -> ``(2, 9)``), read exactly as
    ``re.match(r"(\\d+)\\.(\\d+)", text)`` reads them: ``\\d`` is Unicode's decimal digits,
    which ``str.isdecimal`` tests and ``int`` takes."""
    major = _leading_decimals(text)
    dot, rest = text[len(major) : len(major) + 1], text[len(major) + 1 :]
    minor = _leading_decimals(rest) if dot == "." else ""
    return (int(major), int(minor)) if major and minor else None


def _leading_decimals(text: str) -> str:
    end = 0
    while end < len(text) and text[end].isdecimal():
        end += 1
    return text[:end]


def _leading_digits(text: str) -> str:
    """The ASCII digits ``text`` starts with."""
    return text[: len(text) - len(text.lstrip(_DIGITS))]


def _leading_release(text: str) -> str:
    """The ``[0-9]+(?:\\.[0-9]+)*`` that ``text`` starts with (``""``: none)."""
    end = len(_leading_digits(text))
    while end and text.startswith(".", end) and (part := _leading_digits(text[end + 1 :])):
        end += 1 + len(part)
    return text[:end]


def _numbered(text: str, tag: str) -> tuple[str | None, str]:
    """``(N, rest)`` when ``text`` starts with ``tag`` and digits N, else ``(None, text)``."""
    number = _leading_digits(text[len(tag) :]) if text.startswith(tag) else ""
    return (number, text[len(tag) + len(number) :]) if number else (None, text)


def _is_local_label(text: str) -> bool:
    """``[a-z0-9]+(?:\\.[a-z0-9]+)*``"""
    return all(part and not part.strip(_LOCAL_CHARS) for part in text.split("."))


def _canonical_groups(text: str) -> _Groups | None:
    """FAST_VERSION_PATTERN's groups of ``text``, read with str methods; None when ``text`` is
    not in that form (then the regex, and packaging, decide)."""
    public, plus, local = text.partition("+")
    if plus and not _is_local_label(local):
        return None
    release = _leading_release(public)
    rest = public[len(release) :]
    pre = pre_n = None
    for tag in ("a", "b", "rc"):
        pre_n, rest = _numbered(rest, tag)
        if pre_n is not None:
            pre = tag
            break
    post, rest = _numbered(rest, ".post")
    dev, rest = _numbered(rest, ".dev")
    if not release or rest:
        return None
    return release, pre, pre_n, post, dev, local if plus else None


def _groups(text: str) -> _Groups | None:
    """FAST_VERSION_PATTERN's groups of ``text`` (``None``: it does not match)."""
    found = _canonical_groups(text)
    if found is not None:
        return found
    match = re.fullmatch(FAST_VERSION_PATTERN, text)
    if match is None:
        return None
    release, pre, pre_n, post, dev, local = match.groups()
    return release, pre, pre_n, post, dev, local


def _release(parts: tuple[int, ...]) -> tuple[int, ...]:
    end = len(parts)
    while end > 1 and parts[end - 1] == 0:
        end -= 1
    return parts[:end]


def _local(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    # re.split on "." alone when there is no "_" or "-" (packaging writes "." only)
    parts = re.split(r"[._-]", text) if "_" in text or "-" in text else text.split(".")
    return tuple(int(p) if p.isdigit() else p.lower() for p in parts)


MAX_VERSION_CHARS = 128
_KEYS: dict[str, VersionKey | None] = {}
_KEYS_LIMIT = 4096  # versions repeat across models


def version_key(text: str) -> VersionKey | None:
    """A key equal for two versions exactly when PEP 440 calls them equal (``None``: invalid).

    Canonical forms are read by string code (or FAST_VERSION_PATTERN); anything else by
    ``packaging.version``.
    """
    if len(text) > MAX_VERSION_CHARS:
        return None  # no real version is that long (and int() refuses > 4,300 digits)
    if text not in _KEYS:
        if len(_KEYS) >= _KEYS_LIMIT:
            _KEYS.clear()
        try:
            _KEYS[text] = _version_key(text)
        except ValueError:  # a component of more digits than int() converts
            _KEYS[text] = None
    return _KEYS[text]


def _version_key(text: str) -> VersionKey | None:
    groups = _groups(text)
    if groups is not None:
        release, pre, pre_n, post, dev, local = groups
        return (
            0,
            _release(tuple(int(p) for p in release.split("."))),
            (pre, int(pre_n)) if pre and pre_n is not None else None,
            int(post) if post is not None else None,
            int(dev) if dev is not None else None,
            _local(local),
        )
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(text)
    except InvalidVersion:
        return None
    return (
        parsed.epoch,
        _release(parsed.release),
        parsed.pre,
        parsed.post,
        parsed.dev,
        _local(parsed.local),
    )


def public_key(key: VersionKey) -> VersionKey:
    """The key without its local version label (``2.1.0+cu118`` -> ``2.1.0``)."""
    return (*key[:5], ())


def satisfies_pin(version: str, operator: str, pin: str) -> bool | None:
    """Does ``version`` satisfy ``<operator><pin>``? ``None`` when that can't be decided.

    Only pins are judged: ``==`` (exact or wildcard) and ``===``. A pin without a local label
    matches any local label of the same public version (MLflow strips local labels when it
    writes requirements).
    """
    if operator == "===":
        return version.strip().lower() == pin.strip().lower()
    if operator != "==":
        return None
    have = version_key(version)
    if have is None:
        return None
    if pin.endswith(".*"):
        if len(pin) > MAX_VERSION_CHARS:
            return None
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            return SpecifierSet(f"=={pin}").contains(Version(version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion, ValueError):
            return None
    want = version_key(pin)
    if want is None:
        return None
    if not want[5]:
        have = public_key(have)
    return have == want
