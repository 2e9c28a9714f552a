"""The Chinese edition comes from the same source, and a check fails when the two drift apart (course/translation.py).

* The catalogues of the repository match the English notebooks, and ``notebooks/zh/`` is what they generate.
* One changed English sentence, a new cell or a removed one is reported with the notebook, the cell and the change,
  and ``course notebooks --check`` fails on it; a chapter without a catalogue is only a note.
* ``course translations --update`` keeps every translation (fuzzy or obsolete), never deletes one.
* A zh notebook shares the English code, shows the figures from ``../../figures`` and keeps the exercise headers'
  numbers; its checkers speak Chinese (COURSE_LANG=zh), English stays the default.
"""

from __future__ import annotations

import collections
import re
import shutil
import string
from pathlib import Path

import nbformat
import numpy as np
import polib
import pytest

from course import cli
from course.notebooks import make_student_notebook
from course.translation import (
    LANG_VARIABLE, catalogue_drift, catalogue_path, load_catalogue, message_catalogue, translate_notebook, translated_chapters,
    update_catalogue, write_translated_notebooks,
)

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_mlp"
#: A sentence of chapter 1's first section, and the cell it is in.
SENTENCE, SENTENCE_CELL = "which is one reason it stops near 90% here.", "5c5d0290"
ZH_HEADER = re.compile(r"^### 练习 (\d+)：(.+)（(\d+) 分，约 (\d+) 分钟）$")
EN_HEADER = re.compile(r"^### Exercise (\d+): (.+) \((\d+) points?, about (\d+) minutes?\)$")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
CODE = re.compile(r"`[^`]+`")


#: Every chapter with a Chinese catalogue; each test below that names ``chapter`` runs on each of them.
TRANSLATED = translated_chapters(root=ROOT)
#: Chinese characters next to ASCII punctuation: Chinese text takes Chinese punctuation (，。：；？！).
ASCII_PUNCTUATION = re.compile(r"[\u4e00-\u9fff][,;:?!.]|[,;:?!][\u4e00-\u9fff]")


def _solution(chapter: str = CHAPTER) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4)


def _catalogue(chapter: str = CHAPTER) -> polib.POFile:
    return load_catalogue(catalogue_path(chapter, root=ROOT))


