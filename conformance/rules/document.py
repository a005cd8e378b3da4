"""Rules about the MLmodel file as a document: can it be read, is it YAML, is it a mapping.

The walker raises these itself before any check runs (nothing else can be checked without
a usable document), so this module only defines them.
"""

from ..findings import Severity
from ..registry import define_rule

#: problems of conda.yaml/python_env.yaml are warnings: MLflow 2.22/3.17 load and predict
#: without reading them (rules/environment.py); only environment managers fail on them
_IN_ENV_FILE = (
    (
        Severity.WARNING,
        "in conda.yaml or python_env.yaml: loading never reads them, environment managers fail",
    ),
)

MLMODEL_UNREADABLE = define_rule(
    "mlmodel-unreadable",
    Severity.ERROR,
    "The MLmodel file cannot be read as text",
    "MLmodel must be a regular UTF-8 text file of reasonable size.",
)
YAML_SYNTAX = define_rule(
    "yaml-syntax",
    Severity.ERROR,
    "The file is not well-formed YAML",
    'Fix the YAML at the position shown; `python -c "import yaml,sys; '
    "yaml.safe_load(open(sys.argv[1]))\" FILE` reproduces MLflow's reading.",
    severities=_IN_ENV_FILE,
)
YAML_DUPLICATE_KEY = define_rule(
    "yaml-duplicate-key",
    Severity.WARNING,
    "A mapping has the same key twice; MLflow keeps only the last value (the first is lost)",
    "Remove one of the two entries.",
)
YAML_TAG = define_rule(
    "yaml-tag",
    Severity.ERROR,
    "A YAML tag that yaml.safe_load refuses (e.g. !!python/object)",
    "Remove the tag: MLmodel holds only mappings, lists and plain scalars.",
    severities=_IN_ENV_FILE,
)
YAML_LIMITS = define_rule(
    "yaml-limits",
    Severity.ERROR,
    "The document is too deep or too large once aliases are expanded",
    "An MLmodel file is a few levels deep and a few hundred values long.",
    severities=_IN_ENV_FILE,
)
MLMODEL_EMPTY = define_rule(
    "mlmodel-empty",
    Severity.ERROR,
    "The MLmodel file is empty; MLflow fails to load it",
    "Write at least a `flavors:` mapping.",
)
MLMODEL_NOT_MAPPING = define_rule(
    "mlmodel-not-mapping",
    Severity.ERROR,
    "The MLmodel document is not a mapping",
    "The top level of MLmodel must be a mapping of keys such as `flavors:`.",
)
INTERNAL_ERROR = define_rule(
    "internal-error",
    Severity.ERROR,
    "A check crashed on this input (a bug in mlmodel-spec)",
    "Please report this with the MLmodel file that caused it.",
)
#: raised by discovery, not by a check: a directory of the tree (or a path given) that
#: cannot be listed or looked up, so any model below it goes unchecked
PATH_UNREADABLE = define_rule(
    "path-unreadable",
    Severity.ERROR,
    "A directory of the validated tree cannot be listed (permissions, I/O error): "
    "models below it are not validated",
    "Give the user running the validator read and execute permission on it, or leave it "
    "out of the paths given.",
)
