"""LMS in and out: grade Canvas's and Moodle's bulk downloads, and write the gradebook CSV each imports.

``course grade DOWNLOAD --layout canvas|moodle`` reads the zip an LMS's
"Download all submissions" gives (or the folder it was extracted to) in
place: nothing is copied or extracted, and nothing is written next to it.
:func:`open_view` turns it into the student -> chapter -> notebook view the
planner (:mod:`course.grading.plan`) already understands. ``--roster`` reads
the class list the LMS exports, and ``--lms canvas|moodle`` writes the CSV
its gradebook imports (:func:`export_gradebook`). Files that match no
chapter or no student, older copies set aside, roster students without a
submission and students missing from the roster are listed in grades.json
(``"lms"``) and printed by the CLI; nothing is dropped silently.

The formats, from the LMSs' own code and documentation:

**Canvas download** (``lib/content_zipper.rb`` in instructure/canvas-lms,
``get_filename`` and ``add_upload_submission``): one flat zip; each uploaded
file is named ``{name}[_LATE]_{user id}_{attachment id}_{file name}``, where
``name`` is the student's sortable name ("Doe, Jane") lower-cased with every
non-word character removed (``doejane``), ``LATE`` is inserted for a late
submission (older Canvas wrote ``late``), ``user id`` is the Canvas user ID
(the gradebook's ``ID`` column) and ``attachment id`` the file's ID. With
anonymous grading the prefix is ``anon_{anonymous id}`` instead of name and
user ID. Canvas renames a file the student uploads again under the same name
to ``01_mlp-1.ipynb``, ``01_mlp-2.ipynb``, ... (instructure/canvas-lms
issue #2406 shows such names: ``studenttest_3143_207797_zipsubmission.zip``).
Text entries and links come as ``{name}_{user id}_text.html`` /
``_link.html`` and are not notebooks.

**Canvas gradebook CSV** (``lib/gradebook_exporter.rb`` writes it, and
Canvas imports what it exports; Ohio State's guide "Import CSV File for
Carmen Grades" lists what the import needs): header ``Student, ID,
SIS User ID, SIS Login ID, Section`` then one column per assignment titled
``{title} ({assignment id})``; a second row ``    Points Possible`` gives
each assignment's points. The import identifies students by these columns
and assignments by the column title; a new title creates a new assignment.

**Moodle download** (``mod/assign/locallib.php``, ``download_submissions``):
each file is under ``{full name}_{participant id}_assignsubmission_file_/``
when "Download submissions in folders" is on (the default since Moodle 3.1),
or named ``{full name}_{participant id}_assignsubmission_file_{file name}``
when it is off. Underscores in the name become spaces; with blind marking
the name is ``Participant``. The participant id is the number of the grading
worksheet's ``Identifier`` ("Participant 123456"), and it is per assignment.

**Moodle grading worksheet** (``mod/assign/gradingtable.php`` writes it,
``mod/assign/feedback/offline/importgradeslib.php`` reads it back, with the
headers of ``mod/assign/lang/en/assign.php``): columns
``Identifier, Full name, Email address, Status, Grade,
Maximum Grade, Grade can be changed, Last modified (submission),
Last modified (grade), Feedback comments``. The import needs
``Identifier``, ``Grade`` and ``Last modified (grade)`` (a grade changed in
Moodle after that time is kept unless the teacher ticks "Allow updating
records that have been modified more recently in Moodle than in the
spreadsheet"); the headers are in the language of the teacher's Moodle, and
this module reads and writes the English ones. One worksheet is one
assignment, so a Moodle export holds one chapter.

Chapters are found by their notebook's name inside the file name
(``01_mlp.ipynb``, ``01_mlp-1.ipynb``, ``01_mlp (2).ipynb``); when a student
has several files for one chapter the newest is graded (Canvas: the highest
attachment ID, then the highest ``-N``; Moodle: the zip's time stamp) and
the others are listed as set aside.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from course.files import atomic_write
from course.grading.options import GradeOptions, GradingError
from course.grading.plan import Submitted

# ----------------------------------------------------------------------------------------
# The downloads' file names
# ----------------------------------------------------------------------------------------

#: Canvas: ``doejane[_LATE]_1234_5678_01_mlp.ipynb`` (the name never holds ``_<digits>_``: Canvas removes it).
CANVAS_FILE = re.compile(r"^(?:(?P<name>.*?)_)?(?:(?P<late>late)_)?(?P<user>\d+)_(?P<attachment>\d+)_(?P<original>.+)$", re.IGNORECASE)
#: Canvas with anonymous grading: ``[LATE_]anon_x1y2z_5678_01_mlp.ipynb``.
CANVAS_ANONYMOUS = re.compile(r"^(?:(?P<late>late)_)?(?P<user>anon_[0-9A-Za-z]+)_(?P<attachment>\d+)_(?P<original>.+)$", re.IGNORECASE)
#: Canvas's renaming of a file uploaded again under the same name: ``01_mlp-1.ipynb``.
CANVAS_AGAIN = re.compile(r"-(?P<n>\d+)(?=\.[^.]*$)")
#: Moodle, "download submissions in folders": the folder ``Jane Doe_123456_assignsubmission_file_``.
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_$")
#: Moodle, flat: ``Jane Doe_123456_assignsubmission_file_01_mlp.ipynb``.
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<original>.+)$")
#: Files an unzip or a desktop adds, which are nobody's submission.
JUNK = ("__MACOSX", ".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class LmsFile:
    """One file of a download, parsed: whose it is (LMS id and name), its original name, and how new it is.

    ``order`` sorts a student's files for one chapter oldest first.
    """

    path: str
    user: str
    name: str
    original: str
    late: bool = False
    order: tuple = ()


def parse_canvas(path: str) -> LmsFile | None:
    """Parse a Canvas download's file name (its folders are ignored); None if it is not one.

    Example:
        >>> parse_canvas("doejane_LATE_1234_5678_01_mlp-1.ipynb").user
        '1234'
    """
    base = path.rsplit("/", 1)[-1]
    match = CANVAS_ANONYMOUS.match(base) or CANVAS_FILE.match(base)
    if not match:
        return None
    again = CANVAS_AGAIN.search(match["original"])
    name = match.groupdict().get("name") or ""
    return LmsFile(path, match["user"], name or match["user"], match["original"], bool(match["late"]),
                   (int(match["attachment"]), int(again["n"]) if again else 0))


def parse_moodle(path: str, stamp: tuple = ()) -> LmsFile | None:
    """Parse a Moodle download's path (in folders, or flat); None if it is not one.

    Example:
        >>> parse_moodle("Jane Doe_123456_assignsubmission_file_/01_mlp.ipynb").name
        'Jane Doe'
    """
    parts = path.split("/")
    for depth, part in enumerate(parts[:-1]):
        match = MOODLE_FOLDER.match(part)
        if match:
            return LmsFile(path, match["user"], match["name"], "/".join(parts[depth + 1:]), False, (stamp, path))
    match = MOODLE_FILE.match(parts[-1])
    if match:
        return LmsFile(path, match["user"], match["name"], match["original"], False, (stamp, path))
    return None


def chapter_of(original: str, chapters: Iterable[str]) -> tuple[str | None, str]:
    """The chapter whose notebook name is in ``original`` (a file's name as the student uploaded it), or None and why.

    Example:
        >>> chapter_of("01_mlp-1.ipynb", ["01_mlp", "02_cnn"])
        ('01_mlp', '')
    """
    base = original.rsplit("/", 1)[-1]
    if not base.lower().endswith(".ipynb"):
        return None, "not a notebook (.ipynb)"
    found = [c for c in chapters if re.search(rf"(?<![A-Za-z0-9]){re.escape(c)}(?![A-Za-z0-9])", base, re.IGNORECASE)]
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, f"its name holds several chapters ({', '.join(found)})"
    return None, f"its name holds no chapter's notebook name (expected one of {', '.join(f'{c}.ipynb' for c in chapters)})"


def _slug(text: str) -> str:
    """A name that is safe as a folder name (``feedback/<student>/``): runs of other characters become ``-``."""
    return re.sub(r"[^\w.-]+", "-", text).strip("-.") or "student"


def canvas_file_name(sortable_name: str) -> str:
    """The name part Canvas gives a student's files, from the gradebook's ``Student`` ("Doe, Jane" -> "doejane")."""
    name = re.sub(r"_(\d+)_", r"\1", sortable_name).lower()
    return re.sub(r"[^\w]", "", name)


# ----------------------------------------------------------------------------------------
# The roster: the LMS's own CSV of the class
# ----------------------------------------------------------------------------------------

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_WORKSHEET = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
                    "Last modified (submission)", "Last modified (grade)", "Feedback comments")
#: Columns a roster must have, per LMS.
ROSTER_REQUIRED = {"canvas": ("Student", "ID"), "moodle": ("Identifier", "Full name")}
#: Columns a folder name is looked up in (``--layout folders --roster``), per LMS.
ROSTER_LOOKUP = {"canvas": ("ID", "SIS User ID", "SIS Login ID", "Student"), "moodle": ("Identifier", "Email address", "ID number", "Full name")}


@dataclass
class Roster:
    """An LMS's class list: its header, one row per student (by LMS id), and Canvas's points-possible row.

    ``ids`` maps the id in the download's file names (Canvas user ID, Moodle
    participant id) to the row.
    """

    lms: str
    path: str
    header: list[str]
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    points: dict[str, str] = field(default_factory=dict)

    def key_name(self, user: str) -> str:
        """The name this student's files carry in a download (to name students with no file the same way)."""
        row = self.ids[user]
        return canvas_file_name(row["Student"]) if self.lms == "canvas" else row["Full name"]

    def lookup(self, text: str) -> str | None:
        """The LMS id of the one row whose identity columns hold ``text`` (a folder's name), else None."""
        wanted = text.strip().casefold()
        found = {user for user, row in self.ids.items()
                 if any((row.get(column) or "").strip().casefold() in (wanted, f"participant {wanted}") for column in ROSTER_LOOKUP[self.lms])}
        return found.pop() if len(found) == 1 else None


