"""Regenerate every generated file of the repository, or check that none is stale.

``mlmodel-spec codegen`` (or ``python -m mlmodel_spec.codegen.build``) rewrites them;
``--check`` writes nothing and fails when a generated file is stale, missing, or orphaned
(a file in a generated directory that no generator produces any more).

Each generator is a small function ``root -> Output``; add new ones to ``GENERATORS``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .draft07_export import export_draft07
from .example_flavors import target_dirs as example_target_dirs
from .flavor_module import FlavorCompileError
from .flavor_spec import FlavorSpecError
from .matrix_emit import MatrixSpecError
from .python_format import FormatError, equivalent, ruff_available
from .schema_compiler import CORE, EntryPoint, compile_validator_package
from .schema_registry import Location, SchemaCompileError, SchemaSet

FIX_COMMAND = "mlmodel-spec codegen"
SCHEMA_DIR = "spec/schemas/v1"
VALIDATORS_DIR = "conformance/_generated_schemas"
"""The compiled validators: a package, one module per part (see ``validators_part``)."""
VALIDATORS_MODULE = f"{VALIDATORS_DIR}/{CORE}.py"
"""Its core: the entry points, ``VALIDATORS``, ``KNOWN_FLAVORS`` and the shared schemas."""
RETIRED_VALIDATORS_MODULE = "conformance/_generated_schemas.py"
"""Where the validators were one module; the package shadows it, so codegen removes it."""
DRAFT07_DIR = "spec/schemas/draft-07"
FLAVOR_SCHEMA_DIR = "spec/schemas/v1/flavors"

ENTRY_POINTS = (
    EntryPoint("mlmodel", "mlmodel.schema.json"),
    EntryPoint("signature-schema", "signature.schema.json#/$defs/schema"),
    EntryPoint("signature-params", "signature.schema.json#/$defs/params"),
    EntryPoint("conda", "conda.schema.json"),
    EntryPoint("python-env", "python-env.schema.json"),
    EntryPoint("report", "report.schema.json"),
)
"""``validate_<name>`` functions of the compiled module, and the schema each checks."""

NAME_EXPORTS = {"KNOWN_FLAVORS": "mlmodel.schema.json#/properties/flavors"}
"""Constants of the compiled module listing the ``properties`` names of a schema node."""

CORE_SCHEMAS = frozenset(
    {
        "mlmodel.schema.json",
        "signature.schema.json",
        "conda.schema.json",
        "python-env.schema.json",
        "flavors/_defs.schema.json",
        "flavors/python_function.schema.json",
    }
)
"""Schema files whose code the core module holds: what (nearly) every model needs."""

SPLIT_OFF = {
    # Databricks serving resources (2.13+) and auth policy (2.21+)
    "mlmodel.schema.json#/$defs/resources": "mlmodel_resources",
    "mlmodel.schema.json#/$defs/resource-list": "mlmodel_resources",
    "mlmodel.schema.json#/properties/auth_policy": "mlmodel_resources",
    # the params of a signature (2.6+)
    "signature.schema.json#/$defs/params": "signature_params",
    "signature.schema.json#/$defs/param-spec": "signature_params",
    # the nested types of array/object/map columns (2.10+)
    "signature.schema.json#/$defs/data-type": "signature_types",
    "signature.schema.json#/$defs/property": "signature_types",
}
"""Nodes of core files (with everything below them) that few models use: each group has
a module of its own."""


def validators_part(location: Location) -> str:
    """The module of the validators package that compiles the schema node at
    ``location``: ``""`` (the core) for the files of ``CORE_SCHEMAS`` but ``SPLIT_OFF``,
    else one module per file: ``flavor_<name>`` for ``flavors/<name>.schema.json``,
    ``<stem>`` for the other files (``report``).

    A cold ``validate`` imports the core and, on first call, the modules of the flavors
    (and rarely used schemas) the model has.
    """
    for ref, part in SPLIT_OFF.items():
        file, _, pointer = ref.partition("#")
        if location.file == file and (
            location.pointer == pointer or location.pointer.startswith(pointer + "/")
        ):
            return part
    if location.file in CORE_SCHEMAS:
        return ""
    stem = location.file.removesuffix(".json").removesuffix(".schema")
    if stem.startswith("flavors/"):
        stem = "flavor_" + stem.removeprefix("flavors/")
    return re.sub(r"\W+", "_", stem).strip("_").lower()


@dataclass
class Output:
    files: dict[str, str]
    """Relative path (``/``-separated, from the repository root) → content."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Generator:
    name: str
    produce: Callable[[Path], Output]
    owned_dirs: tuple[str, ...] = ()
    """Directories holding only this generator's files (anything else there is orphaned),
    or files only it may write (orphaned unless it writes them)."""


