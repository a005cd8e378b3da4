"""The third-party example flavors of ``examples/flavors/``, compiled for both targets.

``mlmodel-spec codegen`` regenerates them and ``mlmodel-spec codegen --check`` fails while
one is stale, missing or orphaned, exactly as for the built-ins. The bytes are those
``mlmodel-spec codegen SPEC --out DIR --target T`` writes when run from the checkout root
with the relative paths below (the command each file's header names), manifest included.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

EXAMPLES_DIR = "examples/flavors"
PACKAGE = "flavor_examples"
#: target -> (sub-package of PACKAGE, its hand-kept docstring)
TARGET_PACKAGES = {
    "standalone": (
        "standalone",
        "Generated ``--target standalone`` flavor modules (run on mlmodel_spec's runtime, "
        "no MLflow).",
    ),
    "mlflow": (
        "mlflow_target",
        "Generated ``--target mlflow`` flavor modules (MLflow custom flavors, public API only).",
    ),
}


def target_dirs() -> tuple[str, ...]:
    """The directories this generator owns (anything else in them is orphaned)."""
    return tuple(f"{EXAMPLES_DIR}/{PACKAGE}/{sub}" for sub, _ in TARGET_PACKAGES.values())


def example_files(root: Path) -> dict[str, str]:
    """Relative path -> content of every generated example file (none without examples)."""
    from .flavor_command import MANIFEST, spec_files
    from .flavor_spec import load_specs

    paths = sorted((root / EXAMPLES_DIR).glob("*.yaml"))
    if not paths:
        return {}
    specs = load_specs(paths, third_party=True)
    files: dict[str, str] = {}
    for target, (sub, docstring) in TARGET_PACKAGES.items():
        out = f"{EXAMPLES_DIR}/{PACKAGE}/{sub}"
        generated: dict[str, str] = {}
        for spec in specs:
            source = f"{EXAMPLES_DIR}/{spec.path.name}"
            fix = shlex.join(["mlmodel-spec", "codegen", source, "--out", out, "--target", target])
            generated.update(
                spec_files(
                    spec, source=spec.path.name, target=target, package=f"{PACKAGE}.{sub}", fix=fix
                )
            )
        manifest = {
            name: hashlib.sha256(text.encode()).hexdigest() for name, text in generated.items()
        }
        generated[MANIFEST] = json.dumps(dict(sorted(manifest.items())), indent=2) + "\n"
        generated["__init__.py"] = f'"""{docstring}"""\n'
        files.update({f"{out}/{name}": text for name, text in generated.items()})
    return files
