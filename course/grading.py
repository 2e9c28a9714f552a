"""``course grade``: grade a classroom's notebooks with the chapters' own checkers.

    course grade SUBMISSIONS --out grades.csv [--config grading.toml] [--only 01_mlp]
                 [--students a,b] [--jobs N] [--shard i/n] [--full] ...
    course grade --merge shard0.json shard1.json --out grades.csv

``SUBMISSIONS`` holds one folder per student with any chapter notebooks under
their usual names (``alice/01_mlp.ipynb``). For each notebook the grader

1. reads it (an old nbformat is upgraded; not JSON, not a notebook or an
   empty file gives the status ``invalid``);
2. executes it top to bottom with nbclient in a fresh kernel, CI-sized unless
   ``--full``, in a throw-away copy folder, with per-cell and per-notebook time
   limits, a memory watchdog and a cap on stored output
   (:mod:`course.grading_worker`);
3. exports each exercise's answer (the function the student defined) with
   cloudpickle, and calls it in a fresh worker process on test inputs the
   grader made (a seed it picks, plus the teacher's hidden extra seeds);
4. judges the plain-data outcomes here, in the grader's own process, which
   learner code never reaches: patching ``course`` or printing "passed" in the
   notebook changes nothing.

It writes ``grades.csv`` (one row per student), ``grades.json`` (the same plus
every checker message) and one Markdown feedback file per student and
chapter, each atomically (a temporary file, then ``os.replace``). Results are
cached by notebook content + grader configuration + course version, so a
second run only grades what changed (or, with ``--retry-failed``, what timed
out or crashed) and an interrupted run resumes.

Teacher's configuration (TOML, kept out of the students' folders)::

    [grader]
    seed = 2026                 # base of the per-notebook random test cases

    [01_mlp]                    # defaults for every exercise of the chapter
    extra_seeds = [101, 102]

    [01_mlp.softmax]            # one exercise
    points = 2
    extra_seeds = [7, 8]        # hidden cases: make_inputs(default_rng(7)), ...

Feedback for a hidden case says only "hidden case k failed: <what is wrong>",
with expected values removed.
"""

from __future__ import annotations

import concurrent.futures
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from course.files import atomic_write
from course.grading_worker import CRASHED, GRADED, INVALID, MISSING, TIMEOUT, OutcomeFormatError, decode_outcomes, load_checks_module

FORMAT = "course-grades/1"
#: Statuses of one exercise in the JSON and the feedback, beyond the checker's own
#: ("passed", "failed", "not done", "error").
NOT_FOUND, NOT_GRADED = "not found", "not graded"
#: Statuses whose cached result ``--retry-failed`` grades again.
RETRY_STATUSES = (TIMEOUT, CRASHED)
DEFAULT_LIMITS = {"ci": (180, 900), "full": (3600, 4 * 3600)}  # (per cell, per notebook) seconds


class GradingError(ValueError):
    """A problem with the grader's input (options, config, folders): the message says what to fix."""


# ----------------------------------------------------------------------------------------
# Teacher's configuration
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseSettings:
    """What the teacher set for one exercise (None: the checker's default)."""

    points: float | None = None
    extra_seeds: tuple[int, ...] | None = None


