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


def test_sync_text_writes_a_missing_or_stale_file_and_says_so(tmp_path):
    from course.files import sync_text

    target = tmp_path / "deep" / "a.txt"
    assert sync_text(target, "one") is True and target.read_text() == "one"
    assert sync_text(target, "two") is True and target.read_text() == "two"


def test_sync_text_leaves_an_up_to_date_file_untouched(tmp_path):
    import os

    from course.files import sync_text

    target = tmp_path / "a.txt"
    target.write_text("same")
    os.utime(target, (1, 1))
    assert sync_text(target, "same") is False and target.stat().st_mtime == 1


def test_sync_text_only_checks_when_asked(tmp_path):
    from course.files import sync_text

    target = tmp_path / "a.txt"
    assert sync_text(target, "new", check_only=True) is True and not target.exists()