def load_roster(path: str | Path, lms: str) -> Roster:
    """Read a Canvas gradebook export or a Moodle grading worksheet; :class:`GradingError` names what is wrong.

    Example:
        >>> load_roster("gradebook.csv", "canvas").ids["1234"]["SIS Login ID"]   # doctest: +SKIP
        'jdoe'
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # Canvas may start its export with a byte-order mark
    except (OSError, UnicodeDecodeError) as error:
        raise GradingError(f"--roster {path}: cannot read it as UTF-8 text ({error}).") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h for h in (reader.fieldnames or [])]
    missing = [c for c in ROSTER_REQUIRED[lms] if c not in header]
    if missing:
        what = "the Canvas gradebook export" if lms == "canvas" else "the Moodle grading worksheet (in English)"
        raise GradingError(f"--roster {path} must be {what} with the columns {', '.join(ROSTER_REQUIRED[lms])}; "
                           f"got the columns {header or 'none'}, without {', '.join(missing)}.")
    roster = Roster(lms, str(path), header)
    for row in reader:
        row = {k: (v or "") for k, v in row.items() if k is not None}
        if lms == "canvas":
            if row["Student"].strip() == "Points Possible":
                roster.points = row
            elif row["ID"].strip().isdigit():  # skips the row Canvas adds for muted assignments
                roster.ids[row["ID"].strip()] = row
        else:
            match = re.search(r"(\d+)\s*$", row["Identifier"])
            if match:
                roster.ids[match.group(1)] = row
    return roster


# ----------------------------------------------------------------------------------------
# The view the planner reads
# ----------------------------------------------------------------------------------------


def _entries(source: Path) -> list[tuple[str, tuple, object]]:
    """``(path inside the download, time stamp, how to read it)`` for every file of a zip or folder, junk skipped."""
    def junk(name: str) -> bool:
        return any(part in JUNK or part.startswith(".") for part in name.split("/"))

    if source.is_file():
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise GradingError(f"{source} is not a zip file nor a folder ({error}); give the LMS's download or the folder it was extracted to.") from None
        with archive:
            infos = [info for info in archive.infolist() if not info.is_dir() and not junk(info.filename)]
        return [(info.filename, info.date_time, _zip_reader(source, info.filename)) for info in infos]
    if not source.is_dir():
        raise GradingError(f"{source} does not exist; give the LMS's download (a .zip) or the folder it was extracted to.")
    files = sorted(p for p in source.rglob("*") if p.is_file() and not junk(p.relative_to(source).as_posix()))
    return [(p.relative_to(source).as_posix(), (p.stat().st_mtime,), p.read_bytes) for p in files]


def _zip_reader(archive: Path, name: str):
    def read() -> bytes:
        with zipfile.ZipFile(archive) as opened:
            return opened.read(name)
    return read


class DownloadView:
    """An LMS download (or, with ``--roster``, our folders) as the planner sees it: students, their chapters, a file each.

    ``intake`` is what grades.json records under ``"lms"``: each student's
    LMS identity and graded files, and every file or student left aside.
    """

    noun = "student"

    def __init__(self, students: dict[str, dict], files: dict[tuple[str, str], Submitted], intake: dict, where: str):
        self.students = sorted(students)
        self._files = files
        self.intake = intake
        self._where = where

    def chapters_of(self, student: str) -> set[str]:
        return {chapter for (who, chapter) in self._files if who == student}

    def find(self, student: str, chapter: str) -> Submitted | None:
        return self._files.get((student, chapter))

    def missing_reason(self, student: str, chapter: str) -> str:
        return f"no file for {chapter} from {student} in {self._where}."


def open_view(submissions: Path, options: GradeOptions, chapters: list[str]) -> DownloadView:
    """The planner's view of ``submissions`` for ``options.layout``, matched to ``options.roster`` if given.

    Args:
        submissions: the LMS's zip or its extracted folder (``--layout canvas|moodle``), or our
            folders (``--layout folders --roster``).
        options: the validated options.
        chapters: the chapter ids a file name may hold.
    """
    roster = load_roster(options.roster, options.roster_format()) if options.roster else None
    if options.layout == "folders":
        return _folders_view(submissions, roster, chapters)
    entries = _entries(submissions)
    intake = {"layout": options.layout, "source": str(submissions), "roster": roster.path if roster else None,
              "students": {}, "unmatched_files": [], "set_aside_files": [], "without_submission": [], "not_in_roster": []}
    chosen: dict[tuple[str, str], tuple[LmsFile, object]] = {}
    names: dict[str, str] = {}
    for path, stamp, read in entries:
        parsed = parse_canvas(path) if options.layout == "canvas" else parse_moodle(path, stamp)
        if parsed is None:
            intake["unmatched_files"].append({"file": path, "reason": f"its name is not one a {options.layout.title()} download gives"})
            continue
        names.setdefault(parsed.user, parsed.name)  # a student with no chapter notebook is still a student
        chapter, why = chapter_of(parsed.original, chapters)
        if chapter is None:
            intake["unmatched_files"].append({"file": path, "reason": why})
            continue
        previous = chosen.get((parsed.user, chapter))
        if previous is not None:
            older, newer = sorted([previous, (parsed, read)], key=lambda pair: pair[0].order)
            intake["set_aside_files"].append({"file": older[0].path, "chapter": chapter, "graded_instead": newer[0].path})
            chosen[(parsed.user, chapter)] = newer
        else:
            chosen[(parsed.user, chapter)] = (parsed, read)
    if not names and entries:
        other = "moodle" if options.layout == "canvas" else "canvas"
        hint = f" (is it a {other.title()} download? then --layout {other})" if any(
            (parse_moodle(p) if other == "moodle" else parse_canvas(p)) for p, _, _ in entries) else ""
        raise GradingError(f"--layout {options.layout}: no file in {submissions} is a chapter notebook named as a "
                           f"{options.layout.title()} download names it{hint}; see course.grading.lms for the formats.")
    users = set(names) | (set(roster.ids) if roster else set())
    keys = {user: _student_key(user, names.get(user) or roster.key_name(user)) for user in users}
    students = {keys[user]: user for user in users}
    files = {(keys[user], chapter): Submitted(item.path, read) for (user, chapter), (item, read) in chosen.items()}
    for user, key in sorted(keys.items(), key=lambda kv: kv[1]):
        row = roster.ids.get(user) if roster else None
        entry = {"id": user, "name": _display_name(row, names.get(user, "")),
                 "files": {chapter: item.path for (who, chapter), (item, _) in sorted(chosen.items()) if who == user},
                 "late": sorted(chapter for (who, chapter), (item, _) in chosen.items() if who == user and item.late)}
        intake["students"][key] = entry
        if roster and row is None:
            intake["not_in_roster"].append(key)
        if not entry["files"]:
            intake["without_submission"].append(key)
    return DownloadView(students, files, intake, f"the {options.layout.title()} download")


def _student_key(user: str, name: str) -> str:
    """The student's name in grades.csv and ``feedback/``: the download's name and LMS id (``doejane_1234``)."""
    if user.startswith("anon_") or name == user:
        return user
    return f"{_slug(name)}_{user}"


def _display_name(row: dict | None, fallback: str) -> str:
    """The roster's name for a student (Canvas: "Doe, Jane"; Moodle: "Jane Doe"), else the download's."""
    if row:
        return row.get("Student") or row.get("Full name") or fallback
    return fallback


def _folders_view(submissions: Path, roster: Roster, chapters: list[str]) -> DownloadView:
    """``--layout folders --roster``: our folders, each matched to a roster row by its name (an id, login, e-mail or name)."""
    from course.grading.plan import FolderView

    folders = FolderView(submissions)
    intake = {"layout": "folders", "source": str(submissions), "roster": roster.path, "students": {},
              "unmatched_files": [], "set_aside_files": [], "without_submission": [], "not_in_roster": []}
    files, students, matched = {}, {}, set()
    for folder in folders.students:
        user = roster.lookup(folder)
        students[folder] = user
        own = {chapter: folders.find(folder, chapter) for chapter in sorted(folders.chapters_of(folder) & set(chapters))}
        files.update({(folder, chapter): found for chapter, found in own.items() if found})
        if user is None:
            intake["not_in_roster"].append(folder)
        else:
            matched.add(user)
        intake["students"][folder] = {"id": user, "name": _display_name(roster.ids.get(user or ""), folder),
                                      "files": {chapter: found.label for chapter, found in own.items() if found}, "late": []}
        if not intake["students"][folder]["files"]:
            intake["without_submission"].append(folder)
    for user in sorted(set(roster.ids) - matched):
        key = _student_key(user, roster.key_name(user))
        students[key] = user
        intake["students"][key] = {"id": user, "name": _display_name(roster.ids[user], key), "files": {}, "late": []}
        intake["without_submission"].append(key)
    view = DownloadView(students, files, intake, str(submissions))
    view.noun = "folder"
    return view


def describe_intake(intake: dict | None) -> list[str]:
    """Lines for the teacher: what of the download was not graded, and who has no submission or no roster row."""
    if not intake:
        return []
    lines = []
    for item in intake["unmatched_files"]:
        lines.append(f"not graded: {item['file']}: {item['reason']}.")
    for item in intake["set_aside_files"]:
        lines.append(f"set aside: {item['file']} (an older {item['chapter']}; graded {item['graded_instead']}).")
    for key in intake["without_submission"]:
        lines.append(f"no submission: {key} ({intake['students'][key]['name']}) handed in no chapter notebook.")
    for key in intake["not_in_roster"]:
        lines.append(f"not in the roster: {key}; graded, but left out of the gradebook CSV.")
    return lines


# ----------------------------------------------------------------------------------------
# Gradebook exports
# ----------------------------------------------------------------------------------------


def gradebook_path(options: GradeOptions, out: str | Path) -> Path:
    """Where ``--lms`` writes: ``--lms-out``, else ``--out`` named ``<stem>.<lms>.csv`` (grades.canvas.csv)."""
    out = Path(out)
    return Path(options.lms_out) if options.lms_out else out.with_name(f"{out.stem}.{options.lms}.csv")


def check_export(options: GradeOptions, chapters: list[str]) -> None:
    """Refuse, before any notebook runs, an export that cannot be written for these chapters."""
    unknown = sorted(set(options.lms_columns) - set(chapters))
    if unknown:
        raise GradingError(f"--lms-column {unknown[0]}: not a chapter graded in this run; expected one of {', '.join(chapters)}.")
    if options.lms == "moodle" and len(chapters) != 1:
        raise GradingError(f"--lms moodle: a Moodle grading worksheet holds one assignment, but this run grades {len(chapters)} chapters "
                           f"({', '.join(chapters)}); grade one chapter per worksheet with --only.")


def _number(x: float) -> str:
    return f"{round(x, 2):g}"


def _lms_max(value: str | None, fallback: float) -> float:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        number = None
    return number if number and number > 0 else fallback


def export_gradebook(data: dict, options: GradeOptions, out: str | Path, now: datetime | None = None) -> Path:
    """Write the gradebook CSV ``options.lms`` imports from the grades document; return its path.

    Points are scaled to the LMS's maximum when the roster gives one (Canvas:
    the column's ``Points Possible``; Moodle: ``Maximum Grade``). A chapter
    with no submission is left empty (Canvas) or the student's row left out
    (Moodle), so the LMS keeps what it has; students not in the roster are
    left out (they are listed in grades.json).

    Args:
        data: the grades JSON (:func:`course.grading.outputs.document`) with its ``"lms"`` intake.
        options: ``lms``, ``roster``, ``lms_columns``, ``lms_out``.
        out: the grades CSV (the export goes next to it by default).
        now: the time written as Moodle's ``Last modified (grade)`` (default: now, UTC).
    """
    roster = load_roster(options.roster, options.lms) if options.roster else None
    intake = data.get("lms")
    if not intake:
        raise GradingError(f"--lms {options.lms}: these grades carry no LMS identities; grade with --layout {options.lms} or --roster.")
    check_export(options, list(data["chapters"]))
    render = _render_canvas if options.lms == "canvas" else _render_moodle
    path = gradebook_path(options, out)
    atomic_write(path, render(data, intake, roster, options, now or datetime.now(timezone.utc)))
    return path


def _exported(data: dict, intake: dict, roster: Roster | None) -> list[tuple[str, str, dict | None]]:
    """``(student, LMS id, roster row)`` of the students the gradebook gets: in the roster (if any), with a submission."""
    chosen = []
    for student, entry in sorted(data["students"].items()):
        user = intake["students"].get(student, {}).get("id")
        row = roster.ids.get(user) if roster and user else None
        if user is None or (roster and row is None) or (intake["layout"] != "moodle" and roster is None and not user.isdigit()):
            continue  # not in the roster, or anonymous (Canvas's anon_ ids are no gradebook IDs)
        if all(record["status"] == "missing" for record in entry["chapters"].values()):
            continue
        chosen.append((student, user, row))
    return chosen


def _render_canvas(data: dict, intake: dict, roster: Roster | None, options: GradeOptions, now: datetime) -> str:
    columns = {chapter: options.lms_columns.get(chapter, chapter) for chapter in data["chapters"]}
    maxima = {chapter: _lms_max(roster.points.get(columns[chapter]) if roster else None, meta["max_points"])
              for chapter, meta in data["chapters"].items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(CANVAS_IDENTITY) + list(columns.values()))
    writer.writerow(["    Points Possible", "", "", "", ""] + [_number(maxima[c]) for c in columns])
    for student, user, row in _exported(data, intake, roster):
        row = row or {}
        cells = []
        for chapter, meta in data["chapters"].items():
            record = data["students"][student]["chapters"][chapter]
            cells.append("" if record["status"] == "missing" else _number(record["total"] / meta["max_points"] * maxima[chapter] if meta["max_points"] else 0))
        name = row.get("Student") or intake["students"][student]["name"]
        writer.writerow([name, user, row.get("SIS User ID", ""), row.get("SIS Login ID", ""), row.get("Section", "")] + cells)
    return buffer.getvalue()


def _render_moodle(data: dict, intake: dict, roster: Roster | None, options: GradeOptions, now: datetime) -> str:
    (chapter, meta), = data["chapters"].items()
    header = list(roster.header) if roster else ["Identifier", "Full name"]
    header += [c for c in ("Grade", "Maximum Grade", "Last modified (grade)") if c not in header]
    stamp = now.astimezone(timezone.utc).replace(microsecond=0).isoformat()  # PHP's strtotime reads ISO 8601 with its offset
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for student, user, row in _exported(data, intake, roster):
        out = dict(row or {"Identifier": f"Participant {user}", "Full name": intake["students"][student]["name"]})
        maximum = _lms_max(out.get("Maximum Grade"), meta["max_points"])
        total = data["students"][student]["chapters"][chapter]["total"]
        out.update({"Grade": _number(total / meta["max_points"] * maximum if meta["max_points"] else 0),
                    "Maximum Grade": _number(maximum), "Last modified (grade)": stamp})
        writer.writerow(out)
    return buffer.getvalue()
