"""The ``safety-*`` rules: what each payload would import and call when loaded.

Every payload MLmodel points at (``targets``) is scanned without loading it (``payload``,
``skops_archive``) and each global is judged against the lists in ``spec/safety/``
(``allowlists``). Severities speak of danger, not of whether MLflow loads the model;
``--strict`` turns safety warnings into errors and the code summary of a custom model into
a warning (code to review before anyone loads it).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..registry import Problem, check, define_rule
from .allowlists import CUSTOM_MODEL, Entry, Verdict, is_allowed_anywhere, judge
from .inventory import describe, describe_skops
from .payload import GlobalUse, PayloadScan, scan_payload
from .skops_archive import scan_skops
from .targets import Target, code_files, payload_targets
from .values import Global

SAFETY = "safety"
STRICT = ((Severity.ERROR, "under --strict"),)
#: unknown globals reported one by one per payload; the rest in one more finding
MAX_UNKNOWN_FINDINGS = 20

DANGEROUS_GLOBAL = define_rule(
    "safety-dangerous-global",
    Severity.ERROR,
    "A payload imports a callable that runs commands, evaluates code or opens files or sockets",
    "Loading this file runs that callable: do not load it. Rebuild the model from trusted "
    "code and data, or save it with skops.",
    category=SAFETY,
)
UNKNOWN_GLOBAL = define_rule(
    "safety-unknown-global",
    Severity.WARNING,
    "A payload imports a global that no allow-list of its flavor admits",
    "Loading imports that module and calls what the pickle names. If it is your own code, "
    "ship it under code/ and review it; if a library's, propose an allow-list entry "
    "(spec/safety/allowlists/).",
    severities=STRICT,
    category=SAFETY,
)
DYNAMIC_GLOBAL = define_rule(
    "safety-dynamic-global",
    Severity.ERROR,
    "A payload imports a global whose name is computed at load time or an extension code",
    "No pickler writes STACK_GLOBAL over computed values; EXT codes resolve through a registry "
    "set up at load time. Either hides what is called: do not load the file.",
    category=SAFETY,
)
PAYLOAD_GLOBALS = define_rule(
    "safety-payload-globals",
    Severity.INFO,
    "What a pickle or skops payload would import and call while loading, flagged or not",
    "Read it as the list of what loading runs. Other safety-* findings flag what does not "
    "belong; `--ignore safety-payload-globals` leaves the list out.",
    category=SAFETY,
)
CARRIES_CODE = define_rule(
    "safety-carries-code",
    Severity.INFO,
    "A cloudpickled custom model carries code: its functions, classes and the modules it uses",
    "A custom pyfunc model is code by design; review the listed functions and code/ files "
    "before loading it.",
    severities=((Severity.WARNING, "under --strict"),),
    category=SAFETY,
)
SCAN_INCOMPLETE = define_rule(
    "safety-scan-incomplete",
    Severity.WARNING,
    "A payload could not be read to its end: what follows the break was not judged",
    "A truncated or malformed pickle fails to load at the break, but what comes before it "
    "runs; bytes after the last STOP can hide a second payload.",
    severities=STRICT,
    category=SAFETY,
)
SKOPS_TRUST_WIDENED = define_rule(
    "safety-skops-trust-widened",
    Severity.WARNING,
    "skops_trusted_types trusts a type the payload does not need and no allow-list admits",
    "MLflow passes this list to skops.io.load (GHSA-w582-9x45-8mpx): list only the types the "
    "archive holds, and never a callable that runs code.",
    severities=((Severity.ERROR, "the trusted type is on the deny list"), *STRICT),
    category=SAFETY,
)
ALL_RULES = (
    PAYLOAD_GLOBALS,
    DANGEROUS_GLOBAL,
    UNKNOWN_GLOBAL,
    DYNAMIC_GLOBAL,
    CARRIES_CODE,
    SCAN_INCOMPLETE,
    SKOPS_TRUST_WIDENED,
)


def _judge(ctx: ModelContext, module: str, name: str, context: str) -> Verdict:
    """``judge``, then the ``safety.allow`` entries of a flavor spec given with
    ``--flavor-spec`` for that context (after the deny list, which still wins)."""
    verdict = judge(module, name, context)
    flavor = ctx.runtime_flavors.get(context) if verdict.kind == "unknown" else None
    if flavor is not None:
        for entry in flavor.allow:
            if entry.matches(module, name):
                return Verdict("allowed", entry)
    return verdict


def _tightened(ctx: ModelContext, severity: Severity) -> Severity | None:
    if ctx.options.strict and severity is Severity.WARNING:
        return Severity.ERROR
    return None


def _where(scan: PayloadScan, use: GlobalUse) -> str:
    where = f"{use.opcode} at byte {use.offset}{scan.offsets_note}"
    if use.pickle:
        where += f", in pickle {use.pickle + 1} of the file (after the first STOP)"
    if use.call_offset is not None:
        where += f"; called by {use.call_opcode} at byte {use.call_offset}"
    return where


def _code_modules(ctx: ModelContext, files: list[str]) -> set[str]:
    """Top-level module names the code/ files provide."""
    names: set[str] = set()
    for rel in files:
        parts = rel.replace("\\", "/").split("/")
        if len(parts) >= 2:
            names.add(parts[1].removesuffix(".py"))
    return names


def _code_reference(target: Target, scan: PayloadScan, use: GlobalUse) -> bool:
    """In a custom model, a global that only the carried code names (a function's globals,
    a closure) and that nothing calls while loading: it runs only if that code calls it, so
    the code summary lists it instead of a finding of its own. Not when the payload calls a
    computed callable (which could be handed anything)."""
    return (
        target.context == CUSTOM_MODEL
        and target.pointer.endswith("/python_model")  # the one payload with a code summary
        and scan.opaque_call is None
        and use.only_referenced_by_code
    )


def _judge_globals(
    ctx: ModelContext,
    target: Target,
    scan: PayloadScan,
    own_modules: set[str],
    code_refs: list[str],
) -> Iterator[Problem]:
    unknown: list[GlobalUse] = []
    shadowing: list[GlobalUse] = []
    conditions: dict[Global, Entry] = {}  # admitted only for states it did not get here
    for ref, use in scan.globals.items():
        verdict = _judge(ctx, ref.module, ref.name, target.context)
        entry = verdict.entry
        if (
            verdict.kind == "allowed"
            and entry is not None
            and entry.unless_state_has
            and not use.state_lacks(entry.unless_state_has)
        ):
            conditions[ref] = entry
            verdict = Verdict("unknown")
        if verdict.kind == "allowed" and ref.module.split(".")[0] in own_modules:
            shadowing.append(use)  # code/ goes first on the import path: the model's copy loads
            continue
        if verdict.kind != "allowed" and _code_reference(target, scan, use):
            listed = verdict.entry.reason if verdict.entry else "interpreter internals"
            why = f" (deny list: {listed})" if verdict.kind == "dangerous" else ""
            code_refs.append(ref.dotted + why)
            continue
        if verdict.kind == "dangerous":
            via = f" (reaches {verdict.via})" if verdict.via else ""
            reason = verdict.entry.reason if verdict.entry else "walks into interpreter internals"
            yield Problem(
                DANGEROUS_GLOBAL,
                "",
                f"{target.rel} imports {ref.dotted}{via} ({_where(scan, use)}): {reason}",
                file=target.rel,
            )
        elif verdict.kind == "unknown":
            if ref.module.split(".")[0] in own_modules:
                continue  # the model's own code/ modules: the code summary or inventory lists them
            unknown.append(use)
    severity = _tightened(ctx, Severity.WARNING)
    for use in sorted(shadowing, key=lambda u: u.offset)[:MAX_UNKNOWN_FINDINGS]:
        top = use.ref.module.split(".")[0]
        yield Problem(
            UNKNOWN_GLOBAL,
            "",
            f"{target.rel} imports {use.ref.dotted} ({_where(scan, use)}), but the model's "
            f"code/ provides a module {top!r}: it comes first on the import path, so loading "
            "imports the model's copy instead of the library the allow-list admits",
            file=target.rel,
            severity=severity,
        )
    for use in sorted(unknown, key=lambda u: u.offset)[:MAX_UNKNOWN_FINDINGS]:
        condition = conditions.get(use.ref)
        yield Problem(
            UNKNOWN_GLOBAL,
            "",
            f"{target.rel} imports {use.ref.dotted} ({_where(scan, use)}), which no allow-list "
            f"for a {target.context} payload admits"
            + (_unmet(use, condition) if condition is not None else ""),
            file=target.rel,
            severity=severity,
        )
    if len(unknown) > MAX_UNKNOWN_FINDINGS:
        rest = sorted(u.ref.dotted for u in unknown)[MAX_UNKNOWN_FINDINGS:]
        yield Problem(
            UNKNOWN_GLOBAL,
            "",
            f"{target.rel} imports {len(rest)} more globals no allow-list admits: "
            + ", ".join(rest[:50]),
            file=target.rel,
            severity=severity,
        )


def _unmet(use: GlobalUse, entry: Entry) -> str:
    """Why a conditional allow entry does not admit the global here."""
    keys = ", ".join(entry.unless_state_has)
    held = sorted(use.state_keys.intersection(entry.unless_state_has))
    if held:
        why = f"an object's state holds {', '.join(held)}"
    elif use.called_otherwise or use.passed_bare:
        why = "the pickle calls it or passes it on, not only makes objects of it"
    else:
        why = "an object's state cannot be read whole"
    return (
        f" here: the {entry.list} list admits it only for states without {keys} "
        f"({entry.reason}), and {why}"
    )


def _pickle_problems(
    ctx: ModelContext,
    target: Target,
    scan: PayloadScan,
    own_modules: set[str],
    code_refs: list[str],
) -> Iterator[Problem]:
    yield from _judge_globals(ctx, target, scan, own_modules, code_refs)
    for event in scan.dynamic:
        what = (
            f"extension code {event.detail}"
            if event.kind == "extension"
            else f"a global from {event.detail}"
        )
        yield Problem(
            DYNAMIC_GLOBAL,
            "",
            f"{target.rel} imports {what} ({event.opcode} at byte {event.offset}"
            f"{scan.offsets_note})",
            file=target.rel,
        )
    severity = _tightened(ctx, Severity.WARNING)
    if scan.broken is not None:
        pickle = f" (pickle {scan.broken_pickle + 1})" if scan.broken_pickle else ""
        yield Problem(
            SCAN_INCOMPLETE,
            "",
            f"{target.rel} breaks at byte {scan.broken.offset}{scan.offsets_note}{pickle}: "
            f"{scan.broken.detail}",
            file=target.rel,
            severity=severity,
        )
    if scan.trailing_offset is not None:
        yield Problem(
            SCAN_INCOMPLETE,
            "",
            f"{target.rel} has bytes after its last STOP, from byte {scan.trailing_offset}"
            f"{scan.offsets_note}, that are not a pickle",
            file=target.rel,
            severity=severity,
        )
    if scan.error:
        yield Problem(
            SCAN_INCOMPLETE, "", f"{target.rel} {scan.error}", file=target.rel, severity=severity
        )


def _code_summary(
    target: Target, scan: PayloadScan, files: list[str], own: set[str], code_refs: list[str]
) -> str:
    code = scan.code
    parts = []
    if code.classes:
        parts.append("classes " + ", ".join(sorted(code.classes)))
    if code.functions:
        parts.append("functions " + ", ".join(sorted(code.functions)))
    if code.modules:
        parts.append("imports " + ", ".join(sorted(code.modules)))
    refs = sorted(g.dotted for g in scan.globals if g.module.split(".")[0] in own)
    if refs:
        parts.append("uses " + ", ".join(refs[:20]) + " from code/")
    if code_refs:
        more = f" and {len(code_refs) - 20} more" if len(code_refs) > 20 else ""
        parts.append(
            "its code refers to "
            + ", ".join(sorted(code_refs)[:20])
            + more
            + ", which nothing calls while loading"
        )
    if files:
        parts.append("code/ files imported at load: " + ", ".join(files[:20]))
    return f"{target.rel} carries code: " + "; ".join(parts)


def _skops_problems(ctx: ModelContext, target: Target, path: str) -> Iterator[Problem]:
    skops = scan_skops(path)
    severity = _tightened(ctx, Severity.WARNING)
    if skops.error:
        yield Problem(
            SCAN_INCOMPLETE, "", f"{target.rel}: {skops.error}", file=target.rel, severity=severity
        )
    for ref in sorted(skops.types, key=lambda g: g.dotted):
        verdict = _judge(ctx, ref.module, ref.name, target.context)
        if verdict.entry is not None and verdict.entry.unless_state_has:
            verdict = Verdict("unknown")  # the states of a skops archive are not read
        if verdict.kind == "dangerous":
            yield Problem(
                DANGEROUS_GLOBAL,
                "",
                f"{target.rel} (skops) names {ref.dotted}: "
                f"{verdict.entry.reason if verdict.entry else 'interpreter internals'}",
                file=target.rel,
            )
        elif verdict.kind == "unknown":
            yield Problem(
                UNKNOWN_GLOBAL,
                "",
                f"{target.rel} (skops) names {ref.dotted}, which no allow-list for a "
                f"{target.context} payload admits",
                file=target.rel,
                severity=severity,
            )
    if skops.types:
        text = describe_skops(target.rel, skops.types)
        yield Problem(PAYLOAD_GLOBALS, "", text, file=target.rel)
    yield from _trusted_types(ctx, target, skops.types if not skops.error else None)


def _trusted_types(
    ctx: ModelContext, target: Target, needed: set[Global] | None
) -> Iterator[Problem]:
    block = ctx.flavor(target.context) or {}
    trusted = block.get("skops_trusted_types")
    if not isinstance(trusted, list):
        return
    needed_names = {g.dotted for g in needed} if needed is not None else None
    for index, item in enumerate(trusted):
        if not isinstance(item, str) or "." not in item:
            continue
        module, _, name = item.rpartition(".")
        pointer = join_pointer("/flavors", target.context, "skops_trusted_types", index)
        verdict = _judge(ctx, module, name, target.context)
        if verdict.kind == "dangerous":
            yield Problem(
                SKOPS_TRUST_WIDENED,
                pointer,
                f"skops_trusted_types trusts {item}, which loading may call: "
                f"{verdict.entry.reason if verdict.entry else 'interpreter internals'}",
                severity=Severity.ERROR,
            )
        elif (
            verdict.kind == "unknown"
            and needed_names is not None
            and item not in needed_names
            and not is_allowed_anywhere(module, name)
        ):
            yield Problem(
                SKOPS_TRUST_WIDENED,
                pointer,
                f"skops_trusted_types trusts {item}, which {target.rel} does not hold and no "
                "allow-list admits",
                severity=_tightened(ctx, Severity.WARNING),
            )


@check(*ALL_RULES, needs_files=True)
def payload_safety(ctx: ModelContext) -> Iterator[Problem]:
    files = code_files(ctx)
    own = _code_modules(ctx, files)
    for target in payload_targets(ctx):
        path = ctx.existing_file(target.rel)
        if path is None:
            continue
        scan = scan_payload(ctx.root_real, target.rel)
        if scan.format == "zip":
            if target.skops or target.rel.endswith(".skops"):
                yield from _skops_problems(ctx, target, path)
            continue
        if target.skops:
            yield from _trusted_types(ctx, target, None)
        if scan.format != "pickle":
            continue
        code_refs: list[str] = []
        yield from _pickle_problems(ctx, target, scan, own, code_refs)
        custom_model = target.context == CUSTOM_MODEL and target.pointer.endswith("/python_model")
        if not custom_model:  # a custom model's one finding is its code summary
            text = describe(target.rel, scan, files, own)
            yield Problem(PAYLOAD_GLOBALS, "", text, file=target.rel)
        if custom_model:
            yield Problem(
                CARRIES_CODE,
                "",
                _code_summary(target, scan, files, own, code_refs),
                file=target.rel,
                severity=Severity.WARNING if ctx.options.strict else None,
            )
