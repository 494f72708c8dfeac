"""Every shell command in docs/integrators.md runs, in order, with the exit code it claims.

The commands run from a copy of the repository's ``mappings/`` (as from a fresh checkout)
through an ``ssd-gateway`` launcher for this source tree, with the gateway's data directory
in a temporary folder. A ``# exit N`` comment states the expected exit code (default 0). Each
``text`` block after a ``sh`` block shows output: its lines (except those shortened with
``…``) must appear in what the commands printed.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "integrators.md"
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


def blocks() -> list[tuple[str, list[str]]]:
    """The fenced ``sh`` and ``text`` blocks of the guide, in order."""
    found: list[tuple[str, list[str]]] = []
    kind: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if kind is None and line in ("```sh", "```text"):
            kind = line[3:]
            found.append((kind, []))
        elif kind is not None and line == "```":
            kind = None
        elif kind is not None:
            found[-1][1].append(line)
    return found


def launcher(directory: Path) -> Path:
    """An ``ssd-gateway`` executable that runs this source tree's CLI."""
    path = directory / "ssd-gateway"
    path.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO / "src"}" exec "{sys.executable}" '
                    f'-m ssd_gateway "$@"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_every_documented_command_runs_as_documented(tmp_path: Path) -> None:
    """All sh commands of the guide pass with their stated exit codes and shown output."""
    work = tmp_path / "checkout"
    shutil.copytree(REPO / "mappings", work / "mappings")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher(bin_dir)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "SSD_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO / "src")}
    env.pop("SSD_DATABASE_URL", None)
    ran, printed = 0, ""
    for kind, lines in blocks():
        if kind == "text":
            for shown in lines:
                if "…" not in shown and shown.strip():
                    assert shown.strip() in printed, f"not printed: {shown!r}"
            continue
        printed = ""
        for line in lines:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = _EXIT.search(line)
            expected = int(match[1]) if match else 0
            command = _EXIT.sub("", line)
            result = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                                    capture_output=True, text=True, timeout=120, check=False)
            assert result.returncode == expected, (command, result.stdout, result.stderr)
            printed += result.stdout + result.stderr
            ran += 1
    assert ran >= 12