def generate_flavor_schemas(root: Path) -> Output:
    """spec/flavors/*.yaml -> the flavor JSON Schemas the validator compiles."""
    from .flavor_schema import DEFS_FILE, dump, flavor_schema, shared_types_schema
    from .flavor_spec import SPEC_DIR, TYPES_FILE, load_specs, spec_paths

    if not (root / SPEC_DIR / TYPES_FILE).is_file():
        return Output({}, [f"skipped: {SPEC_DIR}/{TYPES_FILE} is missing"])
    files = {f"{FLAVOR_SCHEMA_DIR}/{DEFS_FILE}": dump(shared_types_schema(root))}
    for spec in load_specs(spec_paths(root)):
        if spec.data.get("block_schema", True):
            source = f"{SPEC_DIR}/{spec.path.name}"
            files[f"{FLAVOR_SCHEMA_DIR}/{spec.name}.schema.json"] = dump(
                flavor_schema(spec, source=source)
            )
    return Output(files)


def generate_flavor_facts(root: Path) -> Output:
    """spec/flavors/*.yaml -> the flavor tables of the validator and the runtime."""
    from .flavor_facts import FACTS_MODULE, facts_module
    from .flavor_spec import SPEC_DIR, load_specs, spec_paths

    paths = spec_paths(root)
    if not paths:
        return Output({}, [f"skipped: no flavor specs in {SPEC_DIR}"])
    return Output({FACTS_MODULE: facts_module(load_specs(paths), source=SPEC_DIR)})


def generate_flavor_modules(root: Path) -> Output:
    """The built-in flavor modules (``runtime_module: mlmodel_spec.<x>``) from their specs."""
    from .flavor_module import compile_flavor
    from .flavor_spec import SPEC_DIR, load_specs, spec_paths

    files = {}
    for spec in load_specs(spec_paths(root)):
        module = spec.data.get("runtime_module", "")
        if spec.has_module and module.startswith("mlmodel_spec."):
            compiled = compile_flavor(
                spec, source=f"{SPEC_DIR}/{spec.path.name}", module_name=module
            )
            files[module.replace(".", "/") + "/__init__.py"] = compiled.module
    return Output(files)


def generate_example_flavors(root: Path) -> Output:
    """examples/flavors/*.yaml -> their flavor modules, schemas and tests, both targets."""
    from .example_flavors import EXAMPLES_DIR, example_files

    files = example_files(root)
    return Output(files, [] if files else [f"skipped: no flavor specs in {EXAMPLES_DIR}"])


def generate_safety_lists(root: Path) -> Output:
    """spec/safety/*/v1/*.yaml -> the lists the safety rules judge globals against."""
    from .safety_lists import KINDS, LISTS_MODULE, SAFETY_DIR, list_paths, lists_module

    if not any(list_paths(root, kind) for kind in KINDS):
        return Output({}, [f"skipped: no safety lists in {SAFETY_DIR}"])
    return Output({LISTS_MODULE: lists_module(root)})


def generate_validators(root: Path) -> Output:
    from mlmodel_spec import __version__

    schema_dir = root / SCHEMA_DIR
    entries, notes = [], []
    for entry in ENTRY_POINTS:
        if (schema_dir / entry.location().file).is_file():
            entries.append(entry)
        else:
            notes.append(
                f"skipped entry {entry.name!r}: {SCHEMA_DIR}/{entry.location().file} is missing"
            )
    exports = {
        name: ref
        for name, ref in NAME_EXPORTS.items()
        if (schema_dir / ref.partition("#")[0]).is_file()
    }
    modules = compile_validator_package(
        schema_dir,
        entries,
        part_of=validators_part,
        output_dir=root / VALIDATORS_DIR,
        source_label=SCHEMA_DIR,
        version=__version__,
        name_exports=exports,
    )
    return Output({f"{VALIDATORS_DIR}/{name}": text for name, text in modules.items()}, notes)


