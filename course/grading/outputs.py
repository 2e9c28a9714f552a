"""Stage 4, write: grades.csv, grades.json, one Markdown feedback file per student and chapter; merging shards.

Every file is written atomically (a temporary file, then ``os.replace``), and
only once the whole batch is graded, so an interrupted run leaves the
previous grades intact.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from course.files import atomic_write
from course.grading.options import GradingError

FORMAT = "course-grades/1"


@dataclass(frozen=True)
class Destinations:
    """Where one run writes: the CSV, the JSON, the feedback folder and the result cache."""

    csv: Path
    json: Path
    feedback: Path
    cache: Path

    @classmethod
    def of(cls, out: str | Path, json_out: str | Path | None = None, feedback_dir: str | Path | None = None,
           cache_dir: str | Path | None = None) -> "Destinations":
        """Defaults: ``out`` with ``.json``, ``feedback/`` and ``.course-grade-cache/`` next to ``out``."""
        out = Path(out)
        return cls(
            out,
            Path(json_out) if json_out else out.with_suffix(".json"),
            Path(feedback_dir) if feedback_dir else out.parent / "feedback",
            Path(cache_dir) if cache_dir else out.parent / ".course-grade-cache",
        )


def document(mode: str, shard: tuple[int, int] | None, meta: dict, records: dict[str, dict], intake: dict | None = None) -> dict:
    """The grades JSON: per student, per chapter the record, with totals (``records``: student -> chapter -> record).

    ``intake`` (an LMS download or a roster, :mod:`course.grading.lms`) is kept under ``"lms"``:
    each student's LMS identity, and every file or student that was not graded.
    """
    max_total = float(sum(m["max_points"] for m in meta.values()))
    data = {
        "format": FORMAT,
        "mode": mode,
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "chapters": meta,
        "max_total": sum(m["max_points"] for m in meta.values()),
        "students": {
            student: {
                "chapters": {c: chapters[c] for c in meta},
                "total": float(sum(chapters[c]["total"] for c in meta)),
                "max_total": max_total,
            }
            for student, chapters in records.items()
        },
    }
    if intake is not None:
        data["lms"] = intake
    return data


def csv_columns(data: dict) -> list[str]:
    """Columns of grades.csv: student, per chapter its exercises, status and total, then total and max_total."""
    columns = ["student"]
    for chapter, meta in data["chapters"].items():
        columns += [f"{chapter}:{name}" for name in meta["exercises"]] + [f"{chapter}:status", f"{chapter}:total"]
    return columns + ["total", "max_total"]


def _number(x: float) -> str:
    return f"{x:g}"


def render_csv(data: dict) -> str:
    """grades.csv: one row per student (sorted), points per exercise, status and total per chapter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns(data))
    for student, entry in sorted(data["students"].items()):
        row = [student]
        for chapter, meta in data["chapters"].items():
            record = entry["chapters"][chapter]
            row += [_number(record["exercises"][name]["points"]) for name in meta["exercises"]]
            row += [record["status"], _number(record["total"])]
        writer.writerow(row + [_number(entry["total"]), _number(entry["max_total"])])
    return buffer.getvalue()


def render_feedback(student: str, chapter: str, record: dict) -> str:
    """One student's Markdown feedback for one chapter: per exercise, passed or the checker's message."""
    lines = [f"# {chapter}: feedback for {student}", "", f"**Points: {_number(record['total'])} / {_number(record['max_total'])}** (status: {record['status']})", ""]
    if record.get("message"):
        lines += [f"Note: {record['message']}", ""]
    for name, entry in record["exercises"].items():
        verdict = "passed" if entry["status"] == "passed" else entry["message"]
        if entry["status"] == "passed" and entry["message"]:
            verdict = f"passed ({entry['message']})"
        lines.append(f"- **{name}** ({_number(entry['points'])}/{_number(entry['max_points'])}): {verdict}")
    if record.get("notes"):
        lines += ["", "While running your notebook:"] + [f"- {note}" for note in record["notes"]]
    return "\n".join(lines) + "\n"


def write_outputs(data: dict, destinations: Destinations) -> None:
    """Write feedback files, the JSON and the CSV, each atomically (the CSV last)."""
    for student, entry in data["students"].items():
        for chapter, record in entry["chapters"].items():
            atomic_write(destinations.feedback / student / f"{chapter}.md", render_feedback(student, chapter, record))
    atomic_write(destinations.json, json.dumps(data, indent=1))
    atomic_write(destinations.csv, render_csv(data))


def merge(json_paths: Iterable[str | Path], out: str | Path, json_out: str | Path | None = None, feedback_dir: str | Path | None = None) -> dict:
    """Merge the JSON files of several shards into one grades CSV + JSON (+ feedback).

    The shards must have graded the same chapters with the same configuration;
    a student may appear in only one shard.
    """
    merged: dict | None = None
    for path in json_paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise GradingError(f"--merge: cannot read {path}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise GradingError(f"--merge: {path} is not a grades JSON written by `course grade`.")
        if merged is None:
            merged = {**data, "shard": None, "students": dict(data["students"])}
            continue
        if data["chapters"] != merged["chapters"] or data["mode"] != merged["mode"]:
            raise GradingError(f"--merge: {path} graded other chapters, points, mode or checker versions than the first file; grade all shards with the same command.")
        twice = sorted(set(data["students"]) & set(merged["students"]))
        if twice:
            raise GradingError(f"--merge: students {twice[:5]} appear in more than one file; were two shards given the same index?")
        merged["students"].update(data["students"])
    if merged is None:
        raise GradingError("--merge: give at least one JSON file.")
    merged["students"] = dict(sorted(merged["students"].items()))
    write_outputs(merged, Destinations.of(out, json_out, feedback_dir))
    return merged
