"""``mlmodel-spec codegen SPEC... --out DIR`` and ``mlmodel-spec new-flavor NAME``.

For each spec, DIR receives ``<flavor>.py`` (the flavor module), ``test_<flavor>.py`` (its
conformance tests), ``<flavor>.schema.json`` (2020-12, self-contained) and
``<flavor>.draft-07.schema.json``. DIR also holds ``.mlmodel-spec-codegen.json``, the sha256
of every file last written: a file whose bytes differ from it was edited by hand (or is not
ours), and generation refuses to overwrite it without ``--force``, naming it.

Exit codes: 0 written (or up to date), 1 the specs have findings or files were edited by
hand, 2 usage or I/O error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .build import write_atomically as _write_atomically
from .flavor_module import TARGETS, FlavorCompileError, compile_flavor
from .flavor_schema import DEFS_FILE, flavor_schema, shared_types_schema
from .flavor_spec import MLFLOW_FLAVORS, FlavorSpec, FlavorSpecError, load_specs, render

MANIFEST = ".mlmodel-spec-codegen.json"
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def package_of(directory: Path) -> str:
    """The dotted package name of ``directory`` (its ``__init__.py`` chain), or ``""``."""
    parts: list[str] = []
    current = directory.absolute()
    while (current / "__init__.py").is_file():
        parts.insert(0, current.name)
        current = current.parent
    return ".".join(parts)


def library_installed(import_name: str) -> bool:
    """Whether the library can be imported here; finds it without importing it."""
    return importlib.util.find_spec(import_name.partition(".")[0]) is not None


def spec_files(
    spec: FlavorSpec, *, source: str, target: str, package: str, fix: str
) -> dict[str, str]:
    from .bundle import bundle, bundle_draft07, dumps
    from .schema_registry import SchemaFile, SchemaSet

    module_name = f"{package}.{spec.name}" if package else spec.name
    compiled = compile_flavor(spec, source=source, target=target, module_name=module_name, fix=fix)
    schema_name = f"flavors/{spec.name}.schema.json"
    documents = {
        f"flavors/{DEFS_FILE}": shared_types_schema(Path(__file__).resolve().parent.parent),
        schema_name: flavor_schema(spec, source=source),
    }
    schemas = SchemaSet(
        {path: SchemaFile(path, json.dumps(doc).encode(), doc) for path, doc in documents.items()}
    )
    return {
        f"{spec.name}.py": compiled.module,
        f"test_{spec.name}.py": compiled.tests,
        f"{spec.name}.schema.json": dumps(bundle(schemas, schema_name)),
        f"{spec.name}.draft-07.schema.json": dumps(bundle_draft07(schemas, schema_name)),
    }


def write_atomically(path: Path, content: str) -> None:
    """Atomic write keeping the file's mode (a new one: the umask's, not mkstemp's 0600)."""
    _write_atomically(path, content)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        loaded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def hand_edited(out: Path, files: dict[str, str]) -> list[str]:
    """Files in ``out`` that would be overwritten but are not as we last wrote them."""
    manifest = _read_manifest(out)
    edited = []
    for name, content in sorted(files.items()):
        path = out / name
        if not path.is_file():
            continue
        current = _digest(path.read_text(encoding="utf-8", errors="replace"))
        if current != _digest(content) and manifest.get(name) != current:
            edited.append(name)
    return edited


def generate(
    spec_paths: Sequence[Path],
    out: Path,
    *,
    target: str = "standalone",
    force: bool = False,
    package: str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Compile third-party specs into ``out``; see the module docstring for exit codes."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if target not in TARGETS:
        stderr.write(f"codegen: unknown target {target!r}; choose one of {list(TARGETS)}\n")
        return EXIT_USAGE
    try:
        specs = load_specs(spec_paths, third_party=True)
    except FlavorSpecError as exc:
        for finding in exc.findings:
            stderr.write(render(finding) + "\n")
        return EXIT_FINDINGS
    package = package_of(out) if package is None else package
    files: dict[str, str] = {}
    for spec in specs:
        path = spec.path
        if not library_installed(spec.data["library"]["import"]):
            stderr.write(
                f"warning: {path}: library {spec.data['library']['import']!r} is not installed "
                "here; generation does not need it, the generated tests skip until it is "
                f"(pip install {spec.data['library']['pip']})\n"
            )
        fix = shlex.join(
            ["mlmodel-spec", "codegen", str(path), "--out", str(out), "--target", target]
        )
        try:
            files.update(
                spec_files(spec, source=path.name, target=target, package=package, fix=fix)
            )
        except FlavorCompileError as exc:
            stderr.write(f"codegen: {exc}\n")
            return EXIT_FINDINGS
    edited = [] if force else hand_edited(out, files)
    if edited:
        for name in edited:
            stderr.write(f"refusing to overwrite {out / name}: it was edited by hand\n")
        stderr.write("move your changes into the spec, or pass --force to overwrite them\n")
        return EXIT_FINDINGS
    try:
        _write(out, files, stdout)
    except OSError as exc:
        stderr.write(f"codegen: cannot write to {out}: {exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def _write(out: Path, files: dict[str, str], stdout: TextIO) -> None:
    manifest = _read_manifest(out)
    changed = False
    for name, content in sorted(files.items()):
        path = out / name
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == content:
            continue
        write_atomically(path, content)
        stdout.write(f"wrote {path}\n")
        changed = True
    manifest.update({name: _digest(content) for name, content in files.items()})
    write_atomically(out / MANIFEST, json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    if not changed:
        stdout.write(f"{out}: generated files are up to date\n")


def new_flavor(
    name: str, out: Path, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Write a commented ``<name>.yaml`` to start a flavor spec from (never overwrites)."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    from .rendering import render as render_template

    if not name.isidentifier() or name != name.lower():
        stderr.write(f"new-flavor: {name!r} is not a lower-case Python identifier\n")
        return EXIT_USAGE
    if name in MLFLOW_FLAVORS:
        stderr.write(
            f"new-flavor: {name!r} is one of MLflow's own flavors; pick a key of your own\n"
        )
        return EXIT_USAGE
    target = out / f"{name}.yaml"
    if target.exists():
        stderr.write(f"new-flavor: {target} already exists; refusing to overwrite it\n")
        return EXIT_USAGE
    text = render_template("new_flavor.yaml.jinja2", name=name, pip=name.replace("_", "-"))
    try:
        write_atomically(target, text)
    except OSError as exc:
        stderr.write(f"new-flavor: cannot write {target}: {exc}\n")
        return EXIT_USAGE
    stdout.write(f"wrote {target}\n")
    return EXIT_OK