def generate_draft07(root: Path) -> Output:
    schemas = SchemaSet.load(root / SCHEMA_DIR)
    exported = export_draft07(schemas, source_label=SCHEMA_DIR)
    return Output({f"{DRAFT07_DIR}/{relpath}": text for relpath, text in exported.items()})


def generate_rules_doc(root: Path) -> Output:
    from .rules_doc import RULES_DOC, rules_doc

    return Output({RULES_DOC: rules_doc()})


def generate_schemastore(root: Path) -> Output:
    from .schemastore import CASES_DIR, SCHEMASTORE_DIR, schemastore_files

    if not (root / SCHEMA_DIR / "mlmodel.schema.json").is_file():
        return Output({}, [f"skipped: {SCHEMA_DIR}/mlmodel.schema.json is missing"])
    files = schemastore_files(SchemaSet.load(root / SCHEMA_DIR), root / CASES_DIR)
    notes = [] if files else [f"skipped: {CASES_DIR} is missing"]
    return Output({f"{SCHEMASTORE_DIR}/{path}": text for path, text in files.items()}, notes)


def generate_matrix(root: Path) -> Output:
    from .matrix_emit import MATRIX_YAML, matrix_files

    if not (root / MATRIX_YAML).is_file():
        return Output({}, [f"skipped: {MATRIX_YAML} is missing"])
    return Output(matrix_files(root))


GENERATORS = (
    Generator("flavor-schemas", generate_flavor_schemas, owned_dirs=(FLAVOR_SCHEMA_DIR,)),
    Generator("flavor-facts", generate_flavor_facts),
    Generator("flavor-modules", generate_flavor_modules),
    Generator("example-flavors", generate_example_flavors, owned_dirs=example_target_dirs()),
    Generator("safety-lists", generate_safety_lists),
    Generator(
        "validators", generate_validators, owned_dirs=(VALIDATORS_DIR, RETIRED_VALIDATORS_MODULE)
    ),
    Generator("draft-07", generate_draft07, owned_dirs=(DRAFT07_DIR,)),
    Generator("rules-doc", generate_rules_doc),
    Generator("schemastore", generate_schemastore, owned_dirs=("schemastore",)),
    Generator("matrix", generate_matrix),
)


@dataclass
class Plan:
    """What differs between the generators' output and the files on disk."""

    write: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def plan(
    root: Path, generators: Sequence[Generator] = GENERATORS, *, out: Path | None = None
) -> Plan:
    """Compare what ``generators`` make from the sources under ``root`` with the files
    under ``out`` (the same tree by default)."""
    out = root if out is None else out
    result = Plan()
    expected: dict[str, str] = {}
    owning: list[Generator] = []
    for generator in generators:
        output = generator.produce(root)
        expected.update(output.files)
        result.notes += [f"{generator.name}: {note}" for note in output.notes]
        if output.files:  # a generator skipped for want of its sources owns no directory
            owning.append(generator)
    without_ruff = not ruff_available()
    for relpath, content in sorted(expected.items()):
        path = out / relpath
        if not path.is_file():
            result.missing.append(relpath)
        elif path.read_bytes() == content.encode():
            continue
        elif without_ruff and _is_validator(relpath) and equivalent(path.read_text(), content):
            continue  # unformatted for want of ruff, and otherwise the same
        else:
            result.stale.append(relpath)
        result.write[relpath] = content
    for generator in owning:
        for directory in generator.owned_dirs:
            result.orphaned += [
                relpath for relpath in _files_under(out, directory) if relpath not in expected
            ]
    result.orphaned.sort()
    return result


def _is_validator(relpath: str) -> bool:
    """A module of the compiled validators (formatted with ruff)."""
    return relpath.startswith(VALIDATORS_DIR + "/")


