"""Safe YAML loading that remembers where every value came from.

MLflow reads ``MLmodel`` with ``yaml.safe_load``. We read the same text into the same
Python values, and also

* record the line and column of every value under its JSON pointer,
* flag duplicate keys (``safe_load`` silently keeps the last one),
* refuse tags that ``safe_load`` refuses (``!!python/object`` and friends) without ever
  constructing them,
* bound nesting depth and the size of the document once aliases are expanded (alias
  bombs), without recursion.

Two readers give the same :class:`YamlDocument`: ``yaml_block`` reads the plain block YAML
MLflow writes without importing PyYAML (which would cost a cold ``validate`` more than all
its other work), and gives up on anything else; ``yaml_libyaml`` builds the document from
libyaml's event stream and reads any YAML. Nothing here raises for bad input: problems
come back as :class:`YamlProblem` values.
"""

from __future__ import annotations

from .records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 512
MAX_NODES = 200_000


@record(frozen=True)
class YamlProblem:
    """Something wrong with the YAML text itself."""

    rule: str
    pointer: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""


@record
class YamlDocument:
    """Parsed content plus positions. ``usable`` is false when ``data`` can't be trusted."""

    data: Any = None
    usable: bool = True
    empty: bool = False
    #: pointer -> (line, column), 1-based, of the value's first character
    value_marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: pointer -> (line, column) of the mapping key that introduces the value
    key_marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def locate(self, pointer: str, *, prefer_key: bool = False) -> tuple[int | None, int | None]:
        """Position of ``pointer``, or of its nearest ancestor that has one."""
        while True:
            if prefer_key and pointer in self.key_marks:
                return self.key_marks[pointer]
            if pointer in self.value_marks:
                return self.value_marks[pointer]
            if not pointer:
                return None, None
            pointer = pointer[: pointer.rfind("/")]


def duplicate_key_problem(pointer: str, key: Any, mark: tuple[int, int]) -> YamlProblem:
    return YamlProblem(
        "yaml-duplicate-key",
        pointer,
        *mark,
        f"duplicate key {key!r}: MLflow silently keeps only the last value",
        "Remove one of the two entries.",
    )


def load_yaml(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> YamlDocument:
    """Parse ``text`` like ``yaml.safe_load`` would, with positions and problems."""
    from .yaml_block import read_block_yaml

    doc = read_block_yaml(text)
    if doc is not None:
        return doc
    from .yaml_libyaml import load_with_libyaml

    return load_with_libyaml(text, max_depth=max_depth, max_nodes=max_nodes)
