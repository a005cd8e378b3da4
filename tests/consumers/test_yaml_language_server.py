"""yaml-language-server (npm, the server behind VS Code's YAML extension) as a real client.

The test starts ``yaml-language-server --stdio``, speaks LSP to it (initialize, didOpen,
didChange, completion), and points it at a schema file written by
``mlmodel-spec schema mlmodel -o FILE``: once with the modeline README shows, once through the
``yaml.schemas`` setting README shows for VS Code. SchemaStore lookups are off and every
proxy points at a closed port, so nothing comes from the network.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from mlmodel_spec.cli import main as cli_main

TIMEOUT = 60.0
GOOD = """\
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    python_version: 3.11.7
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
  sklearn:
    pickled_model: model.pkl
    sklearn_version: 1.5.0
    serialization_format: cloudpickle
"""
BROKEN = "flavors:\n  sklearn:\n    pickled_model: 3\n"
"""``pickled_model`` must be a string: line 3 (0-based 2 without a modeline)."""


class LanguageServer:
    """A minimal LSP client over the server's stdin/stdout."""

    def __init__(self, command: list[str], env: dict[str, str], settings: dict[str, Any]):
        self.settings = settings
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.next_id = 0
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and "method" not in m).get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            try:
                message = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                pytest.fail(f"yaml-language-server sent nothing wanted within {TIMEOUT} s")
            if message is None:
                pytest.fail("yaml-language-server exited")
            if "method" in message and "id" in message:
                self._answer(message)
            elif wanted(message):
                return message

    def _answer(self, request: dict[str, Any]) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            result = [
                self.settings.get(item.get("section", ""), self.settings)
                for item in request["params"]["items"]
            ]
        self.send({"id": request["id"], "result": result})

    def open(self, path: Path, text: str) -> list[dict[str, Any]]:
        """Open ``path`` with ``text``; the diagnostics the server publishes for it."""
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "yaml",
                    "version": 1,
                    "text": text,
                }
            },
        )
        return self._diagnostics(path)

    def change(self, path: Path, text: str, version: int) -> list[dict[str, Any]]:
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": path.as_uri(), "version": version},
                "contentChanges": [{"text": text}],
            },
        )
        return self._diagnostics(path)

    def _diagnostics(self, path: Path) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == path.as_uri()
            )
        )
        diagnostics: list[dict[str, Any]] = message["params"]["diagnostics"]
        return diagnostics

    def completion_labels(self, path: Path, line: int, character: int) -> set[str]:
        result = self.request(
            "textDocument/completion",
            {
                "textDocument": {"uri": path.as_uri()},
                "position": {"line": line, "character": character},
            },
        )
        items = result["items"] if isinstance(result, dict) else result
        return {item["label"] for item in items}

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def settings(schemas: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "yaml": {
            "validate": True,
            "completion": True,
            "hover": True,
            "schemaStore": {"enable": False},
            "schemas": schemas,
        }
    }


@pytest.fixture(params=["2020-12", "07"])
def schema_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "schemas" / "mlmodel.schema.json"
    path.parent.mkdir()
    assert cli_main(["schema", "mlmodel", "--draft", request.param, "-o", str(path)]) == 0
    return path


@contextmanager
def start(
    node_tool: Callable[[str], Path], env: dict[str, str], config: dict[str, Any], root: Path
) -> Iterator[LanguageServer]:
    server = LanguageServer([str(node_tool("yaml-language-server")), "--stdio"], env, config)
    try:
        capabilities = server.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {
                    "textDocument": {"completion": {}, "publishDiagnostics": {}},
                    "workspace": {"configuration": True},
                },
            },
        )["capabilities"]
        assert "completionProvider" in capabilities
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": config})
        yield server
    finally:
        server.close()


def model_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name / "MLmodel"
    path.parent.mkdir()
    return path


def test_modeline_to_a_local_schema_drives_diagnostics_and_completion(
    schema_file: Path,
    tmp_path: Path,
    node_tool: Callable[[str], Path],
    offline_env: dict[str, str],
) -> None:
    modeline = "# yaml-language-server: $schema=../schemas/mlmodel.schema.json\n"
    with start(node_tool, offline_env, settings({}), tmp_path) as server:
        broken = server.open(model_file(tmp_path, "broken"), modeline + BROKEN)
        assert [(d["range"]["start"]["line"], d["severity"]) for d in broken] == [(3, 1)]
        assert "string" in broken[0]["message"]
        assert broken[0]["data"]["schemaUri"] == [schema_file.as_uri()]

        good = model_file(tmp_path, "good")
        assert server.open(good, modeline + GOOD) == []
        # the silence is the schema's verdict: break the same document and it speaks
        assert server.change(good, modeline + GOOD.replace("model.pkl\n    sk", "7\n    sk"), 2)

        completing = model_file(tmp_path, "completing")
        server.open(completing, modeline + "flavors:\n  \n")
        labels = server.completion_labels(completing, 2, 2)
        assert {"python_function", "sklearn", "lightgbm", "xgboost"} <= labels


def test_vscode_settings_map_the_schema_to_every_mlmodel(
    schema_file: Path,
    tmp_path: Path,
    node_tool: Callable[[str], Path],
    offline_env: dict[str, str],
) -> None:
    config = settings({str(schema_file): ["**/MLmodel"]})
    with start(node_tool, offline_env, config, tmp_path) as server:
        broken = server.open(model_file(tmp_path, "broken"), BROKEN)
        assert [d["range"]["start"]["line"] for d in broken] == [2]
        assert server.open(model_file(tmp_path, "good"), GOOD) == []
