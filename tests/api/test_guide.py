"""The ``console`` commands of docs/integrators.md run as written, against real gateways.

``$ ssd-gateway serve …`` lines start in the background (as in another terminal) and are
waited for until their local API answers; every other ``$`` line runs in a shell whose
exported variables carry over to the next, from a copy of ``mappings/``, with the exit code
its ``# exit N`` comment states (default 0). Output lines under a command (except those
with ``…``) must appear in what it printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import REPO
from tests.mapping.test_docs import DOC, launcher

pytestmark = pytest.mark.slow
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


def console_steps() -> list[tuple[str, list[str]]]:
    """Each ``$`` command of the guide's console blocks with the output lines shown under it."""
    steps: list[tuple[str, list[str]]] = []
    inside = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not inside and line == "```console":
            inside = True
        elif inside and line == "```":
            inside = False
        elif inside and line.startswith("$ "):
            steps.append((line[2:], []))
        elif inside and steps:
            steps[-1][1].append(line)
    return steps


def _run(command: str, env: dict[str, str], cwd: Path) -> tuple[int, str, dict[str, str]]:
    """Run one command in bash; return its exit code, output and the environment after it."""
    env_file = cwd / ".env-after"
    script = f"{command}\n__rc=$?\nenv -0 > {env_file}\nexit $__rc\n"
    result = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    after = dict(item.split("=", 1) for item in env_file.read_text().split("\0") if "=" in item)
    return result.returncode, result.stdout + result.stderr, after


def _serve(command: str, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start a ``serve`` command in the background; return once its local API answers."""
    config = command.split("--config", 1)[1].split()[0]
    process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=cwd, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = subprocess.run(["bash", "-c", f"ssd-gateway api url --config {config}"], cwd=cwd,
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{command} did not start: {log.read_text()}")
        time.sleep(0.2)


def test_every_console_command_of_the_api_guide(tmp_path: Path) -> None:
    """Sandbox, two gateways, a token, submit, follow, refusal and problems, as documented."""
    steps = console_steps()
    assert len(steps) >= 12
    work = tmp_path / "checkout"
    shutil.copytree(REPO / "mappings", work / "mappings")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher(bin_dir)
    # no SSD_DATA_DIR: environment settings override gateway.toml, which would put both
    # served gateways (and every --config command) into one data folder
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(REPO / "src")}
    for name in ("SSD_API_URL", "SSD_API_TOKEN", "SSD_DATABASE_URL", "SSD_DATA_DIR"):
        env.pop(name, None)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for number, (line, shown) in enumerate(steps):
            match = _EXIT.search(line)
            expected = int(match[1]) if match else 0
            command = _EXIT.sub("", line)
            if command.startswith("ssd-gateway serve "):
                servers.append(_serve(command, env, work, tmp_path / f"serve-{number}.log"))
                continue
            code, printed, env = _run(command, env, work)
            assert code == expected, (command, printed)
            for text in shown:
                if text.strip() and "…" not in text:
                    assert text.strip() in printed, (command, text, printed)
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
