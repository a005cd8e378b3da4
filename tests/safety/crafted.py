"""Malicious and benign pickles written opcode by opcode. Nothing here is ever loaded.

Each builder returns bytes; ``pickle`` is never imported by these helpers, so crafting a
payload cannot execute it.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile


def unicode(text: str) -> bytes:
    """SHORT_BINUNICODE (or BINUNICODE when long)."""
    data = text.encode()
    if len(data) < 256:
        return b"\x8c" + bytes([len(data)]) + data
    return b"X" + struct.pack("<I", len(data)) + data


def stack_global(module: str, name: str) -> bytes:
    return unicode(module) + unicode(name) + b"\x93"


def global_(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def proto(version: int = 4) -> bytes:
    return b"\x80" + bytes([version])


def reduce_call(module: str, name: str, *args: str, version: int = 4) -> bytes:
    """``module.name(*args)`` by STACK_GLOBAL + REDUCE, then STOP."""
    body = stack_global(module, name) + b"(" + b"".join(unicode(a) for a in args) + b"tR"
    return proto(version) + body + b"."


def protocol0_call(module: str, name: str, arg: str) -> bytes:
    """Protocol 0 text: ``cos\\nsystem\\n(S'id'\\ntR.``."""
    return global_(module, name) + b"(S'" + arg.encode() + b"'\ntR."


def benign_estimator(
    module: str = "sklearn.linear_model._logistic", name: str = "LogisticRegression"
) -> bytes:
    """An instance of a class by NEWOBJ with an empty state, as pickle writes estimators."""
    return proto(4) + stack_global(module, name) + b"\x94)\x81\x94}\x94b."


def dynamic_global() -> bytes:
    """STACK_GLOBAL whose name is the result of a call (numpy.dtype('f8')), not a string."""
    return (
        proto(4) + unicode("numpy") + stack_global("numpy", "dtype") + unicode("f8") + b"\x85R\x93."
    )


def memo_stack_global() -> bytes:
    """'os' and 'system' memoized, then STACK_GLOBAL from BINGET of both."""
    return (
        proto(4)
        + unicode("os")
        + b"\x94"
        + unicode("system")
        + b"\x94"
        + b"0"
        + b"0"  # pop both: only the memo holds them
        + b"h\x00h\x01\x93"
        + unicode("id")
        + b"\x85R."
    )


def getattr_chain() -> bytes:
    """builtins.getattr(builtins.__import__('os'), 'system')('id')."""
    imp = stack_global("builtins", "__import__") + unicode("os") + b"\x85R"
    get = stack_global("builtins", "getattr") + imp + unicode("system") + b"\x86R"
    return proto(4) + get + unicode("id") + b"\x85R."


def dotted_name_trick() -> bytes:
    """find_class walks dotted names (protocol 4): a harmless-looking module reaches os."""
    return (
        proto(4)
        + stack_global("numpy", "testing._private.utils.os.system")
        + unicode("id")
        + b"\x85R."
    )


def nested_pickle() -> bytes:
    """pickle.loads(<a pickle calling os.system>)."""
    inner = reduce_call("os", "system", "id")
    blob = b"C" + bytes([len(inner)]) + inner
    return proto(4) + stack_global("pickle", "loads") + blob + b"\x85R."


def eval_reduce() -> bytes:
    """What ``__reduce__`` returning ``(eval, ("...",))`` pickles to."""
    return reduce_call("builtins", "eval", "__import__('os').system('id')")


def python2_builtin() -> bytes:
    """Protocol 2 names builtins as __builtin__; the unpickler maps it back."""
    return proto(2) + global_("__builtin__", "exec") + b"(U\x0eprint('owned')tR."


def extension_code() -> bytes:
    return proto(2) + b"\x82\x01)R."


def inst_opcode() -> bytes:
    """INST: GLOBAL and call in one opcode (protocol 0)."""
    return b"(S'id'\nios\nsystem\n."


def obj_opcode() -> bytes:
    return proto(1) + b"(" + global_("subprocess", "Popen") + b"]U\x02idaU\x00o."


def newobj_ex() -> bytes:
    return (
        proto(4) + stack_global("subprocess", "Popen") + b"]\x94" + unicode("id") + b"a\x85}\x92."
    )


def appended(after: bytes, payload: bytes) -> bytes:
    """A real model followed by a second pickle (a loader that reads on executes it)."""
    return after + payload


def truncated() -> bytes:
    return proto(4) + unicode("hello")


def absurd_length() -> bytes:
    return proto(4) + b"\x8e" + struct.pack("<Q", 1 << 62) + b"."


def deep_nesting(depth: int = 200_000) -> bytes:
    return proto(4) + b"(" * depth + b"."


def joblib_hostile_subpickle() -> bytes:
    """A joblib object-array wrapper whose nested pickle calls os.system."""
    dtype = stack_global("numpy", "dtype") + unicode("O8") + b"\x89\x88\x87R"
    dtype += b"(K\x03" + unicode("|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb"
    state = b"}(" + unicode("shape") + b"K\x01\x85" + unicode("order") + unicode("C")
    state += unicode("dtype") + dtype + unicode("allow_mmap") + b"\x89u"
    wrapper = stack_global("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
    return proto(4) + wrapper + reduce_call("os", "system", "id", version=5) + b"."


def skops_archive(types: list[tuple[str, str]]) -> bytes:
    """A minimal skops zip: schema.json naming ``types`` (module, class)."""
    nodes = [
        {"__class__": c, "__module__": m, "__loader__": "ObjectNode", "content": {}}
        for m, c in types
    ]
    schema = {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": nodes,
        "protocol": 2,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("schema.json", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, json.dumps(schema))  # a fixed date: the bytes are reproducible
    return buffer.getvalue()


def memo_overwrite() -> bytes:
    """'numpy' memoized at 0, then 'os' written over it: STACK_GLOBAL must use the last."""
    return (
        proto(4)
        + unicode("numpy")
        + b"q\x00"  # BINPUT 0
        + b"0"
        + unicode("os")
        + b"q\x00"  # BINPUT 0 again: the memo slot now holds 'os'
        + b"0"
        + b"h\x00"
        + unicode("system")
        + b"\x93"
        + unicode("id")
        + b"\x85R."
    )


def globals_walk() -> bytes:
    """find_class walks a dotted name into a function's ``__globals__`` (protocol 4)."""
    return proto(4) + stack_global("sklearn.base", "BaseEstimator.__init__.__globals__") + b"."


def stack_global_exec() -> bytes:
    """builtins.exec by STACK_GLOBAL of two literals, called on a code string."""
    return (
        proto(4) + unicode("builtins") + unicode("exec") + b"\x93" + unicode("print(1)") + b"\x85R."
    )


def copyreg_reconstructor_os() -> bytes:
    """copyreg._reconstructor (allowed) asked to build an os-module class: os._wrap_close."""
    return (
        proto(2)
        + global_("copyreg", "_reconstructor")
        + b"("
        + global_("os", "_wrap_close")
        + global_("builtins", "object")
        + b"NtR."
    )