@dataclass
class GraderConfig:
    """The teacher's TOML file: a base seed, and points and hidden seeds per chapter or exercise.

    Example:
        >>> config = GraderConfig.from_dict({"01_mlp": {"softmax": {"points": 2, "extra_seeds": [7]}}})
        >>> config.settings("01_mlp", "softmax")
        ExerciseSettings(points=2.0, extra_seeds=(7,))
    """

    seed: int = 20261122
    chapters: dict[str, ExerciseSettings] = field(default_factory=dict)
    exercises: dict[tuple[str, str], ExerciseSettings] = field(default_factory=dict)
    source: str = "(defaults)"

    @classmethod
    def load(cls, path: str | Path) -> "GraderConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise GradingError(f"config file {path} does not exist.") from None
        except tomllib.TOMLDecodeError as error:
            raise GradingError(f"{path} is not valid TOML: {error}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "(dict)") -> "GraderConfig":
        config = cls(source=source)
        for key, value in data.items():
            if not isinstance(value, dict):
                raise GradingError(f"{source}: top-level key {key!r} must be a table like [grader] or [01_mlp].")
            if key == "grader":
                unknown = set(value) - {"seed"}
                if unknown:
                    raise GradingError(f"{source}: [grader] has unknown keys {sorted(unknown)}; it knows only 'seed'.")
                if "seed" in value:
                    if not isinstance(value["seed"], int) or isinstance(value["seed"], bool) or value["seed"] < 0:
                        raise GradingError(f"{source}: [grader] seed must be a non-negative integer; got {value['seed']!r}.")
                    config.seed = value["seed"]
                continue
            defaults = {k: v for k, v in value.items() if not isinstance(v, dict)}
            config.chapters[key] = _settings(defaults, f"{source}: [{key}]")
            for name, table in value.items():
                if isinstance(table, dict):
                    config.exercises[(key, name)] = _settings(table, f"{source}: [{key}.{name}]")
        return config

    def settings(self, chapter: str, exercise: str) -> ExerciseSettings:
        """The effective settings of one exercise: its own table, else its chapter's, else defaults."""
        own = self.exercises.get((chapter, exercise), ExerciseSettings())
        chapter_defaults = self.chapters.get(chapter, ExerciseSettings())
        return ExerciseSettings(
            points=own.points if own.points is not None else chapter_defaults.points,
            extra_seeds=own.extra_seeds if own.extra_seeds is not None else chapter_defaults.extra_seeds,
        )

    def validate(self, chapters: dict[str, list[str]]) -> None:
        """Check every chapter and exercise the config names exists (``chapters``: id -> exercise names)."""
        for chapter in self.chapters:
            if chapter not in chapters:
                raise GradingError(f"{self.source}: [{chapter}] is not a chapter with checkers; known: {sorted(chapters)}.")
        for chapter, name in self.exercises:
            if chapter not in chapters:
                raise GradingError(f"{self.source}: [{chapter}.{name}]: {chapter!r} is not a chapter with checkers; known: {sorted(chapters)}.")
            if name not in chapters[chapter]:
                raise GradingError(f"{self.source}: [{chapter}.{name}]: chapter {chapter} has no exercise {name!r}; its exercises are {chapters[chapter]}.")


def _settings(table: dict, where: str) -> ExerciseSettings:
    unknown = set(table) - {"points", "extra_seeds"}
    if unknown:
        raise GradingError(f"{where} has unknown keys {sorted(unknown)}; expected 'points' and/or 'extra_seeds'.")
    points = table.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0):
        raise GradingError(f"{where}: points must be a non-negative number; got {points!r}.")
    seeds = table.get("extra_seeds")
    if seeds is not None:
        if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
            raise GradingError(f"{where}: extra_seeds must be a list of non-negative integers; got {seeds!r}.")
        seeds = tuple(seeds)
    return ExerciseSettings(None if points is None else float(points), seeds)


# ----------------------------------------------------------------------------------------
# Options
# ----------------------------------------------------------------------------------------


@dataclass
class GradeOptions:
    """How ``course grade`` runs. Every field has a CLI option of the same name.

    Attributes:
        mode: run size of the kernels, workers and judges: "ci" (default) or "full".
        cell_timeout: seconds one cell may run (default 180 in ci, 3600 in full);
            also the limit for checking one exercise.
        notebook_timeout: seconds a whole notebook may run (default 900 / 14400);
            the checks get a budget of the same size.
        export_timeout: seconds the export step may take after the last cell.
        memory_mb: resident memory a kernel or checks worker may use before it is killed.
        max_output_mb: output stored per notebook (the rest is dropped).
        max_notebook_mb: larger files are ``invalid``.
        jobs: notebooks graded in parallel (default: number of cores).
        only: chapters to grade ("01" or "01_mlp"); default: every chapter anyone submitted.
        students: student folders to grade; default: all.
        shard: ``(i, n)``: grade only students ``i, i+n, i+2n, ...`` of the sorted list (0 <= i < n).
        cache_dir: where results are cached (default: ``.course-grade-cache`` next to the output).
        use_cache: read cached results (they are always written).
        retry_failed: grade again notebooks whose cached status is timeout or crashed.
        checks: chapter id -> checker module (``course.checks.ch01_mlp``) or ``.py`` file,
            overriding ``course.checks.CHAPTER_MODULES`` (extra chapters, tests).
        config: the teacher's :class:`GraderConfig`.
        executed_dir: if set, executed notebooks are saved as ``DIR/<student>/<chapter>.ipynb``.
        temp_dir: where the throw-away folders go (kernel working copies, workers); default: the system's.
    """

    mode: str = "ci"
    cell_timeout: float | None = None
    notebook_timeout: float | None = None
    export_timeout: float = 120
    memory_mb: float = 4096
    max_output_mb: float = 1.0
    max_notebook_mb: float = 50
    jobs: int | None = None
    only: list[str] | None = None
    students: list[str] | None = None
    shard: tuple[int, int] | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    retry_failed: bool = False
    checks: dict[str, str] = field(default_factory=dict)
    config: GraderConfig = field(default_factory=GraderConfig)
    kernel_name: str = "python3"
    executed_dir: Path | None = None
    temp_dir: Path | None = None

    def limits(self) -> tuple[float, float]:
        cell, notebook = DEFAULT_LIMITS[self.mode]
        return (self.cell_timeout or cell, self.notebook_timeout or notebook)


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"i/n"`` (0 <= i < n), e.g. ``"0/4"``; a Kubernetes indexed Job passes ``$JOB_COMPLETION_INDEX/4``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise GradingError(f"--shard {text!r}: expected i/n with 0 <= i < n, e.g. 0/4.")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise GradingError(f"--shard {text!r}: the index must be between 0 and n-1 (got {index} of {count}).")
    return index, count


