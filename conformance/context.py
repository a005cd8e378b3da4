"""What a check sees: one model directory, its parsed ``MLmodel`` and cached companion files."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from .model_files import ResolvedPath, TextRead, read_bounded, real_directory, resolve_inside
from .records import record
from .yaml_source import YamlDocument, load_yaml

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

    from .runtime_flavors import RuntimeFlavor


@record(frozen=True)
class ValidationOptions:
    metadata_only: bool = False  # check the MLmodel content alone, no file system checks
    strict: bool = False  # unknown keys and flavors become warnings instead of info
    #: the MLflow / scikit-learn release that will read the models (``2.9``, ``2.9.2``):
    #: the reader-* rules report what it fails on (conformance/rules/reader_compat.py)
    reader_mlflow: str | None = None
    reader_sklearn: str | None = None
    #: third-party flavor specs whose flavor blocks to validate like a built-in flavor's
    #: (``--flavor-spec``; compiled by conformance/runtime_flavors.py)
    flavor_specs: tuple[str, ...] = ()

    def given(self) -> frozenset[str]:
        """The names of the options set to something other than their default (the rule
        modules that only options make report are imported only then: ``RuleModule``)."""
        return _given(self)


DEFAULT_OPTIONS = ValidationOptions()


@lru_cache(maxsize=64)
def _given(options: ValidationOptions) -> frozenset[str]:
    return frozenset(
        name
        for name in ValidationOptions.__record_fields__  # type: ignore[attr-defined]
        if getattr(options, name) != getattr(DEFAULT_OPTIONS, name)
    )


#: conda.yaml / python_env.yaml texts repeat across the models of a tree (same project,
#: same environment): parse each distinct text once. Documents are never mutated.
_SHARED_DOCS: dict[str, YamlDocument] = {}
_SHARED_DOCS_MAX = 256


def _load_shared(text: str) -> YamlDocument:
    doc = _SHARED_DOCS.get(text)
    if doc is None:
        if len(_SHARED_DOCS) >= _SHARED_DOCS_MAX:
            _SHARED_DOCS.pop(next(iter(_SHARED_DOCS)))
        doc = _SHARED_DOCS[text] = load_yaml(text)
    return doc


@record(frozen=True)
class JsonRead:
    value: Any = None
    ok: bool = False
    error: str = ""
    line: int | None = None
    column: int | None = None


class ModelContext:
    """One model directory under validation. Companion files are read lazily, once."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        mlmodel: YamlDocument,
        options: ValidationOptions = DEFAULT_OPTIONS,
        mlmodel_name: str = "MLmodel",
        mlmodel_text: str | None = None,
    ) -> None:
        self.root = root
        self.options = options
        self.mlmodel = mlmodel
        #: the name of the MLmodel file as given (``MLmodel``, or e.g. ``MLmodel.draft``)
        self.mlmodel_name = mlmodel_name
        #: the raw MLmodel text the walker read (so no check reads the file a second time)
        self.mlmodel_text = mlmodel_text
        self.data: dict[Any, Any] = mlmodel.data if isinstance(mlmodel.data, dict) else {}
        #: documents by file name, so the walker can turn pointers into line:column
        self.documents: dict[str, YamlDocument] = {"MLmodel": mlmodel, mlmodel_name: mlmodel}
        #: texts of the JSON companion files read, so the walker can locate pointers in them
        self.json_texts: dict[str, str] = {}
        self._root_real: str | None = None
        self._resolved: dict[str, ResolvedPath] = {}
        self._texts: dict[str, TextRead] = {}
        self._yaml: dict[str, YamlDocument | None] = {}
        self._json: dict[str, JsonRead] = {}
        #: what rules derive from this model once and share, by ``"module.name"`` keys
        self.memo: dict[str, Any] = {}
        self._flavors: dict[str, dict[Any, Any]] | None = None

    # -- MLmodel content ---------------------------------------------------------------
    @property
    def flavors(self) -> dict[str, dict[Any, Any]]:
        """The flavor blocks that are mappings (the schema check reports the others); worked
        out once, as most rules ask for it. Do not modify the mapping returned."""
        found = self._flavors
        if found is None:
            flavors = self.data.get("flavors")
            found = self._flavors = (
                {k: v for k, v in flavors.items() if isinstance(k, str) and isinstance(v, dict)}
                if isinstance(flavors, dict)
                else {}
            )
        return found

    def flavor(self, name: str) -> dict[Any, Any] | None:
        return self.flavors.get(name)

    @property
    def runtime_flavors(self) -> dict[str, RuntimeFlavor]:
        """The flavors of the specs given with ``--flavor-spec`` (``options.flavor_specs``),
        by flavor key; ``{}``, importing nothing, when none was given."""
        if not self.options.flavor_specs:
            return {}
        from .runtime_flavors import load_flavors

        return load_flavors(self.options.flavor_specs)

    @property
    def pyfunc(self) -> dict[Any, Any] | None:
        return self.flavor("python_function")

    # -- the file system ---------------------------------------------------------------
    @property
    def root_real(self) -> str:
        if self._root_real is None:
            self._root_real = real_directory(self.root)
        return self._root_real

    def resolve(self, rel: object) -> ResolvedPath:
        """Classify a path named in MLmodel (cached). Never leaves the model directory."""
        key = rel if isinstance(rel, str) else repr(rel)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = resolve_inside(self.root_real, rel)
        return found

    def existing_file(self, rel: object) -> str | None:
        """The real path of ``rel`` if it is a regular file safely inside the model dir."""
        resolved = self.resolve(rel)
        return resolved.path if resolved.ok and resolved.is_file else None

    def read_text(self, rel: str) -> TextRead | None:
        """Text of a companion file; ``None`` if the path is unusable (the path check says why)."""
        if rel in self._texts:
            return self._texts[rel]
        path = self.existing_file(rel)
        result = read_bounded(path) if path is not None else None
        if result is not None:
            self._texts[rel] = result
        return result

    def read_yaml(self, rel: str) -> YamlDocument | None:
        """Parsed YAML companion file (registered for locating findings in it)."""
        if rel not in self._yaml:
            text = self.read_text(rel)
            doc = _load_shared(text.text) if text is not None and text.text is not None else None
            self._yaml[rel] = doc
            if doc is not None:
                self.documents[rel] = doc
        return self._yaml[rel]

    def read_json(self, rel: str) -> JsonRead:
        """Parsed JSON companion file. Accepts the bare ``NaN``/``Infinity`` MLflow writes.
        Its text is registered for locating findings in it."""
        if rel not in self._json:
            text = self.read_text(rel)
            if text is None:
                result = JsonRead(error="missing")
            elif text.text is None:
                result = JsonRead(error=text.error, line=text.line, column=text.column)
            else:
                self.json_texts[rel] = text.text
                try:
                    result = JsonRead(json.loads(text.text), ok=True)
                except json.JSONDecodeError as exc:
                    result = JsonRead(error=exc.msg, line=exc.lineno, column=exc.colno)
                except RecursionError:
                    result = JsonRead(error="nested too deeply")
            self._json[rel] = result
        return self._json[rel]
