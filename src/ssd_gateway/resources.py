"""Locate the files shipped beside the code: XSDs, mappings, rule packs.

In a wheel they live in ``ssd_gateway/_data``; in a source checkout (editable install or
``PYTHONPATH=src``) they live at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory ``schemas`` or ``mappings`` wherever this install keeps it."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent / name


def package_file(*parts: str) -> Path:
    """Return a file kept inside the package itself (rule packs, templates, terminology)."""
    return _PACKAGE.joinpath(*parts)