# ----------------------------------------------------------------------------------------
# Chapters
# ----------------------------------------------------------------------------------------


@dataclass
class Chapter:
    """A chapter being graded: its checker module and exercises."""

    id: str
    reference: str  # module name or .py path
    exercises: list[Any]
    source_sha: str

    def points(self, config: GraderConfig) -> dict[str, float]:
        out = {}
        for exercise in self.exercises:
            override = config.settings(self.id, exercise.name).points
            out[exercise.name] = float(exercise.points if override is None else override)
        return out


def _known_chapters(options: GradeOptions) -> dict[str, str]:
    """Chapter id -> checks module: the registry's chapters (course.chapters), then ``--checks`` extras."""
    from course.chapters import CHAPTERS

    known = {chapter.id: chapter.checks for chapter in CHAPTERS}
    known.update(options.checks)
    return known


def _resolve_chapter(name: str, known: dict[str, str]) -> str:
    """A registry chapter as course.chapters.resolve names it, or an extra chapter of ``--checks`` by id or number."""
    from course.chapters import UnknownChapterError, resolve

    if name in known:
        return name
    try:
        return resolve(name)
    except UnknownChapterError:
        matches = [c for c in known if c.split("_")[0] == name]
        if len(matches) == 1:
            return matches[0]
    raise GradingError(f"--only {name!r}: no such chapter; expected one of {sorted(known)} (or its number, e.g. 01).")


def load_chapter(chapter: str, reference: str) -> Chapter:
    """Import a chapter's checkers; raise ImportError if they do not exist (yet)."""
    module = load_checks_module(reference)
    exercises = list(module.EXERCISES)
    source = Path(module.__file__).read_bytes() if getattr(module, "__file__", None) else b""
    return Chapter(chapter, reference if reference.endswith(".py") else module.__name__, exercises, hashlib.sha256(source).hexdigest())


def course_version(chapter: Chapter) -> str:
    """Version string that changes whenever the package, the grader or this chapter's checkers change."""
    from course import __version__
    from course.checks import core

    digest = hashlib.sha256()
    for path in (Path(core.__file__), Path(__file__), Path(__file__).with_name("grading_worker.py")):
        digest.update(path.read_bytes())
    digest.update(chapter.source_sha.encode())
    return f"{__version__}+{digest.hexdigest()[:12]}"


# ----------------------------------------------------------------------------------------
# Reading a submission
# ----------------------------------------------------------------------------------------


def read_submission(path: Path, max_mb: float = 50) -> tuple[Any | None, str]:
    """Read and validate a notebook (upgrading old nbformat versions).

    Returns ``(notebook, "")`` or ``(None, reason)`` with a reason a student can act on.
    """
    import nbformat

    size = path.stat().st_size
    if size == 0:
        return None, "the file is empty (was it saved?)."
    if size > max_mb * 2**20:
        return None, f"the file is {size / 2**20:.0f} MB; notebooks over {max_mb:g} MB are not graded (clear the outputs and save again)."
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text, so it is not a Jupyter notebook."
    if not text.strip():
        return None, "the file is empty (was it saved?)."
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except nbformat.reader.NotJSONError:
        return None, "the file is not valid JSON, so it is not a Jupyter notebook (was it renamed, or saved half-way?)."
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"the file is JSON but not a valid Jupyter notebook: {first[:200]}"
    return notebook, ""


