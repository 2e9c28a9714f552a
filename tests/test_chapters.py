"""The chapter registry (course/chapters.py): every chapter's parts are registered, and exist.

These tests are the checklist of CONTRIBUTING.md's "Adding a chapter": a
notebook, checks module or bench module without a registry entry fails here,
and so does an entry that names something that does not exist.
"""

import importlib
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from course import chapters
from course.chapters import CHAPTERS, UnknownChapterError, chapter, resolve

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"


def _registered(attribute: str) -> set[str]:
    return {getattr(entry, attribute) for entry in CHAPTERS if getattr(entry, attribute)}


def _modules_in(folder: str) -> set[str]:
    """Chapter modules found on disk: course/<folder>/chNN_*.py, as dotted names."""
    return {f"course.{folder}.{path.stem}" for path in (COURSE / folder).glob("ch[0-9][0-9]_*.py")}


# --- resolve ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["01_mlp", "01", "1", 1, "mlp", "MLP", " 01 ", "01_mlp.ipynb"])
def test_resolve_accepts_the_id_number_name_and_file_name(name):
    assert resolve(name) == "01_mlp"


def test_resolve_names_the_value_and_lists_the_chapters():
    with pytest.raises(UnknownChapterError, match=r"Unknown chapter '09': the chapters are 01_mlp, 02_cnn, 03_rnn, 04_gan, 05_transformer"):
        resolve("09")


def test_an_unknown_chapter_is_a_value_error():
    assert issubclass(UnknownChapterError, ValueError)


def test_chapter_returns_the_registry_entry():
    assert chapter("5").bench_parts == ("text", "images") and chapter("05_transformer").number == "05"


# --- the registry itself ----------------------------------------------------------------


def test_chapters_are_in_chapter_order_with_unique_ids_named_nn_name():
    ids = [entry.id for entry in CHAPTERS]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", i) for i in ids), ids
    assert ids == sorted(set(ids)), "ids must be unique and in chapter order"
    assert [int(entry.number) for entry in CHAPTERS] == list(range(1, len(CHAPTERS) + 1))


def test_no_two_chapters_share_a_spelling():
    spellings = [alias for entry in CHAPTERS for alias in chapters._aliases(entry)]
    assert len(spellings) == len(set(spellings))


# --- notebooks --------------------------------------------------------------------------


def test_every_solution_notebook_is_a_registered_chapter():
    on_disk = {path.stem for path in (ROOT / "solutions").glob("*.ipynb")}
    assert on_disk - _registered("id") == set(), "add these notebooks to course/chapters.py"


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_every_registered_chapter_has_its_notebook(folder):
    missing = [entry.notebook for entry in CHAPTERS if not (ROOT / folder / entry.notebook).exists()]
    assert missing == [], f"no {folder}/ notebook for these chapters"


@pytest.mark.parametrize("entry", CHAPTERS, ids=lambda entry: entry.id)
def test_a_notebooks_title_is_its_registry_title(entry):
    first = nbformat.read(ROOT / "solutions" / entry.notebook, as_version=4).cells[0].source.splitlines()[0]
    assert first == f"# Chapter {int(entry.number)} — {entry.title}"


# --- checks -----------------------------------------------------------------------------


def test_every_checks_module_is_a_registered_chapters_checks():
    assert _modules_in("checks") - _registered("checks") == set(), "add these checks modules to course/chapters.py"


@pytest.mark.parametrize("entry", CHAPTERS, ids=lambda entry: entry.id)
def test_a_registered_checks_module_exists_and_lists_its_exercises(entry):
    module = importlib.import_module(entry.checks)
    assert len(getattr(module, "EXERCISES", ())) > 0, f"{entry.checks} defines no EXERCISES"


def test_course_checks_chapter_modules_is_the_registrys():
    from course.checks import CHAPTER_MODULES

    assert CHAPTER_MODULES == {entry.id: entry.checks for entry in CHAPTERS}


# --- benches ----------------------------------------------------------------------------


def test_every_bench_module_is_a_registered_chapters_bench():
    assert _modules_in("bench") - _registered("bench") == set(), "add these bench modules to course/chapters.py"


@pytest.mark.parametrize("entry", [e for e in CHAPTERS if e.bench], ids=lambda entry: entry.id)
def test_a_registered_bench_module_exists_and_runs_the_registered_parts(entry):
    module = importlib.import_module(entry.bench)
    assert callable(getattr(module, "run", None)), f"{entry.bench} defines no run()"
    assert tuple(getattr(module, "PARTS", ())) == entry.bench_parts
    if entry.bench_parts:
        assert "part" in inspect.signature(module.run).parameters, f"{entry.bench}.run() takes no part"


# --- data -------------------------------------------------------------------------------


def test_every_registered_dataset_is_one_course_data_knows():
    from course.data import dataset_status

    known = {status.name for status in dataset_status()}
    used = {name for entry in CHAPTERS for name in entry.datasets}
    assert used and used - known == set()
