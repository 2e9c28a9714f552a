"""Stage 4, write: grades.csv, grades.json, one Markdown feedback file per student and chapter; merging shards.

Every file is written atomically (a temporary file, then ``os.replace``), and
only once the whole batch is graded, so an interrupted run leaves the
previous grades intact.
"""

from __future__ import annotations

import collections
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from course.files import atomic_write
from course.grading.options import GradingError
from course.translation import N_, speaking, tr

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


def exercise_statistics(data: dict) -> dict:
    """Per chapter and exercise: how many of the submitted notebooks passed it, and its most common failure.

    Students without the chapter's notebook (status "missing") are left out. A
    message is counted with its case descriptions and values masked, so the same
    mistake on different random cases counts once.

    Example:
        >>> stats = exercise_statistics(data)                              # doctest: +SKIP
        >>> stats["01_mlp"]["softmax"]                                     # doctest: +SKIP
        {'submitted': 30, 'passed': 21, 'pass_rate': 0.7, 'mean_points': 1.4, 'max_points': 2.0,
         'common_failure': 'this case: wrong value ... (overflow)', 'common_failure_count': 6}
    """
    from course.grading.judge import hide_expected

    statistics: dict = {}
    for chapter, meta in data["chapters"].items():
        records = [entry["chapters"][chapter] for entry in data["students"].values()]
        records = [r for r in records if r["status"] != "missing"]
        chapter_stats = statistics.setdefault(chapter, {})
        for name in meta["exercises"]:
            entries = [r["exercises"][name] for r in records]
            passed = sum(e["status"] == "passed" for e in entries)
            failures = collections.Counter(hide_expected(e["message"]) for e in entries if e["status"] != "passed" and e["message"])
            common, count = failures.most_common(1)[0] if failures else ("", 0)
            chapter_stats[name] = {
                "submitted": len(entries), "passed": passed,
                "pass_rate": round(passed / len(entries), 3) if entries else None,
                "mean_points": round(sum(e["points"] for e in entries) / len(entries), 3) if entries else None,
                "max_points": meta["points"][name] if "points" in meta else (entries[0]["max_points"] if entries else None),
                "common_failure": common, "common_failure_count": count,
            }
    return statistics


def render_statistics(statistics: dict, width: int = 70) -> str:
    """The statistics as a plain-text table, the hardest exercise of each chapter first."""
    lines = []
    for chapter, exercises in statistics.items():
        lines.append(f"{chapter}: exercise, passed / submitted, most common failure")
        for name, s in sorted(exercises.items(), key=lambda item: (item[1]["pass_rate"] if item[1]["pass_rate"] is not None else 2, item[0])):
            failure = s["common_failure"]
            failure = (failure[: width - 3] + "...") if len(failure) > width else failure
            failure = f"{s['common_failure_count']} x {failure}" if failure else ""
            lines.append(f"  {name:24s} {s['passed']:>3d} / {s['submitted']:<3d} {failure}")
    return "\n".join(lines) + ("\n" if lines else "")


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
    data["statistics"] = exercise_statistics(data)
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


#: The notebook statuses a feedback file names, marked for the message catalogue.
_RECORD_STATUSES = (N_("graded"), N_("missing"), N_("invalid"), N_("timeout"), N_("crashed"))


def render_feedback(student: str, chapter: str, record: dict) -> str:
    """One student's Markdown feedback for one chapter: per exercise, passed or the checker's message.

    Written in the notebook's language (``record["lang"]``, English when absent):
    the title, the points line, the status words and the notes' heading.
    """
    with speaking(record.get("lang", "en")):
        lines = [tr("# {chapter}: feedback for {student}", chapter=chapter, student=student), "",
                 tr("**Points: {points} / {max_points}** (status: {status})", points=_number(record["total"]),
                    max_points=_number(record["max_total"]), status=tr(record["status"])), ""]
        if record.get("message"):
            lines += [tr("Note: {message}", message=record["message"]), ""]
        for name, entry in record["exercises"].items():
            verdict = tr("passed") if entry["status"] == "passed" else entry["message"]
            if entry["status"] == "passed" and entry["message"]:
                verdict = tr("passed ({message})", message=entry["message"])
            lines.append(tr("- **{name}** ({points}/{max_points}): {verdict}", name=name, points=_number(entry["points"]),
                            max_points=_number(entry["max_points"]), verdict=verdict))
        if record.get("notes"):
            lines += ["", tr("While running your notebook:")] + [f"- {note}" for note in record["notes"]]
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
    merged["statistics"] = exercise_statistics(merged)
    write_outputs(merged, Destinations.of(out, json_out, feedback_dir))
    return merged