# ----------------------------------------------------------------------------------------
# Judging (the grader's own process)
# ----------------------------------------------------------------------------------------

_EXPECTED = re.compile(
    r"\bexpected\s+(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\]|[-+]?(?:\d[\d_.]*|\.\d+)(?:e[-+]?\d+)?|[-+]?nan|[-+]?inf)",
    re.IGNORECASE,
)
_CASE = re.compile(r"\bcase \d+(?: \((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?")


def hide_expected(message: str) -> str:
    """Remove expected values (numbers, shapes, arrays) and case descriptions from a checker message.

    Example:
        >>> hide_expected("case 2 (arguments (3, 4)): wrong value at index (0, 1): expected 0.25, got 0.5 (3 of 12 values differ).")
        'this case: wrong value at index (0, 1): expected <hidden>, got 0.5 (3 of 12 values differ).'
    """
    message = _CASE.sub("this case", message)
    return _EXPECTED.sub("expected <hidden>", message)


def seed_for(config: GraderConfig, notebook_sha: str, exercise_id: str) -> int:
    """The seed of an exercise's public test cases: fixed per notebook content, unknown in advance."""
    digest = hashlib.sha256(f"{config.seed}:{notebook_sha}:{exercise_id}".encode()).hexdigest()
    return int(digest[:12], 16)


