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


def sync_text(path: str | Path, text: str, check_only: bool = False) -> bool:
    """Make the file at ``path`` hold ``text`` (UTF-8); return True when it did not (it was stale or missing).

    With ``check_only`` nothing is written: the answer says whether a write is due.
    Generated files (``notebooks/``, ``notebooks/zh/``, the solutions' nbgrader
    metadata) are written this way, so an up-to-date file is never touched.

    Example:
        >>> sync_text(tmp_path / "a.txt", "x"), sync_text(tmp_path / "a.txt", "x")
        (True, False)
    """
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    if not check_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return True
