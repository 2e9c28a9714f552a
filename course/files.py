"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def atomic_write(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path.

    The text goes to a temporary file next to ``path`` (named after this
    process and thread, so parallel writers never share one), which then
    replaces ``path`` with ``os.replace``: a reader sees the old file or the
    new one, never a half-written one, and an interrupted write leaves the old
    file as it was. Missing parent folders are created.

    Example:
        >>> atomic_write(tmp_path / "out" / "grades.csv", "student,total\\n")
        PosixPath('.../out/grades.csv')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
