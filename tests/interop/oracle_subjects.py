"""What the severity oracle asks MLflow about: cases, mutants and probes, as directories.

- every case of ``tests/cases/{invalid,valid}`` (``invalid/<name>``, ``valid/<name>``);
- a fixed, seeded sample of both mutation classes of ``tests/test_mutations.py`` applied to
  the valid cases of ``MUTANT_SEEDS`` in turn: ``structure/NN`` (a value of the parsed
  MLmodel swapped for another) and ``text/NN`` (bytes of MLmodel or of an env file or
  example inserted, deleted or replaced, a line duplicated, the file cut short). Each mutant
  has its own generator, so it depends only on its seed case;
- probes for single questions: ``dtype/<text>`` (a tensor spec ``dtype`` MLflow must parse
  with numpy) and ``env/<form>`` (the forms of ``python_function.env``).

Each subject is copied (``case.yaml`` left out) into a work directory; nothing under
tests/cases is modified. The mutants' names carry the edit, so a registry entry or a doc row
can be matched to one.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).parent.parent / "cases"
SEED = 8  # issue 8
STRUCTURE_MUTANTS = 40
TEXT_MUTANTS = 20
#: the valid cases mutants are made from, in turn (a fixed list: adding a case to
#: tests/cases/valid changes no mutant; removing one of these fails loudly)
MUTANT_SEEDS = (
    "files-sklearn-complete",
    "env-lightgbm-booster-consistent",
    "legacy-mlflow130-custom-pyfunc",
    "sig-pyfunc-ndarray-3-17",
    "sig-pyfunc-dict-params-3-17",
    "files-mlflow-1-17-env-string",
    "sig-sklearn-dataframe-2-22",
    "files-pyfunc-artifacts-and-code",
    "env-mlflow-2-4-minor-pin",
    "sig-pyfunc-sparse-csr-3-17",
)
#: the text mutation classes of tests/test_mutations.py
TEXT_KINDS = ("insert", "delete", "replace", "dupline", "truncate")
#: replacement values for structure mutants (test_mutations.py's scalars, fixed)
VALUES: tuple[Any, ...] = (None, True, 0, -1, 2.5, "", "../../etc/passwd", "/abs/path", "[", [], {})
DTYPE_PROBE_CASE = "sig-pyfunc-ndarray-3-17"  # an unnamed float32 tensor signature
DTYPES = (
    "float32", "float64", "<f8", ">f4", "|b1", "b1", "?", "bool", "int8", "u2", "i", "l",
    "float", "int", "complex", "str", "U", "U0", "<U5", "S", "|S3", "bytes", "object", "O",
    "V8", "void", "datetime64", "datetime64[ns]", "M8[s]", "<m8[25ms]", "timedelta64[D]",
    "float16", "e", "g", "longdouble", "float128", "complex256", "float96", "half",
    "double", "intp", "uint", "T", "a", "c", "i4,f8", "(2,)f8", "3f8", "int0", "bool8",
    "float64[ns]", "datetime64[xx]", "garbage", "", "f9", "<>f8",
)  # fmt: skip
ENV_PROBE_CASE = "sig-sklearn-dataframe-2-22"  # a cloudpickle sklearn model: both MLflows read it
ENV_FORMS: dict[str, Any] = {
    "null": None,
    "string": "conda.yaml",
    "mapping": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
    "empty-mapping": {},
}


@dataclass(frozen=True)
class Subject:
    name: str
    source: Path  # the directory it is copied from
    edit: Callable[[Path], None] | None = None  # applied to the copy
    options: dict[str, bool] = field(default_factory=dict)

    def materialize(self, target: Path) -> Path:
        shutil.copytree(self.source, target, symlinks=True)
        (target / "case.yaml").unlink(missing_ok=True)
        if self.edit is not None:
            self.edit(target)
        return target


def _case_options(directory: Path) -> dict[str, bool]:
    case = yaml.safe_load((directory / "case.yaml").read_text(encoding="utf-8")) or {}
    return dict(case.get("options") or {})


def case_subjects() -> Iterator[Subject]:
    for kind in ("invalid", "valid"):
        for directory in sorted((CASES / kind).iterdir()):
            if (directory / "case.yaml").is_file():
                yield Subject(f"{kind}/{directory.name}", directory, None, _case_options(directory))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            found.extend(_paths(value[key], (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


def _load_mlmodel(root: Path) -> Any:
    return yaml.safe_load((root / "MLmodel").read_text(encoding="utf-8"))


def _dump_mlmodel(root: Path, document: Any) -> None:
    (root / "MLmodel").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _mutant_rng(kind: str, number: int) -> random.Random:
    """One generator per mutant: a mutant depends only on its seed case, never on which
    other cases exist."""
    return random.Random(f"{SEED}/{kind}/{number}")


def _mutant_seed(number: int) -> Path:
    seed = CASES / "valid" / MUTANT_SEEDS[number % len(MUTANT_SEEDS)]
    if not (seed / "MLmodel").is_file():
        raise FileNotFoundError(f"oracle_subjects.MUTANT_SEEDS names {seed}, which is gone")
    return seed


def _structure_edit(path: tuple[Any, ...], new: Any) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        _dump_mlmodel(root, _replace(_load_mlmodel(root), path, new))

    return edit


def structure_mutants() -> Iterator[Subject]:
    for number in range(STRUCTURE_MUTANTS):
        rng, seed = _mutant_rng("structure", number), _mutant_seed(number)
        path = rng.choice(_paths(_load_mlmodel(seed))[1:])  # never the whole document
        new = rng.choice(VALUES)
        pointer = "/" + "/".join(str(p) for p in path)
        name = f"structure/{number:02d} {seed.name} {pointer} = {json.dumps(new)}"
        yield Subject(name, seed, _structure_edit(path, new))


def _text_edit(file: str, kind: str, position: int, payload: bytes) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / file
        raw = bytearray(target.read_bytes())
        position_ = min(position, max(0, len(raw) - 1))
        if kind == "insert":
            raw[position_:position_] = payload
        elif kind == "delete":
            del raw[position_ : position_ + len(payload)]
        elif kind == "replace":
            raw[position_ : position_ + 1] = payload[:1]
        elif kind == "truncate":
            del raw[position_:]
        else:  # dupline
            lines = bytes(raw).splitlines(keepends=True)
            index = min(position, len(lines) - 1)
            lines.insert(index, lines[index])
            raw = bytearray(b"".join(lines))
        target.write_bytes(bytes(raw))

    return edit


def _text_files(seed: Path) -> list[str]:
    """The files test_mutations.py mutates as text; MLmodel weighs as much as all others."""
    others = sorted(
        p.name
        for p in seed.iterdir()
        if p.is_file() and p.suffix in (".yaml", ".txt", ".json") and p.name != "case.yaml"
    )
    return ["MLmodel"] * max(1, len(others)) + others


def text_mutants() -> Iterator[Subject]:
    for number in range(TEXT_MUTANTS):
        rng, seed = _mutant_rng("text", number), _mutant_seed(number)
        file = rng.choice(_text_files(seed))
        size = (seed / file).stat().st_size
        kind = rng.choice(TEXT_KINDS)
        position = rng.randrange(max(1, size)) if kind != "dupline" else rng.randrange(30)
        payload = bytes(rng.choice(b" :-\n\t'\"{[#x0") for _ in range(rng.randint(1, 4)))
        name = f"text/{number:02d} {seed.name} {file} {kind}@{position} {payload!r}"
        yield Subject(name, seed, _text_edit(file, kind, position, payload))


def _tensor_dtype_edit(dtype: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        document = _load_mlmodel(root)
        spec = [{"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": [-1, 3]}}]
        document["signature"]["outputs"] = json.dumps(spec)  # outputs: predict never casts
        _dump_mlmodel(root, document)

    return edit


def _env_edit(form: Any) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        document = _load_mlmodel(root)
        document["flavors"]["python_function"]["env"] = form
        _dump_mlmodel(root, document)

    return edit


def probe_subjects() -> Iterator[Subject]:
    dtype_seed = CASES / "valid" / DTYPE_PROBE_CASE
    for dtype in DTYPES:
        yield Subject(f"dtype/{json.dumps(dtype)}", dtype_seed, _tensor_dtype_edit(dtype))
    env_seed = CASES / "valid" / ENV_PROBE_CASE
    for label, form in ENV_FORMS.items():
        yield Subject(f"env/{label}", env_seed, _env_edit(form))


def all_subjects() -> list[Subject]:
    subjects = [*case_subjects(), *structure_mutants(), *text_mutants(), *probe_subjects()]
    names = [s.name for s in subjects]
    assert len(set(names)) == len(names), "subject names must be unique"
    return subjects