def _cell(notebook: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(cell for cell in notebook.cells if cell.get("id") == cell_id)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the course's solutions/, notebooks/ and locale/ for chapter 1 and 2, the current folder for the test."""
    for folder in ("solutions", "notebooks"):
        (tmp_path / folder).mkdir()
        for chapter in (CHAPTER, "02_cnn"):
            shutil.copy(ROOT / folder / f"{chapter}.ipynb", tmp_path / folder)
    shutil.copytree(ROOT / "notebooks" / "zh", tmp_path / "notebooks" / "zh")
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _change_sentence(path: Path, old: str = SENTENCE, new: str = SENTENCE.replace("90%", "89%")) -> None:
    notebook = nbformat.read(path, as_version=4)
    cell = _cell(notebook, SENTENCE_CELL)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    nbformat.write(notebook, path)


# --- the repository ------------------------------------------------------------------------------


def test_the_repository_catalogues_match_the_english_and_the_zh_notebooks_are_in_sync():
    report = write_translated_notebooks(ROOT / "solutions", ROOT / "notebooks", root=ROOT, check_only=True)
    assert [str(d) for d in report.drift] == []
    assert report.stale == (), f"stale: {report.stale}; run `course notebooks` and commit the result"
    assert CHAPTER in translated_chapters(root=ROOT)


def test_every_chapter_of_the_course_has_a_chinese_edition():
    from course.chapters import ids

    assert TRANSLATED == ids()
    assert sorted(path.stem for path in (ROOT / "notebooks" / "zh").glob("*.ipynb")) == ids()


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_every_markdown_cell_of_a_translated_chapter_is_translated(chapter):
    po = _catalogue(chapter)
    assert [entry.msgctxt for entry in po if not entry.translated() or "fuzzy" in entry.flags] == []
    assert len(po) == sum(cell.cell_type == "markdown" for cell in _solution(chapter).cells)


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_translations_keep_every_formula_and_code_span_unchanged(chapter):
    def formulas(text: str) -> list[str]:  # a $ inside a code span (`$KERAS_HOME/course/`) opens no formula
        return MATH.findall(CODE.sub("`", text))

    for entry in _catalogue(chapter):
        assert collections.Counter(formulas(entry.msgstr)) == collections.Counter(formulas(entry.msgid)), entry.msgctxt
        assert collections.Counter(CODE.findall(entry.msgstr)) == collections.Counter(CODE.findall(entry.msgid)), entry.msgctxt


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_chinese_text_uses_chinese_punctuation(chapter):
    def prose(text: str) -> str:  # formulas, code spans and link targets keep their ASCII punctuation
        return re.sub(r"\]\([^)]*\)", "]", MATH.sub("$", CODE.sub("`", text)))

    mixed = [(entry.msgctxt, match.group(0)) for entry in _catalogue(chapter)
             for match in ASCII_PUNCTUATION.finditer(prose(entry.msgstr))]
    assert mixed == []


def _words_to_avoid() -> dict[str, str]:
    """``{word: the glossary's term}`` from the table "Words not to use" of locale/zh/TERMINOLOGY.md."""
    table = (ROOT / "locale" / "zh" / "TERMINOLOGY.md").read_text().split("## Words not to use", 1)[1]
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| ") and "avoid" not in line]
    return {word.strip(): use.strip() for avoid, use in rows for word in avoid.split(",")}


def test_the_glossary_lists_words_to_avoid():
    assert _words_to_avoid()["池化"] == "汇聚"


def test_the_message_catalogue_uses_the_glossary_terms_not_their_alternatives():
    catalogue = polib.pofile(str(message_catalogue("zh")))
    found = [(entry.msgid[:40], word) for entry in catalogue for word in _words_to_avoid() if word in entry.msgstr]
    assert found == [], "use the glossary's term (locale/zh/TERMINOLOGY.md)"


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_translations_use_the_glossary_terms_not_their_alternatives(chapter):
    avoid = _words_to_avoid()
    found = [(entry.msgctxt, word) for entry in _catalogue(chapter) for sentence in re.split(r"[。；\n]", entry.msgstr)
             for word in avoid if word in sentence and "译作" not in sentence]
    assert found == [], "use the glossary's term (locale/zh/TERMINOLOGY.md)"


def test_the_ascii_punctuation_check_finds_a_comma_after_chinese_text():
    assert ASCII_PUNCTUATION.search("训练 20 轮,然后") and not ASCII_PUNCTUATION.search("训练 20 轮，然后")


# --- drift -----------------------------------------------------------------------------------------


def test_one_changed_english_sentence_is_reported_with_the_notebook_the_cell_and_the_change(tmp_path):
    path = tmp_path / f"{CHAPTER}.ipynb"
    shutil.copy(ROOT / "solutions" / path.name, path)
    _change_sentence(path)
    drift = catalogue_drift(nbformat.read(path, as_version=4), _catalogue(), path.name)
    assert [d.kind for d in drift] == ["changed"]
    message = str(drift[0])
    assert message.startswith(f'{CHAPTER}.ipynb, cell {SENTENCE_CELL} ("## 1. The data:')
    assert "the English changed after it was translated" in message
    assert '-"90%" +"89%"' in message


def test_a_markdown_cell_without_a_translation_is_reported_missing():
    solution = _solution()
    solution.cells.insert(3, nbformat.v4.new_markdown_cell("A new paragraph about pixels.", id="newcell1"))
    drift = catalogue_drift(solution, _catalogue(), f"{CHAPTER}.ipynb")
    assert [(d.kind, d.cell) for d in drift] == [("missing", "newcell1")]
    assert 'cell newcell1 ("A new paragraph about pixels."): missing' in str(drift[0])


def test_an_entry_whose_cell_was_removed_is_reported_obsolete():
    solution = _solution()
    solution.cells.remove(_cell(solution, SENTENCE_CELL))
    drift = catalogue_drift(solution, _catalogue(), f"{CHAPTER}.ipynb")
    assert [(d.kind, d.cell) for d in drift] == [("obsolete", SENTENCE_CELL)]


def test_course_notebooks_check_fails_on_a_changed_sentence_and_names_it(project, capsys):
    assert cli.main(["notebooks", "--check"]) == 0
    _change_sentence(project / "solutions" / f"{CHAPTER}.ipynb")
    assert cli.main(["notebooks", "--check"]) == 1
    out = capsys.readouterr().out
    assert f'drift: zh/{CHAPTER}.ipynb, cell {SENTENCE_CELL} ("## 1. The data:' in out
    assert '-"90%" +"89%"' in out


def test_a_chapter_without_a_catalogue_is_a_note_not_a_failure(project, capsys):
    (project / "locale" / "zh" / "notebooks" / "02_cnn.po").unlink(missing_ok=True)  # chapter 2 untranslated here
    (project / "notebooks" / "zh" / "02_cnn.ipynb").unlink(missing_ok=True)
    assert cli.main(["notebooks", "--check"]) == 0
    out = capsys.readouterr().out
    assert "note: 02_cnn is not translated into zh yet" in out
    assert not (project / "notebooks" / "zh" / "02_cnn.ipynb").exists()


# --- updating a catalogue ----------------------------------------------------------------------------


def test_update_marks_a_changed_cell_fuzzy_and_keeps_its_translation(project, capsys):
    _change_sentence(project / "solutions" / f"{CHAPTER}.ipynb")
    before = _cell_entry(load_catalogue(catalogue_path(CHAPTER, root=project)), SENTENCE_CELL).msgstr
    assert cli.main(["translations", "--update", "01"]) == 0
    entry = _cell_entry(load_catalogue(catalogue_path(CHAPTER, root=project)), SENTENCE_CELL)
    assert "fuzzy" in entry.flags and entry.msgstr == before
    assert "90%" in entry.previous_msgid and "89%" in entry.msgid
    assert cli.main(["translations", "01"]) == 1
    assert 'the English changed after it was translated: -"90%" +"89%"' in capsys.readouterr().out


def _cell_entry(po: polib.POFile, cell_id: str) -> polib.POEntry:
    return next(entry for entry in po if entry.msgctxt == cell_id)


def test_update_adds_new_cells_untranslated_and_marks_removed_ones_obsolete_keeping_their_text():
    solution, po = _solution(), _catalogue()
    removed = _cell_entry(po, SENTENCE_CELL).msgstr
    solution.cells.remove(_cell(solution, SENTENCE_CELL))
    solution.cells.insert(3, nbformat.v4.new_markdown_cell("A new paragraph.", id="newcell1"))
    update = update_catalogue(solution, po)
    assert (update.added, update.fuzzy, update.obsolete) == (["newcell1"], [], [SENTENCE_CELL])
    assert _cell_entry(po, "newcell1").msgstr == ""
    assert _cell_entry(po, SENTENCE_CELL).obsolete and _cell_entry(po, SENTENCE_CELL).msgstr == removed
    assert [d.kind for d in catalogue_drift(solution, po, "x.ipynb")] == ["untranslated"]


# --- the zh notebooks --------------------------------------------------------------------------------


def _zh_student(chapter: str = CHAPTER) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / "zh" / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_zh_code_cells_are_the_english_code_with_only_the_setup_cell_setting_course_lang(chapter):
    english = [c.source for c in make_student_notebook(_solution(chapter)).cells if c.cell_type == "code"]
    chinese = [c.source for c in _zh_student(chapter).cells if c.cell_type == "code"]
    changed = [(e, z) for e, z in zip(english, chinese) if e != z]
    assert len(english) == len(chinese) and len(changed) == 1
    english_setup, chinese_setup = changed[0]
    assert "setup_notebook(" in english_setup and chinese_setup.endswith(english_setup)
    assert f'os.environ["{LANG_VARIABLE}"] = "zh"' in chinese_setup


def test_figure_links_in_zh_notebooks_point_two_folders_up_to_files_that_exist():
    for path in sorted((ROOT / "notebooks" / "zh").glob("*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        assert links, f"{path.name} shows no figure"
        for link in links:
            assert link.startswith("../../figures/"), link
            assert (path.parent / link).resolve().is_file(), link


def test_figure_alt_text_is_translated_and_the_figure_file_kept():
    built = translate_notebook(_solution(), _catalogue())
    figure = next(c.source for c in built.cells if "01_mlp.png" in c.source)
    assert "![课程的 MLP：" in figure and "](../../figures/01_mlp.png)" in figure


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_zh_exercise_headers_keep_the_english_numbers_points_and_minutes(chapter):
    def headers(cells, pattern):
        return [pattern.match(line).group(1, 3, 4) for c in cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if pattern.match(line)]

    english = headers(_solution(chapter).cells, EN_HEADER)
    assert english, f"{chapter} has no exercise header"
    assert headers(_zh_student(chapter).cells, ZH_HEADER) == english
    assert not any(line.startswith(("### Exercise", "### 练习")) and not ZH_HEADER.match(line)
                   for c in _zh_student(chapter).cells for line in c.source.splitlines())


@pytest.mark.parametrize("chapter", TRANSLATED)
def test_zh_learner_text_says_nothing_of_ci_or_run_sizes(chapter):
    from test_learner_text import forbidden_words

    assert forbidden_words(_zh_student(chapter).cells) == []


def test_the_zh_readme_gives_the_quick_start_commands_of_the_english_one():
    english, chinese = (ROOT / "README.md").read_text(), (ROOT / "README.zh-CN.md").read_text()
    for command in ("python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/course run",
                    "conda env create -f environment.yml && conda activate dl-course"):
        assert command in english and command in chinese, command
    assert "course run --lang zh" in chinese and "HF_ENDPOINT" in chinese and "COURSE_DATA_MIRROR" in chinese


# --- learner messages ------------------------------------------------------------------------------


def _wrong_relu_line() -> str:
    from course.checks import ch01_mlp as check

    return check.relu(lambda z: np.abs(z), seed=0, quiet=True).line()


def test_a_wrong_answer_message_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv(LANG_VARIABLE, "zh")
    line = _wrong_relu_line()
    assert line.startswith("[未通过] 01_mlp:relu（0/1 分）：用例 1 (")
    assert "处的值不对：期望 0，得到 " in line and "个值中有" in line and "。提示：" in line


def test_a_wrong_answer_message_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv(LANG_VARIABLE, raising=False)
    line = _wrong_relu_line()
    assert line.startswith("[FAILED] 01_mlp:relu (0/1 points): case 1 (")
    assert ": wrong value at index " in line and ": expected 0, got " in line and " Hint: " in line


def test_not_done_and_passed_lines_are_chinese_with_course_lang_zh(monkeypatch):
    from course.checks import ch01_mlp as check

    monkeypatch.setenv(LANG_VARIABLE, "zh")

    def not_done(z):
        raise NotImplementedError()

    assert check.relu(not_done, seed=0, quiet=True).line() == (
        "[未完成] 01_mlp:relu（0/1 分）：还没有完成：把 `relu` 中的 `raise NotImplementedError()` 换成你的代码。")
    assert check.relu(lambda z: np.maximum(z, 0.0), seed=0, quiet=True).line().startswith("[通过] 01_mlp:relu（1/1 分）：在全部 ")


def test_every_message_translation_keeps_the_fields_of_its_english():
    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    po = polib.pofile(str(message_catalogue("zh")))
    assert len(po) > 30
    for entry in po:
        allowed = fields(entry.msgid) | fields(entry.comment)
        assert fields(entry.msgstr) <= allowed, entry.msgid
        assert fields(entry.msgid) - fields(entry.comment) <= fields(entry.msgstr), entry.msgid


def test_verdicts_printed_in_chinese_are_counted():
    from course.results import Verdicts, count_verdicts

    outputs = [{"output_type": "stream", "name": "stdout", "text": "[通过] 01_mlp:relu（1/1 分）：…\n[未完成] 01_mlp:softmax（0/2 分）：…\n"}]
    assert count_verdicts({"cells": [{"cell_type": "code", "outputs": outputs}]}) == Verdicts(1, 0, 1)


def test_the_grader_hides_expected_values_in_chinese_messages():
    from course.grading import hide_expected

    hidden = hide_expected("用例 2 (z of shape (5, 4))：下标 (0, 1) 处的值不对：期望 0.25，得到 0.5（20 个值中有 3 个不同）")
    assert "0.25" not in hidden and "(5, 4)" not in hidden and "0.5" in hidden
