"""`course grade` with an LMS: Canvas's and Moodle's bulk downloads in, their gradebook CSVs out.

The downloads are built here, named as the LMSs name them (see the formats and
their sources in course/grading/lms.py), from the grader's fixture notebooks
(tests/fixtures/grading/submissions/<kind>/01_mlp.ipynb) and graded with the
small stand-in chapter tests/fixtures/grading/fake_checks.py (exercises
`double`, 1 point, and `softmax`, 2 points: 3 in all), so each batch takes
seconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from course.grading import GradeOptions, GradingError, grade
from course.grading.lms import chapter_of, check_export, export_gradebook, open_view, parse_canvas, parse_moodle

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
FAKE_CHECKS = str(FIXTURES / "fake_checks.py")
CHAPTERS = ["01_mlp", "02_cnn", "03_rnn", "04_gan", "05_transformer"]
NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone.utc)


def notebook(kind: str) -> bytes:
    """A fixture notebook: "correct" gets 3/3, "wrong" and "unfilled" 0/3."""
    return (FIXTURES / "submissions" / kind / "01_mlp.ipynb").read_bytes()


def options(**settings) -> GradeOptions:
    base = dict(checks={"01_mlp": FAKE_CHECKS}, cell_timeout=8, notebook_timeout=40, memory_mb=600, max_output_mb=0.5, jobs=2)
    return GradeOptions(**{**base, **settings})


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def snapshot(path: Path) -> dict[str, str]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


# --- a Canvas download: a flat zip ---------------------------------------------------------------------

CANVAS_FILES = {
    "doejane_1001_5001_01_mlp.ipynb": "wrong",             # Jane's first upload ...
    "doejane_1001_5007_01_mlp-1.ipynb": "correct",         # ... and her resubmission, renamed by Canvas: graded
    "smithbob_LATE_1002_5003_01_mlp.ipynb": "unfilled",    # late
    "leeann_1003_5004_notes.pdf": None,                    # not a notebook
    "leeann_1003_5005_homework.ipynb": "correct",          # no chapter in its name
    "ghostgus_1005_5006_01_mlp.ipynb": "correct",          # not in the roster
}
CANVAS_ROSTER = [
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 1 (777)", "Current Score"],
    ["    Points Possible", "", "", "", "", "10", "(read only)"],
    ["Doe, Jane", "1001", "S1001", "jdoe", "Section A", "", ""],
    ["Smith, Bob", "1002", "S1002", "bsmith", "Section A", "", ""],
    ["Lee, Ann", "1003", "S1003", "alee", "Section B", "", ""],
    ["Carl, Ray", "1004", "S1004", "rcarl", "Section B", "", ""],   # handed in nothing
]


def canvas_zip(folder: Path) -> Path:
    path = folder / "course-chapter-1 submissions.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, kind in CANVAS_FILES.items():
            archive.writestr(name, notebook(kind) if kind else b"%PDF-1.4 notes")
    return path


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    """Grade the Canvas zip with its gradebook export as roster; write the Canvas gradebook CSV."""
    root = tmp_path_factory.mktemp("canvas")
    download = canvas_zip(root)
    roster = write_csv(root / "gradebook.csv", CANVAS_ROSTER)
    before = snapshot(download)
    report = grade(download, root / "out" / "grades.csv", options(
        layout="canvas", roster=roster, lms="canvas", lms_columns={"01_mlp": "Chapter 1 (777)"}, temp_dir=root / "tmp"))
    return {"root": root, "download": download, "report": report, "data": report.data, "before": before,
            "rows": {row["student"]: row for row in csv.DictReader((root / "out" / "grades.csv").open())}}


def test_canvas_files_are_matched_to_students_by_their_user_id(canvas):
    students = canvas["data"]["lms"]["students"]
    assert students["doejane_1001"]["id"] == "1001" and students["doejane_1001"]["name"] == "Doe, Jane"
    assert students["smithbob_1002"]["files"] == {"01_mlp": "smithbob_LATE_1002_5003_01_mlp.ipynb"}


def test_a_canvas_resubmission_renamed_dash_1_is_graded_and_the_older_upload_set_aside(canvas):
    assert canvas["rows"]["doejane_1001"]["01_mlp:total"] == "3"
    assert canvas["data"]["lms"]["set_aside_files"] == [
        {"file": "doejane_1001_5001_01_mlp.ipynb", "chapter": "01_mlp", "graded_instead": "doejane_1001_5007_01_mlp-1.ipynb"}]


def test_a_late_canvas_submission_is_graded_and_marked_late(canvas):
    assert canvas["rows"]["smithbob_1002"]["01_mlp:status"] == "graded"
    assert canvas["data"]["lms"]["students"]["smithbob_1002"]["late"] == ["01_mlp"]


def test_files_that_match_no_chapter_are_listed_with_the_reason(canvas):
    unmatched = {item["file"]: item["reason"] for item in canvas["data"]["lms"]["unmatched_files"]}
    assert set(unmatched) == {"leeann_1003_5004_notes.pdf", "leeann_1003_5005_homework.ipynb"}
    assert "not a notebook" in unmatched["leeann_1003_5004_notes.pdf"]
    assert "no chapter's notebook name" in unmatched["leeann_1003_5005_homework.ipynb"]


def test_roster_students_without_a_submission_are_listed_and_graded_missing(canvas):
    assert canvas["data"]["lms"]["without_submission"] == ["carlray_1004", "leeann_1003"]
    assert canvas["rows"]["carlray_1004"]["01_mlp:status"] == "missing"
    assert "no file for 01_mlp" in canvas["data"]["students"]["carlray_1004"]["chapters"]["01_mlp"]["message"]


def test_a_student_missing_from_the_roster_is_graded_and_listed(canvas):
    assert canvas["data"]["lms"]["not_in_roster"] == ["ghostgus_1005"]
    assert canvas["rows"]["ghostgus_1005"]["01_mlp:total"] == "3"


def test_the_canvas_gradebook_csv_is_the_import_format_scaled_to_the_assignments_points(canvas):
    text = canvas["report"].gradebook.read_text()
    assert canvas["report"].gradebook == canvas["root"] / "out" / "grades.canvas.csv"
    assert text == (
        "Student,ID,SIS User ID,SIS Login ID,Section,Chapter 1 (777)\n"
        "    Points Possible,,,,,10\n"
        '"Doe, Jane",1001,S1001,jdoe,Section A,10\n'
        '"Smith, Bob",1002,S1002,bsmith,Section A,0\n'
    )


def test_grading_a_zip_writes_nothing_next_to_it_and_extracts_nothing(canvas):
    assert snapshot(canvas["download"]) == canvas["before"]
    assert sorted(p.name for p in canvas["root"].iterdir()) == ["course-chapter-1 submissions.zip", "gradebook.csv", "out", "tmp"]
    assert not any(p.suffix == ".ipynb" for p in canvas["root"].rglob("*"))


def test_the_cli_prints_what_was_not_graded_and_where_the_gradebook_went(canvas, tmp_path, capsys):
    from course.cli import main

    roster = write_csv(tmp_path / "gradebook.csv", CANVAS_ROSTER)
    assert main(["grade", str(canvas["download"]), "--layout", "canvas", "--roster", str(roster), "--lms", "canvas",
                 "--checks", f"01_mlp={FAKE_CHECKS}", "--out", str(tmp_path / "grades.csv"),
                 "--cache-dir", str(canvas["root"] / "out" / ".course-grade-cache")]) == 0
    out = capsys.readouterr().out
    assert "not graded: leeann_1003_5004_notes.pdf: not a notebook (.ipynb)." in out
    assert "set aside: doejane_1001_5001_01_mlp.ipynb" in out
    assert "no submission: carlray_1004 (Carl, Ray)" in out
    assert "not in the roster: ghostgus_1005" in out
    assert f"Canvas gradebook -> {tmp_path / 'grades.canvas.csv'}" in out
    assert (tmp_path / "grades.canvas.csv").read_text().splitlines()[0] == "Student,ID,SIS User ID,SIS Login ID,Section,01_mlp"


# --- a Moodle download, extracted: one folder per student and plugin ----------------------------------

MOODLE_ROSTER = [
    ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
     "Last modified (submission)", "Last modified (grade)", "Feedback comments"],
    ["Participant 2001", "Jane Doe", "jane@example.org", "Submitted for grading", "", "100.00", "Yes", "Friday, 7 March 2025, 10:00 AM", "-", ""],
    ["Participant 2002", "Bob Smith", "bob@example.org", "Submitted for grading", "", "100.00", "Yes", "Friday, 7 March 2025, 11:00 AM", "-", ""],
    ["Participant 2003", "Ann Lee", "ann@example.org", "No submission", "", "100.00", "Yes", "-", "-", ""],
]


def moodle_folder(folder: Path) -> Path:
    download = folder / "CS101-Chapter 1-123"
    for path, content in {
        "Jane Doe_2001_assignsubmission_file_/01_mlp.ipynb": notebook("correct"),
        "Bob Smith_2002_assignsubmission_file_/01_mlp.ipynb": notebook("wrong"),
        "Bob Smith_2002_assignsubmission_onlinetext_/onlinetext.html": b"<p>see my notebook</p>",
    }.items():
        (download / path).parent.mkdir(parents=True, exist_ok=True)
        (download / path).write_bytes(content)
    return download


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    root = tmp_path_factory.mktemp("moodle")
    download = moodle_folder(root)
    roster = write_csv(root / "worksheet.csv", MOODLE_ROSTER)
    before = snapshot(download)
    report = grade(download, root / "out" / "grades.csv", options(layout="moodle", roster=roster, lms="moodle", temp_dir=root / "tmp"))
    return {"root": root, "download": download, "report": report, "data": report.data, "before": before}


def test_moodle_folders_are_matched_to_students_by_participant_id(moodle):
    students = moodle["data"]["lms"]["students"]
    assert students["Jane-Doe_2001"]["id"] == "2001"
    assert moodle["data"]["students"]["Jane-Doe_2001"]["total"] == 3
    assert moodle["data"]["students"]["Bob-Smith_2002"]["total"] == 0
    assert moodle["data"]["lms"]["without_submission"] == ["Ann-Lee_2003"]
    assert moodle["data"]["lms"]["unmatched_files"][0]["file"] == "Bob Smith_2002_assignsubmission_onlinetext_/onlinetext.html"


def test_the_moodle_worksheet_keeps_the_rosters_columns_and_fills_grade_and_time(moodle):
    worksheet = moodle["root"] / "out" / "grades.moodle.csv"
    assert moodle["report"].gradebook == worksheet
    rows = list(csv.reader(worksheet.open()))
    assert rows[0] == MOODLE_ROSTER[0]
    graded = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert list(graded) == ["Participant 2002", "Participant 2001"]        # Ann handed nothing in: Moodle keeps what it has
    assert graded["Participant 2001"]["Grade"] == "100" and graded["Participant 2002"]["Grade"] == "0"
    assert graded["Participant 2001"]["Maximum Grade"] == "100"
    assert graded["Participant 2001"]["Email address"] == "jane@example.org"
    assert datetime.fromisoformat(graded["Participant 2001"]["Last modified (grade)"]).tzinfo is not None


def test_the_moodle_worksheet_without_roster_has_the_columns_the_import_needs(moodle, tmp_path):
    data = dict(moodle["data"])
    path = export_gradebook(data, GradeOptions(layout="moodle", lms="moodle", lms_out=tmp_path / "w.csv"), tmp_path / "grades.csv", now=NOW)
    assert path.read_text() == (
        "Identifier,Full name,Grade,Maximum Grade,Last modified (grade)\n"
        "Participant 2002,Bob Smith,0,3,2025-03-14T09:26:53+00:00\n"
        "Participant 2001,Jane Doe,3,3,2025-03-14T09:26:53+00:00\n"
    )


def test_grading_an_extracted_download_never_writes_into_it(moodle):
    assert snapshot(moodle["download"]) == moodle["before"]


# --- the formats, without grading ------------------------------------------------------------------


@pytest.mark.parametrize("name, user, late, original", [
    ("doejane_1234_5678_01_mlp.ipynb", "1234", False, "01_mlp.ipynb"),
    ("doejane_LATE_1234_5678_01_mlp-2.ipynb", "1234", True, "01_mlp-2.ipynb"),
    ("doejane_late_1234_5678_01_mlp.ipynb", "1234", True, "01_mlp.ipynb"),
    ("anon_x1y2z_5678_01_mlp.ipynb", "anon_x1y2z", False, "01_mlp.ipynb"),
    ("LATE_anon_x1y2z_5678_01_mlp.ipynb", "anon_x1y2z", True, "01_mlp.ipynb"),
    ("submissions/doejane_1234_5678_01_mlp.ipynb", "1234", False, "01_mlp.ipynb"),
])
def test_canvas_file_names_give_user_lateness_and_original_name(name, user, late, original):
    parsed = parse_canvas(name)
    assert (parsed.user, parsed.late, parsed.original) == (user, late, original)


def test_a_canvas_text_entry_is_not_a_submission_file():
    assert parse_canvas("doejane_1234_text.html") is None


@pytest.mark.parametrize("path, user, name, original", [
    ("Jane Doe_123456_assignsubmission_file_/01_mlp.ipynb", "123456", "Jane Doe", "01_mlp.ipynb"),
    ("Jane Doe_123456_assignsubmission_file_/work/01_mlp.ipynb", "123456", "Jane Doe", "work/01_mlp.ipynb"),
    ("Jane Doe_123456_assignsubmission_file_01_mlp.ipynb", "123456", "Jane Doe", "01_mlp.ipynb"),
    ("Participant_123456_assignsubmission_file_/01_mlp.ipynb", "123456", "Participant", "01_mlp.ipynb"),
])
def test_moodle_paths_in_folders_or_flat_give_participant_and_original_name(path, user, name, original):
    parsed = parse_moodle(path)
    assert (parsed.user, parsed.name, parsed.original) == (user, name, original)


@pytest.mark.parametrize("original, chapter", [
    ("01_mlp.ipynb", "01_mlp"), ("01_mlp-1.ipynb", "01_mlp"), ("01_mlp (2).ipynb", "01_mlp"),
    ("Copy of 02_cnn.ipynb", "02_cnn"), ("my01_mlp.ipynb", None), ("01_mlp.py", None), ("01_mlp_02_cnn.ipynb", None),
])
def test_a_file_is_matched_to_the_one_chapter_named_in_it(original, chapter):
    assert chapter_of(original, CHAPTERS)[0] == chapter


def test_an_extracted_canvas_folder_reads_like_its_zip(tmp_path):
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(canvas_zip(tmp_path)) as archive:
        archive.extractall(folder)
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._doejane_1001_5001_01_mlp.ipynb").write_bytes(b"junk")
    from_zip = open_view(tmp_path / "course-chapter-1 submissions.zip", GradeOptions(layout="canvas"), CHAPTERS)
    from_folder = open_view(folder, GradeOptions(layout="canvas"), CHAPTERS)
    assert from_folder.students == from_zip.students == ["doejane_1001", "ghostgus_1005", "leeann_1003", "smithbob_1002"]
    assert from_folder.intake["unmatched_files"] == from_zip.intake["unmatched_files"]
    assert from_folder.find("doejane_1001", "01_mlp").read() == notebook("correct")


def test_the_newest_moodle_file_by_its_zip_time_stamp_is_graded(tmp_path):
    path = tmp_path / "moodle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("Jane Doe_7_assignsubmission_file_/01_mlp (1).ipynb", (2025, 3, 2, 10, 0, 0)), notebook("correct"))
        archive.writestr(zipfile.ZipInfo("Jane Doe_7_assignsubmission_file_/01_mlp.ipynb", (2025, 3, 1, 10, 0, 0)), notebook("wrong"))
    view = open_view(path, GradeOptions(layout="moodle"), CHAPTERS)
    assert view.find("Jane-Doe_7", "01_mlp").label.endswith("01_mlp (1).ipynb")
    assert view.intake["set_aside_files"][0]["file"] == "Jane Doe_7_assignsubmission_file_/01_mlp.ipynb"


def test_folders_with_a_roster_are_matched_by_login_and_export_to_canvas(tmp_path):
    (tmp_path / "class" / "jdoe").mkdir(parents=True)
    (tmp_path / "class" / "jdoe" / "01_mlp.ipynb").write_bytes(notebook("correct"))
    (tmp_path / "class" / "stranger").mkdir()
    roster = write_csv(tmp_path / "gradebook.csv", CANVAS_ROSTER)
    view = open_view(tmp_path / "class", GradeOptions(roster=roster, lms="canvas"), CHAPTERS)
    assert view.intake["students"]["jdoe"]["id"] == "1001"
    assert view.intake["not_in_roster"] == ["stranger"]
    assert set(view.intake["without_submission"]) == {"smithbob_1002", "leeann_1003", "carlray_1004", "stranger"}


# --- bad input: clear errors naming the option, the value and what was expected ---------------------


@pytest.mark.parametrize("settings, message", [
    (dict(layout="blackboard"), "--layout must be one of 'folders', 'canvas' or 'moodle'; got 'blackboard'."),
    (dict(lms="sakai", roster="r.csv"), "--lms must be one of 'canvas' or 'moodle'; got 'sakai'."),
    (dict(lms="canvas"), "--lms must be given with --roster when the submissions are folders"),
    (dict(layout="canvas", lms="moodle"), "--lms must be the LMS of --layout ('canvas'), or left out; got 'moodle'."),
    (dict(layout="canvas", roster="nowhere.csv"), "--roster must be an existing CSV file; got 'nowhere.csv'."),
    (dict(layout="canvas", lms="canvas", shard=(0, 2)), "--lms must be given to the --merge command when grading in shards"),
])
def test_bad_lms_options_are_refused_naming_option_value_and_expectation(settings, message):
    with pytest.raises(GradingError) as error:
        GradeOptions(**settings).validate()
    assert message in str(error.value)


def test_a_roster_without_the_lms_columns_is_refused_naming_them(tmp_path):
    roster = write_csv(tmp_path / "people.csv", [["name", "email"], ["Jane", "jane@example.org"]])
    with pytest.raises(GradingError, match=r"Moodle grading worksheet \(in English\) with the columns Identifier, Full name; "
                                           r"got the columns \['name', 'email'\], without Identifier, Full name"):
        open_view(tmp_path, GradeOptions(layout="moodle", roster=roster), CHAPTERS)


def test_a_moodle_download_read_as_canvas_suggests_the_right_layout(tmp_path):
    download = moodle_folder(tmp_path)
    with pytest.raises(GradingError, match="is it a Moodle download\\? then --layout moodle"):
        open_view(download, GradeOptions(layout="canvas"), CHAPTERS)


def test_a_file_that_is_neither_zip_nor_folder_is_refused(tmp_path):
    (tmp_path / "grades.xlsx").write_bytes(b"not a zip")
    with pytest.raises(GradingError, match="is not a zip file nor a folder"):
        open_view(tmp_path / "grades.xlsx", GradeOptions(layout="canvas"), CHAPTERS)


def test_a_moodle_export_of_two_chapters_is_refused_before_grading():
    with pytest.raises(GradingError, match="a Moodle grading worksheet holds one assignment.*grade one chapter per worksheet with --only"):
        check_export(GradeOptions(layout="moodle", lms="moodle"), ["01_mlp", "02_cnn"])


def test_an_lms_column_for_a_chapter_not_graded_is_refused():
    with pytest.raises(GradingError, match="--lms-column 02_cnn: not a chapter graded in this run; expected one of 01_mlp"):
        check_export(GradeOptions(layout="canvas", lms="canvas", lms_columns={"02_cnn": "Chapter 2"}), ["01_mlp"])


@pytest.mark.parametrize("argv, message", [
    (["--layout", "blackboard"], "--layout must be one of 'folders', 'canvas' or 'moodle'; got 'blackboard'."),
    (["--layout", "canvas", "--lms", "canvas", "--lms-column", "01_mlp"], "--lms-column '01_mlp': expected CHAPTER=COLUMN"),
])
def test_the_cli_reports_bad_lms_options_without_a_traceback(tmp_path, capsys, argv, message):
    from course.cli import main

    assert main(["grade", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_grades_json_of_the_default_layout_has_no_lms_section(tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "01_mlp.ipynb").write_bytes(b"")    # invalid: settled without running anything
    report = grade(tmp_path / "class", tmp_path / "grades.csv", options())
    assert "lms" not in json.loads((tmp_path / "grades.json").read_text()) and report.gradebook is None


def test_shards_of_a_download_merge_and_then_export_the_same_gradebook(canvas, tmp_path):
    from course.cli import main

    roster = write_csv(tmp_path / "gradebook.csv", CANVAS_ROSTER)
    common = ["--layout", "canvas", "--roster", str(roster), "--checks", f"01_mlp={FAKE_CHECKS}",
              "--cache-dir", str(canvas["root"] / "out" / ".course-grade-cache")]
    for index in (0, 1):
        assert main(["grade", str(canvas["download"]), "--shard", f"{index}/2", "--out", str(tmp_path / f"s{index}.csv"), *common]) == 0
    assert main(["grade", "--merge", str(tmp_path / "s0.json"), str(tmp_path / "s1.json"), "--out", str(tmp_path / "all.csv"),
                 "--lms", "canvas", "--roster", str(roster), "--lms-column", "01_mlp=Chapter 1 (777)"]) == 0
    assert (tmp_path / "all.canvas.csv").read_text() == canvas["report"].gradebook.read_text()
