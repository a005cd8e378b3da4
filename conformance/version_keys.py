"""PEP 440 versions as comparable keys, and whether a version satisfies an exact pin.

Canonical forms (``1.2.3``, ``2.0rc1``, ``2.1.0+cu118``) are read by a regular expression;
anything else by ``packaging.version`` (imported only then). Used by ``rules/versions.py``
and ``rules/requirements.py``.
"""

from __future__ import annotations

import re

VersionKey = tuple[
    int, tuple[int, ...], tuple[str, int] | None, int | None, int | None, tuple[int | str, ...]
]
_FAST_VERSION = re.compile(
    r"(?P<release>[0-9]+(?:\.[0-9]+)*)(?:(?P<pre>a|b|rc)(?P<pre_n>[0-9]+))?"
    r"(?:\.post(?P<post>[0-9]+))?(?:\.dev(?P<dev>[0-9]+))?"
    r"(?:\+(?P<local>[a-z0-9]+(?:\.[a-z0-9]+)*))?"
)


def _release(parts: tuple[int, ...]) -> tuple[int, ...]:
    end = len(parts)
    while end > 1 and parts[end - 1] == 0:
        end -= 1
    return parts[:end]


def _local(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"[._-]", text))


MAX_VERSION_CHARS = 128
_KEYS: dict[str, VersionKey | None] = {}
_KEYS_LIMIT = 4096  # versions repeat across models


def version_key(text: str) -> VersionKey | None:
    """A key equal for two versions exactly when PEP 440 calls them equal (``None``: invalid).

    Canonical forms are read by a regular expression; anything else by ``packaging.version``.
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
    match = _FAST_VERSION.fullmatch(text)
    if match is not None:
        pre = match.group("pre")
        post, dev = match.group("post"), match.group("dev")
        return (
            0,
            _release(tuple(int(p) for p in match.group("release").split("."))),
            (pre, int(match.group("pre_n"))) if pre else None,
            int(post) if post is not None else None,
            int(dev) if dev is not None else None,
            _local(match.group("local")),
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
