"""Build a :class:`~.yaml_source.YamlDocument` from libyaml's event stream: any YAML.

``yaml.safe_load`` semantics, built iteratively from the events so that every value gets
its position, duplicate keys are found, unsafe tags are refused without being constructed,
and nesting depth and alias expansion are bounded. ``yaml_source.load_yaml`` comes here for
every text the PyYAML-free ``yaml_block`` reader does not take.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .findings import escape_pointer_token
from .records import field, record
from .yaml_source import MAX_DEPTH, MAX_NODES, YamlDocument, YamlProblem, duplicate_key_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

try:  # libyaml is ~10x faster; fall back to the pure-Python parser when it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_YAML = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = _YAML + "str", _YAML + "seq", _YAML + "map", _YAML + "merge"
_SCALAR_TAGS = {
    _YAML + name for name in ("null", "bool", "int", "float", "timestamp", "binary", "str")
}
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
#: plain (untagged, unquoted) scalar text -> constructed value: the same few hundred
#: strings (`null`, `true`, versions, file names) recur in every model of a tree
_PLAIN_SCALARS: dict[str, tuple[Any, bool]] = {}
_PLAIN_SCALARS_MAX = 50_000


class _Abort(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        self.problem = problem


@record
class _Frame:
    kind: str  # "map" | "seq"
    pointer: str
    value: Any
    anchor: str | None
    size: int = 1
    key: Any = None
    key_mark: tuple[int, int] | None = None
    have_key: bool = False
    merges: list[Any] = field(default_factory=list)


def _mark(event: Any) -> tuple[int, int]:
    m = event.start_mark
    return (m.line + 1, m.column + 1) if m is not None else (0, 0)


def _line_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _problem_from_error(exc: yaml.YAMLError, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(getattr(exc, "position", None), int):
        line, column = _line_column(text, exc.position)  # type: ignore[attr-defined]
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    if "maximum nesting depth" in message:  # libyaml >= 0.2.5 stops at 1000 levels itself
        return YamlProblem("yaml-limits", "", line, column, f"nesting too deep: {message}")
    return YamlProblem("yaml-syntax", "", line, column, f"YAML syntax error: {message}")


class _Builder:
    """Turns a libyaml event stream into Python values, iteratively."""

    def __init__(self, doc: YamlDocument, max_depth: int, max_nodes: int) -> None:
        self.doc = doc
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.total = 0
        self.documents = 0
        self.result: Any = None
        self.have_result = False
        self._saved: tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]] = ({}, {})

    # -- helpers -----------------------------------------------------------------------
    def _child_pointer(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if top.kind == "seq":
            return f"{top.pointer}/{len(top.value)}"
        return f"{top.pointer}/{escape_pointer_token(top.key)}"

    def _count(self, size: int, mark: tuple[int, int]) -> None:
        self.total += size
        if self.total > self.max_nodes:
            raise _Abort(
                YamlProblem(
                    "yaml-limits",
                    "",
                    *mark,
                    f"the document expands to more than {self.max_nodes} values "
                    "(alias bomb or runaway file)",
                    "An MLmodel file has a few hundred values; remove the repeated aliases.",
                )
            )

    def _deliver(
        self, value: Any, size: int, mark: tuple[int, int], is_merge: bool = False
    ) -> None:
        """Attach a finished value to its parent (or make it the document)."""
        if not self.stack:
            if self.documents == 1:
                self.result, self.have_result = value, True
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            top.value.append(value)
            return
        if not top.have_key:
            if isinstance(value, (dict, list)):
                self.doc.problems.append(
                    YamlProblem(
                        "yaml-syntax",
                        top.pointer,
                        *mark,
                        "a mapping key is a collection; MLflow's YAML loader rejects it",
                        "Use plain string keys.",
                    )
                )
                value = repr(value)
            top.key, top.key_mark, top.have_key = value, mark, True
            top.merges.append(None) if is_merge else None
            return
        key = top.key
        top.have_key = False
        if top.merges and top.merges[-1] is None:  # value of a '<<' merge key
            top.merges[-1] = value
            return
        pointer = f"{top.pointer}/{escape_pointer_token(key)}"
        if key in top.value:
            self.doc.problems.append(duplicate_key_problem(pointer, key, top.key_mark or mark))
        top.value[key] = value
        if top.key_mark is not None:
            self.doc.key_marks[pointer] = top.key_mark

    def _scalar(self, event: Any) -> tuple[Any, bool]:
        """Construct a scalar as ``yaml.safe_load`` would. Returns (value, is_merge_key)."""
        tag, value = event.tag, event.value
        if tag is None and event.implicit[0]:
            cached = _PLAIN_SCALARS.get(value)
            if cached is not None:
                return cached
            problems = len(self.doc.problems)
            result = self._construct_scalar(event, tag, value)
            if len(self.doc.problems) == problems:  # cache successes only: errors must recur
                if len(_PLAIN_SCALARS) >= _PLAIN_SCALARS_MAX:
                    _PLAIN_SCALARS.clear()
                _PLAIN_SCALARS[value] = result
            return result
        return self._construct_scalar(event, tag, value)

    def _construct_scalar(self, event: Any, tag: str | None, value: str) -> tuple[Any, bool]:
        if tag is None or tag == "!":
            if not event.implicit[0] or tag == "!":
                return value, False
            tag = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _MERGE:
            return value, True
        if tag == _STR:
            return value, False
        if tag not in _SCALAR_TAGS:
            self._bad_tag(tag, event)
            return value, False
        try:
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, value)), False
        except (ValueError, yaml.YAMLError, OverflowError) as exc:
            line, column = _mark(event)
            self.doc.problems.append(
                YamlProblem(
                    "yaml-syntax",
                    self._child_pointer(),
                    line,
                    column,
                    f"cannot read {value!r} as {tag.rsplit(':', 1)[-1]}: {exc}",
                )
            )
            return value, False

    def _bad_tag(self, tag: str, event: Any) -> None:
        unsafe = "python/" in tag
        self.doc.problems.append(
            YamlProblem(
                "yaml-tag",
                self._child_pointer(),
                *_mark(event),
                f"tag {tag!r} is not allowed: yaml.safe_load (which MLflow uses) refuses it"
                + (" and it would execute Python code under an unsafe loader" if unsafe else ""),
                "Remove the tag; MLmodel holds only plain mappings, lists and scalars.",
            )
        )

    # -- events ------------------------------------------------------------------------
    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """Event class -> bound handler (events without one, e.g. StreamStart, are skipped)."""
        return {
            yaml.ScalarEvent: self._on_scalar,
            yaml.MappingStartEvent: self._on_collection_start,
            yaml.SequenceStartEvent: self._on_collection_start,
            yaml.MappingEndEvent: self._on_collection_end,
            yaml.SequenceEndEvent: self._on_collection_end,
            yaml.AliasEvent: self._on_alias,
            yaml.DocumentStartEvent: self._on_document_start,
            yaml.DocumentEndEvent: self._on_document_end,
        }

    def _on_scalar(self, event: Any) -> None:
        # the hot path: ~80 scalars per MLmodel, so the common cases are inlined
        start = event.start_mark
        mark = (start.line + 1, start.column + 1)
        value, is_merge = self._scalar(event)
        stack = self.stack
        top = stack[-1] if stack else None
        if top is None or top.kind == "seq" or top.have_key:
            self.doc.value_marks[self._child_pointer()] = mark
        self.total += 1
        if self.total > self.max_nodes:
            self._count(0, mark)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._deliver(value, 1, mark, is_merge)

    def _on_collection_start(self, event: Any) -> None:
        mark = _mark(event)
        if len(self.stack) >= self.max_depth:
            raise _Abort(
                YamlProblem(
                    "yaml-limits",
                    self._child_pointer(),
                    *mark,
                    f"nesting deeper than {self.max_depth} levels",
                    "An MLmodel file is a few levels deep; this is not a model description.",
                )
            )
        is_map = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _MAP if is_map else _SEQ):
            self._bad_tag(event.tag, event)
        pointer = self._child_pointer()
        self.doc.value_marks[pointer] = mark
        self._count(1, mark)
        self.stack.append(
            _Frame("map" if is_map else "seq", pointer, {} if is_map else [], event.anchor)
        )

    def _on_collection_end(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.merges:
            self._apply_merges(frame, event)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self._deliver(frame.value, frame.size, _mark(event))

    def _on_alias(self, event: Any) -> None:
        mark = _mark(event)
        if event.anchor not in self.anchors:
            self.doc.problems.append(
                YamlProblem(
                    "yaml-syntax",
                    self._child_pointer(),
                    *mark,
                    f"found undefined alias {event.anchor!r}",
                )
            )
            self._deliver(None, 1, mark)
            return
        value, size = self.anchors[event.anchor]
        self._count(size, mark)
        top = self.stack[-1] if self.stack else None
        if top is not None and top.kind == "map" and top.have_key:
            self.doc.value_marks[self._child_pointer()] = mark
        self._deliver(value, size, mark)

    def _on_document_start(self, event: Any) -> None:
        self.documents += 1
        if self.documents == 2:
            self.doc.problems.append(
                YamlProblem(
                    "yaml-syntax",
                    "",
                    *_mark(event),
                    "more than one YAML document in the file; MLflow's loader expects one",
                    "Remove the second '---' document.",
                )
            )
        if self.documents > 1:  # later documents are parsed (for errors) but not kept
            self._saved = (self.doc.value_marks, self.doc.key_marks)
            self.doc.value_marks, self.doc.key_marks = {}, {}

    def _on_document_end(self, event: Any) -> None:
        if self.documents > 1:
            self.doc.value_marks, self.doc.key_marks = self._saved

    def _apply_merges(self, frame: _Frame, event: Any) -> None:
        merged: dict[Any, Any] = {}
        for source in reversed(frame.merges):
            sources = source if isinstance(source, list) else [source]
            for item in reversed(sources):
                if isinstance(item, dict):
                    merged.update(item)
                else:
                    self.doc.problems.append(
                        YamlProblem(
                            "yaml-syntax",
                            frame.pointer,
                            *_mark(event),
                            "a '<<' merge key must refer to a mapping or a list of mappings",
                        )
                    )
        merged.update(frame.value)
        frame.value.clear()
        frame.value.update(merged)


def load_with_libyaml(
    text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> YamlDocument:
    """Parse any ``text`` like ``yaml.safe_load`` would, with positions and problems."""
    doc = YamlDocument()
    builder = _Builder(doc, max_depth, max_nodes)
    try:
        handlers = builder.handlers()
        for event in yaml.parse(text, Loader=_Loader):
            handler = handlers.get(event.__class__)
            if handler is not None:
                handler(event)
    except _Abort as abort:
        doc.problems.append(abort.problem)
        doc.usable = False
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(_problem_from_error(exc, text))
        doc.usable = False
        return doc
    except RecursionError:  # pragma: no cover - the builder itself is iterative
        doc.problems.append(YamlProblem("yaml-limits", "", None, None, "nesting too deep"))
        doc.usable = False
        return doc
    doc.data = builder.result
    doc.empty = not builder.have_result or builder.result is None
    return doc