def _judge_set(exercise: Any, inputs: list, outcomes: list) -> Any:
    from course.checks.core import ERROR

    try:
        return exercise.judge(inputs, outcomes)
    except Exception as error:  # a checker bug must never look like the student's fault, nor crash the batch
        print(f"warning: the checker of {exercise.id} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return exercise.result(False, f"the checker itself failed ({type(error).__name__}: {error}); please tell your teacher.", ERROR)


def judge_exercise(exercise: Any, points: float, input_sets: list[list], outcome_sets: list[list]) -> dict:
    """Judge the public set, then each hidden set; return the exercise's record."""
    from course.checks.core import PASSED

    public = _judge_set(exercise, input_sets[0], outcome_sets[0] if outcome_sets else [])
    if not public.passed:
        return {"points": 0.0, "max_points": points, "status": public.status, "message": public.message}
    hidden = len(input_sets) - 1
    for k in range(1, hidden + 1):
        outcomes = outcome_sets[k] if k < len(outcome_sets) else []
        result = _judge_set(exercise, input_sets[k], outcomes)
        if not result.passed:
            return {"points": 0.0, "max_points": points, "status": result.status, "message": f"hidden case {k} failed: {hide_expected(result.message)}"}
    message = public.message + (f" Hidden cases: {hidden} of {hidden} passed." if hidden else "")
    return {"points": points, "max_points": points, "status": PASSED, "message": message}


# ----------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------


def _blank_record(chapter: Chapter, points: dict[str, float], status: str, message: str, exercise_status: str, exercise_message: str) -> dict:
    return {
        "status": status,
        "message": message,
        "notes": [],
        "exercises": {
            e.name: {"points": 0.0, "max_points": points[e.name], "status": exercise_status, "message": exercise_message}
            for e in chapter.exercises
        },
        "total": 0.0,
        "max_total": sum(points.values()),
    }


def _finish(record: dict) -> dict:
    record["total"] = float(sum(e["points"] for e in record["exercises"].values()))
    record["max_total"] = float(sum(e["max_points"] for e in record["exercises"].values()))
    return record


@dataclass
class _Job:
    students: list[str]
    chapter: Chapter
    path: Path
    notebook: Any
    notebook_sha: str
    key: str


def _build_record(job: _Job, options: GradeOptions, points: dict[str, float], input_sets: dict, input_errors: dict, job_dir: Path, result: dict | None, failure: str | None) -> dict:
    chapter = job.chapter
    if result is None:
        record = _blank_record(chapter, points, CRASHED, f"the grader could not grade this notebook ({failure}); run again with --retry-failed.", NOT_GRADED, "not graded: the grader failed on this notebook.")
        record["internal_error"] = True
        return record
    status, message = result.get("status", CRASHED), result.get("message", "")
    record = _blank_record(chapter, points, status, message, NOT_GRADED, "")
    record["notes"] = list(result.get("notes", []))[:10]
    record["seconds"] = result.get("seconds", {})
    exports, checks = result.get("exports", {}), result.get("checks", {})
    outcome_dir = job_dir / str(result.get("outcome_dir", "outcomes")).replace("/", "_")
    for exercise in chapter.exercises:
        entry = record["exercises"][exercise.name]
        export = exports.get(exercise.name)
        check = checks.get(exercise.name, {})
        if exercise.name in input_errors:
            entry.update(status="error", message=input_errors[exercise.name])
        elif export is None:
            if status == CRASHED:
                entry["message"] = "not graded: the notebook's kernel died before the answers could be collected."
            elif status == TIMEOUT:
                entry["message"] = "not graded: the notebook ran out of time before the answers could be collected."
            else:
                entry["message"] = "not graded."
        elif not export.get("found"):
            if status == TIMEOUT:
                entry.update(status=NOT_FOUND, message=f"not found: `{exercise.target}` was not defined before the notebook stopped (time limit).")
            elif export.get("error"):
                entry.update(status=NOT_FOUND, message=f"not found: {export['error']}.")
            else:
                entry.update(status=NOT_FOUND, message=f"not found: define `{exercise.target}` in the notebook.")
        elif export.get("error"):
            entry.update(status="error", message=f"`{exercise.target}` could not be copied out of the notebook for grading ({export['error']}); make it a plain function that does not hold open files, generators or threads.")
        elif check.get("state") != "done":
            entry.update(status=check.get("state", "error"), message=check.get("message", "not checked."))
            if check.get("state") in (TIMEOUT, CRASHED) and record["status"] == GRADED:
                record["status"] = check["state"]
                record["message"] = f"checking `{exercise.target}` failed: {check.get('message', '')}"
        else:
            try:
                outcome_sets = decode_outcomes(outcome_dir, exercise.name)
            except (OutcomeFormatError, OSError, ValueError) as error:
                entry.update(status="error", message=f"the results of `{exercise.target}` came back unreadable ({error}).")
                continue
            entry.update(judge_exercise(exercise, points[exercise.name], input_sets[exercise.name], outcome_sets))
    return _finish(record)


# ----------------------------------------------------------------------------------------
# Running jobs
# ----------------------------------------------------------------------------------------


class _Runner:
    """Starts job processes (``python -m course.grading_worker job``) and kills them on interrupt."""

    def __init__(self) -> None:
        self.running: dict[int, tuple[subprocess.Popen, Path]] = {}
        self.lock = threading.Lock()
        self.cancelled = False

    def run(self, spec: dict, inputs: dict, job_dir: Path, backstop: float) -> tuple[dict | None, str | None]:
        import cloudpickle

        if self.cancelled:
            return None, "cancelled"
        env = dict(os.environ)
        env["COURSE_MODE"] = spec["mode"]
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with open(job_dir / "job.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "course.grading_worker", "job"],
                stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=job_dir, env=env, start_new_session=True,
            )
        with self.lock:
            self.running[process.pid] = (process, job_dir)
        try:
            try:
                process.stdin.write(cloudpickle.dumps({"spec": spec, "inputs": inputs}))
                process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                process.wait(timeout=backstop)
            except subprocess.TimeoutExpired:
                self._kill(process, job_dir)
                return None, f"the job process ran past {backstop:.0f} s"
        finally:
            with self.lock:
                self.running.pop(process.pid, None)
        try:
            return json.loads((job_dir / "result.json").read_text(encoding="utf-8")), None
        except (OSError, ValueError):
            tail = (job_dir / "job.log").read_text(errors="replace")[-800:] if (job_dir / "job.log").exists() else ""
            return None, f"the job process exited with code {process.returncode}: {tail.strip()[-400:]}"

    def _kill(self, process: subprocess.Popen, job_dir: Path) -> None:
        from course.grading_worker import _kill_group_of

        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
        _kill_group_of(job_dir / "kernel.pid")

    def cancel_all(self) -> None:
        self.cancelled = True
        with self.lock:
            running = list(self.running.values())
        for process, job_dir in running:
            self._kill(process, job_dir)


@dataclass
class GradeReport:
    """What :func:`grade` did: the JSON document written, and how many notebooks ran vs came from the cache."""

    data: dict
    executed: int = 0
    cached: int = 0
    seconds: float = 0.0


def _config_sha(options: GradeOptions, chapter: Chapter, points: dict[str, float]) -> str:
    cell, notebook = options.limits()
    settings = {
        "seed": options.config.seed,
        "points": points,
        "extra_seeds": {e.name: list(options.config.settings(chapter.id, e.name).extra_seeds or ()) for e in chapter.exercises},
        "mode": options.mode,
        "limits": [float(x) for x in (cell, notebook, options.export_timeout, options.memory_mb, options.max_output_mb)],
        "checks": chapter.reference,
        "kernel": options.kernel_name,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def grade(
    submissions: str | Path,
    out: str | Path,
    options: GradeOptions | None = None,
    json_out: str | Path | None = None,
    feedback_dir: str | Path | None = None,
    progress: Callable[[str, str, dict, bool], None] | None = None,
) -> GradeReport:
    """Grade every student folder in ``submissions``; write grades CSV, JSON and feedback files.

    Args:
        submissions: folder with one sub-folder per student.
        out: the CSV to write (``grades.csv``).
        options: see :class:`GradeOptions`.
        json_out: the JSON to write (default: ``out`` with suffix ``.json``).
        feedback_dir: folder for ``<student>/<chapter>.md`` (default: ``feedback`` next to ``out``).
        progress: called in this thread as ``progress(student, chapter, record, cached)`` after each notebook.

    Returns:
        A :class:`GradeReport`. Nothing is written until every notebook is graded, so an
        interrupted run leaves the previous files intact; the cache lets the next run resume.
    """
    started = time.monotonic()
    options = options or GradeOptions()
    if options.mode not in DEFAULT_LIMITS:
        raise GradingError(f"mode {options.mode!r}: expected 'ci' or 'full'.")
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise GradingError(f"{submissions} is not a folder; expected a folder with one sub-folder per student.")
    config_path = Path(options.config.source)
    if config_path.exists() and submissions.resolve() in config_path.resolve().parents:
        raise GradingError(f"the grader config {config_path} is inside the submissions folder {submissions}; keep it out of the students' reach.")
    json_out = Path(json_out) if json_out else out.with_suffix(".json")
    feedback_dir = Path(feedback_dir) if feedback_dir else out.parent / "feedback"
    cache_dir = Path(options.cache_dir) if options.cache_dir else out.parent / ".course-grade-cache"

    all_students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if options.students:
        unknown = sorted(set(options.students) - set(all_students))
        if unknown:
            raise GradingError(f"--students: no folder for {unknown} in {submissions}.")
        all_students = [s for s in all_students if s in set(options.students)]
    known = _known_chapters(options)
    if options.only:
        wanted = [_resolve_chapter(name, known) for name in options.only]
    else:  # every chapter anyone submitted (all students, before sharding, so shards agree)
        wanted = sorted({p.stem for s in all_students for p in (submissions / s).glob("*.ipynb")} & set(known))
    chapters: list[Chapter] = []
    for chapter_id in wanted:
        try:
            chapters.append(load_chapter(chapter_id, known[chapter_id]))
        except Exception as error:
            if options.only:
                raise GradingError(f"chapter {chapter_id}: its checkers ({known[chapter_id]}) cannot be imported: {type(error).__name__}: {error}") from error
            print(f"warning: chapter {chapter_id} is not graded: its checkers ({known[chapter_id]}) cannot be imported ({type(error).__name__}: {error}).", file=sys.stderr)
    _validate_config(options.config, chapters, known)
    students = all_students
    if options.shard:
        index, count = options.shard
        students = all_students[index::count]

    cell_timeout, notebook_timeout = options.limits()
    previous_mode = os.environ.get("COURSE_MODE")
    os.environ["COURSE_MODE"] = options.mode  # make_inputs, judge and min_score are sized too
    report = GradeReport(data={})
    try:
        meta, records, jobs = {}, {s: {} for s in students}, {}
        for chapter in chapters:
            points = chapter.points(options.config)
            version = course_version(chapter)
            config_sha = _config_sha(options, chapter, points)
            meta[chapter.id] = {"exercises": [e.name for e in chapter.exercises], "points": points, "max_points": sum(points.values()), "course_version": version, "config_sha256": config_sha}
            for student in students:
                path = submissions / student / f"{chapter.id}.ipynb"
                if not path.is_file():
                    records[student][chapter.id] = _blank_record(chapter, points, MISSING, f"no {chapter.id}.ipynb in {student}/.", NOT_GRADED, f"not graded: no {chapter.id}.ipynb was submitted.")
                    continue
                raw = path.read_bytes()
                sha = hashlib.sha256(raw).hexdigest()
                key = hashlib.sha256(f"{chapter.id}:{sha}:{config_sha}:{version}".encode()).hexdigest()
                cached = _read_cache(cache_dir, key) if options.use_cache else None
                if cached is not None and not (options.retry_failed and cached["status"] in RETRY_STATUSES):
                    records[student][chapter.id] = cached
                    report.cached += 1
                    if progress:
                        progress(student, chapter.id, cached, True)
                    continue
                notebook, reason = read_submission(path, options.max_notebook_mb)
                if notebook is None:
                    record = _blank_record(chapter, points, INVALID, reason, NOT_GRADED, "not graded: the notebook could not be read.")
                    _write_cache(cache_dir, key, record)
                    records[student][chapter.id] = record
                    if progress:
                        progress(student, chapter.id, record, False)
                    continue
                if key in jobs:  # the same notebook twice (e.g. untouched): grade it once
                    jobs[key].students.append(student)
                else:
                    jobs[key] = _Job([student], chapter, path, notebook, sha, key)
        report.executed = len(jobs)
        _run_jobs(list(jobs.values()), options, cell_timeout, notebook_timeout, records, cache_dir, progress)
        data = {
            "format": FORMAT,
            "mode": options.mode,
            "shard": f"{options.shard[0]}/{options.shard[1]}" if options.shard else None,
            "chapters": meta,
            "max_total": sum(m["max_points"] for m in meta.values()),
            "students": {s: _student_entry(records[s], meta) for s in students},
        }
    finally:
        if previous_mode is None:
            os.environ.pop("COURSE_MODE", None)
        else:
            os.environ["COURSE_MODE"] = previous_mode
    write_outputs(data, out, json_out, feedback_dir)
    report.data = data
    report.seconds = time.monotonic() - started
    return report


def _validate_config(config: GraderConfig, chapters: list[Chapter], known: dict[str, str]) -> None:
    """Check the config against the chapters' real exercises (loading chapters it names that are not graded now)."""
    names = {c.id: [e.name for e in c.exercises] for c in chapters}
    for chapter_id in set(config.chapters) | {chapter for chapter, _ in config.exercises}:
        if chapter_id not in names and chapter_id in known:
            try:
                names[chapter_id] = [e.name for e in load_chapter(chapter_id, known[chapter_id]).exercises]
            except Exception:
                pass
    config.validate(names)


def _student_entry(chapter_records: dict, meta: dict) -> dict:
    return {
        "chapters": {c: chapter_records[c] for c in meta},
        "total": float(sum(chapter_records[c]["total"] for c in meta)),
        "max_total": float(sum(m["max_points"] for m in meta.values())),
    }


def _run_jobs(jobs: list[_Job], options: GradeOptions, cell_timeout: float, notebook_timeout: float, records: dict, cache_dir: Path, progress: Callable | None) -> None:
    import nbformat

    if not jobs:
        return
    runner = _Runner()
    workers = max(1, options.jobs or os.cpu_count() or 1)
    backstop = 2 * notebook_timeout + options.export_timeout + 300
    prepared = []
    for job in jobs:
        points = job.chapter.points(options.config)
        input_sets, input_errors = {}, {}
        for exercise in job.chapter.exercises:
            seeds = [seed_for(options.config, job.notebook_sha, exercise.id)]
            seeds += list(options.config.settings(job.chapter.id, exercise.name).extra_seeds or ())
            try:
                import numpy as np

                input_sets[exercise.name] = [exercise.make_inputs(np.random.default_rng(seed)) for seed in seeds]
            except Exception as error:
                input_errors[exercise.name] = f"the checker itself failed to make test cases ({type(error).__name__}: {error}); please tell your teacher."
        spec = {
            "notebook_name": f"{job.chapter.id}.ipynb",
            "chapter": job.chapter.id,
            "checks_module": job.chapter.reference,
            "exercises": [{"name": e.name, "target": e.target} for e in job.chapter.exercises if e.name not in input_errors],
            "mode": options.mode,
            "cell_timeout": cell_timeout,
            "notebook_timeout": notebook_timeout,
            "export_timeout": options.export_timeout,
            "memory_mb": options.memory_mb,
            "max_output_chars": int(options.max_output_mb * 2**20),
            "kernel_name": options.kernel_name,
            "save_executed": options.executed_dir is not None,
            "temp_dir": str(options.temp_dir) if options.temp_dir else None,
        }
        prepared.append((job, points, input_sets, input_errors, spec))

    def work(item) -> tuple[Path | None, dict | None, str | None]:
        job, points, input_sets, input_errors, spec = item
        job_dir = None
        try:
            if options.temp_dir:
                Path(options.temp_dir).mkdir(parents=True, exist_ok=True)
            job_dir = Path(tempfile.mkdtemp(prefix="course-grade-job-", dir=options.temp_dir))
            (job_dir / "notebook.ipynb").write_text(nbformat.writes(job.notebook), encoding="utf-8")
            spec = {**spec, "notebook": str(job_dir / "notebook.ipynb"), "job_dir": str(job_dir)}
            result, failure = runner.run(spec, input_sets, job_dir, backstop)
        except Exception as error:  # never lose the batch to one notebook
            result, failure = None, f"{type(error).__name__}: {error}"
        if runner.cancelled and job_dir is not None:
            shutil.rmtree(job_dir, ignore_errors=True)
        return job_dir, result, failure

    def terminate(signum, frame):  # a batch runner stopping us: clean up like Ctrl-C
        raise KeyboardInterrupt(f"signal {signum}")

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGTERM, terminate) if in_main_thread else None
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    futures = {pool.submit(work, item): item for item in prepared}
    try:
        for future in concurrent.futures.as_completed(futures):
            job, points, input_sets, input_errors, spec = futures[future]
            job_dir, result, failure = future.result()
            record = _build_record(job, options, points, input_sets, input_errors, job_dir, result, failure)
            if job_dir is not None and options.executed_dir is not None and (job_dir / "executed.ipynb").exists():
                for student in job.students:
                    target = Path(options.executed_dir) / student / f"{job.chapter.id}.ipynb"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(job_dir / "executed.ipynb", target)
            if job_dir is not None:
                shutil.rmtree(job_dir, ignore_errors=True)
            if not record.get("internal_error"):
                _write_cache(cache_dir, job.key, record)
            for student in job.students:
                records[student][job.chapter.id] = record
                if progress:
                    progress(student, job.chapter.id, record, False)
    except BaseException:
        runner.cancel_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_handler)
    pool.shutdown(wait=True)


