"""course.files.atomic_write: a reader sees the old file or the new one, never half of one."""

import pytest

from course.files import atomic_write


def test_atomic_write_creates_missing_folders_and_writes_the_text(tmp_path):
    path = atomic_write(tmp_path / "a" / "b" / "grades.csv", "student,total\nalice,12\n")
    assert path.read_text(encoding="utf-8") == "student,total\nalice,12\n"


def test_atomic_write_replaces_an_existing_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "record.json"
    path.write_text("old")
    atomic_write(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_a_failed_write_leaves_the_old_file_as_it_was(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("old grades")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(path, "half \ud800 written")  # a lone surrogate cannot be encoded in UTF-8
    assert path.read_text() == "old grades"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
