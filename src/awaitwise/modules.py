"""Module names from the package layout: folders with `__init__.py` make packages; a file outside
any package (or under a `src/` folder) is a top-level module."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Tuple


@lru_cache(maxsize=4096)
def _is_package_dir(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "__init__.py")) or os.path.isfile(os.path.join(folder, "__init__.pyi"))


def module_name_for(path: str) -> Tuple[str, bool]:
    """(dotted module name, is_package) for a source file path."""
    path = os.path.abspath(path)
    folder, filename = os.path.split(path)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while _is_package_dir(folder):
        folder, name = os.path.split(folder)
        parts.append(name)
        if not name:
            break
    if not parts:
        return stem, is_package
    return ".".join(reversed(parts)), is_package