def _read_cache(cache_dir: Path, key: str) -> dict | None:
    try:
        record = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "status" in record and "exercises" in record else None


def _write_cache(cache_dir: Path, key: str, record: dict) -> None:
    atomic_write(cache_dir / f"{key}.json", json.dumps(record))


# ----------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------


def csv_columns(data: dict) -> list[str]:
    """Columns of grades.csv: student, per chapter its exercises, status and total, then total and max_total."""
    columns = ["student"]
    for chapter, meta in data["chapters"].items():
        columns += [f"{chapter}:{name}" for name in meta["exercises"]] + [f"{chapter}:status", f"{chapter}:total"]
    return columns + ["total", "max_total"]


def _number(x: float) -> str:
    return f"{x:g}"


def render_csv(data: dict) -> str:
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


def write_outputs(data: dict, out: Path, json_out: Path, feedback_dir: Path) -> None:
    """Write feedback files, the JSON and the CSV, each atomically (the CSV last)."""
    for student, entry in data["students"].items():
        for chapter, record in entry["chapters"].items():
            atomic_write(Path(feedback_dir) / student / f"{chapter}.md", render_feedback(student, chapter, record))
    atomic_write(Path(json_out), json.dumps(data, indent=1))
    atomic_write(Path(out), render_csv(data))


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
    out = Path(out)
    write_outputs(merged, out, Path(json_out) if json_out else out.with_suffix(".json"), Path(feedback_dir) if feedback_dir else out.parent / "feedback")
    return merged