def _files_under(root: Path, directory: str) -> list[str]:
    base = root / directory
    if base.is_file():  # an owned file
        return [directory]
    if not base.is_dir():
        return []
    return sorted(
        path.relative_to(root).as_posix()
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def write_atomically(path: Path, content: str) -> None:
    """Write ``path`` (and its folders) atomically, keeping its mode (``replace_file``)."""
    from mlmodel_spec._flavor_atomic import replace_file

    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, content)


def run(*, check: bool = False, root: Path | None = None, out: Path | None = None) -> int:
    """Regenerate everything (0), or with ``check`` report what is out of date (1 if
    anything is, else 0). 2 when a schema cannot be compiled or there is nowhere to write.

    ``root`` holds the sources (default: this checkout); ``out`` receives the generated
    files (default: ``root``). An installed package is never a place to write: without a
    checkout, ``out`` must be given.
    """
    if root is None:
        root = checkout_root()
        if root is None:
            if out is None:
                sys.stderr.write(NO_CHECKOUT + "\n")
                return 2
            root = package_root()
    out = root if out is None else out
    written: set[str] = set()
    # later generators read earlier ones' output (flavor schemas -> validators): repeat
    # until nothing changes (a source edit settles in two rounds)
    for _ in range(len(GENERATORS)):
        try:
            result = plan(root, out=out)
        except (
            SchemaCompileError,
            FormatError,
            FlavorSpecError,
            FlavorCompileError,
            MatrixSpecError,
            OSError,
        ) as exc:
            sys.stderr.write(f"codegen failed: {exc}\n")
            return 2
        if check or result.clean:
            break
        if not ruff_available() and any(map(_is_validator, result.write)):
            sys.stderr.write(NO_RUFF + "\n")
            return 2
        for relpath, content in result.write.items():
            write_atomically(out / relpath, content)
            written.add(relpath)
        for relpath in result.orphaned:
            (out / relpath).unlink()
            sys.stdout.write(f"removed {relpath} (no generator produces it)\n")
    for note in result.notes:
        sys.stderr.write(f"note: {note}\n")
    if check:
        return _report_check(result)
    for relpath in sorted(written):
        sys.stdout.write(f"wrote {relpath}\n")
    if not written and result.clean:
        sys.stdout.write("generated files are up to date\n")
    return 0


def _report_check(result: Plan) -> int:
    if result.clean:
        sys.stdout.write("generated files are up to date\n")
        return 0
    for label, paths in (
        ("stale", result.stale),
        ("missing", result.missing),
        ("orphaned", result.orphaned),
    ):
        for relpath in paths:
            sys.stderr.write(f"{label}: {relpath}\n")
    sys.stderr.write(f"generated files are out of date; run `{FIX_COMMAND}` to update them\n")
    return 1


NO_RUFF = (
    "codegen: writing the compiled validators needs ruff to format them (pip install ruff); "
    "`codegen --check` and `codegen SPEC --out DIR` work without it"
)
NO_CHECKOUT = (
    "codegen: no source checkout of mlmodel-spec here (this is an installed package); "
    "run it from a clone, or give --out DIR to write the generated files elsewhere"
)


def package_root() -> Path:
    """The ``mlmodel_spec`` package directory: it holds ``spec/`` at the path a checkout
    has, so the generators can read an installed package's sources."""
    return Path(__file__).absolute().parent.parent


def checkout_root() -> Path | None:
    """The source checkout this module lives in, or ``None`` in an installed package.

    In a checkout ``codegen/`` sits at the top (``mlmodel_spec/codegen`` is a symlink to
    it); in a wheel it is a plain directory inside ``mlmodel_spec/``, with no
    ``pyproject.toml`` beside it.
    """
    candidate = Path(__file__).resolve().parent.parent
    return candidate if _is_checkout(candidate) else None


def _is_checkout(path: Path) -> bool:
    pyproject = path / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return 'name = "mlmodel-spec"' in text and (path / SCHEMA_DIR).is_dir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlmodel_spec.codegen.build",
        description="Regenerate the generated files (validators, draft-07 schemas).",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: this checkout)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="write generated files below DIR instead"
    )
    args = parser.parse_args(argv)
    return run(check=args.check, root=args.root, out=args.out)


if __name__ == "__main__":
    raise SystemExit(main())
