"""Stage 1, plan: submissions, chapters and cache keys become typed job specs.

:func:`make_plan` lists the students, loads the chapters' checkers, reads each
notebook and decides its fate: missing, unreadable (``invalid``), already in
the cache, or a :class:`Job` to execute. Identical notebooks (untouched ones)
share one job. Each job carries a :class:`JobSpec`, the one contract with the
job process (pickled to it on stdin, so no file a notebook could find holds
it), and the job answers with a :class:`JobResult` (JSON).

The dataclasses here are the whole vocabulary between the grader's
processes: :class:`JobSpec` and :class:`JobResult` (grader <-> job),
:class:`WorkerRequest` (job -> checks worker).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from course.grading.options import GraderConfig, GradeOptions, GradingError
from course.translation import notebook_language

if TYPE_CHECKING:
    from course.grading.run import ResultCache
    from course.grading.sandbox import Sandbox

#: Statuses of one notebook (``<chapter>:status`` in grades.csv).
GRADED, TIMEOUT, CRASHED, INVALID, MISSING = "graded", "timeout", "crashed", "invalid", "missing"
#: Statuses whose cached result ``--retry-failed`` grades again.
RETRY_STATUSES = (TIMEOUT, CRASHED)


# ----------------------------------------------------------------------------------------
# The contract between processes
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise as the job and the worker see it: its name and the notebook variable to export."""

    name: str
    target: str


@dataclass(frozen=True)
class Limits:
    """Time (seconds), memory (MB) and output (characters) limits of one notebook."""

    cell: float
    notebook: float
    export: float
    memory_mb: float
    max_output_chars: int


@dataclass
class JobSpec:
    """Everything one job process needs to grade one notebook (sent pickled on its stdin).

    ``inputs`` maps each exercise name to its input sets (the public set, then
    the hidden ones); ``sandbox`` is None when the notebook runs unsandboxed.
    ``job_dir`` is the job's private folder (the notebook copy, its result),
    which learner code never sees.
    """

    chapter: str
    notebook_name: str
    checks: str
    exercises: tuple[ExerciseSpec, ...]
    inputs: dict[str, list]
    mode: str
    limits: Limits
    kernel_name: str
    save_executed: bool
    sandbox: "Sandbox | None"
    temp_dir: str | None = None
    threads: int | None = None
    job_dir: str = ""
    lang: str = "en"


@dataclass
class WorkerRequest:
    """What one checks worker is asked (pickled on its stdin): call these answers on these inputs."""

    checks: str
    exercises: tuple[ExerciseSpec, ...]
    export_dir: str
    out_dir: str
    inputs: dict[str, list]


@dataclass
class ExportState:
    """Whether the notebook defined an exercise's target, and why it could not be exported if not."""

    found: bool
    error: str | None = None


@dataclass
class CheckState:
    """How checking one exported answer ended: "done" (outcomes written), "timeout", "crashed" or "error"."""

    state: str
    message: str = ""


@dataclass
class JobResult:
    """What the job process reports (``result.json`` in its folder): the notebook's run and the checks'.

    ``outcome_dir`` names the folder (inside the job folder) with the worker's outcomes.
    """

    status: str = GRADED
    message: str = ""
    notes: list[str] = field(default_factory=list)
    exports: dict[str, ExportState] = field(default_factory=dict)
    checks: dict[str, CheckState] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    stopped_at: int | None = None
    peak_memory_mb: int | None = None
    outcome_dir: str = "outcomes"
    sandboxed: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "JobResult":
        """Parse ``result.json``; raise ValueError if it is not what a job writes."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("result.json is not an object")
        data["exports"] = {str(k): ExportState(**v) for k, v in data.get("exports", {}).items()}
        data["checks"] = {str(k): CheckState(**v) for k, v in data.get("checks", {}).items()}
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(f"result.json has unexpected fields: {error}") from None


# ----------------------------------------------------------------------------------------
# Chapters
# ----------------------------------------------------------------------------------------


@dataclass
class Chapter:
    """A chapter being graded: its checker module (name or ``.py`` path), exercises and their points."""

    id: str
    checks: str
    exercises: list[Any]
    source_sha: str
    points: dict[str, float] = field(default_factory=dict)
    #: exercises whose points are shared out over their test cases (the config's ``partial = true``)
    partial: set[str] = field(default_factory=set)

    def exercise_specs(self) -> tuple[ExerciseSpec, ...]:
        return tuple(ExerciseSpec(e.name, e.target) for e in self.exercises)


def known_chapters(options: GradeOptions) -> dict[str, str]:
    """Chapter id -> checks module: the registry's chapters (:mod:`course.chapters`), then the ``--checks`` extras."""
    from course.chapters import CHAPTERS

    known = {chapter.id: chapter.checks for chapter in CHAPTERS}
    known.update(options.checks)
    return known


def resolve_chapter(name: str, known: dict[str, str]) -> str:
    """A chapter as :func:`course.chapters.resolve` names it (``"1"``, ``"01"``, ``"mlp"``), or a ``--checks`` extra by id or number."""
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


def load_checks_module(reference: str):
    """Import a chapter's checker module by module name or by ``.py`` file path."""
    import importlib
    import importlib.util

    if reference.endswith(".py"):
        path = Path(reference)
        name = f"course_grading_checks_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import checks from {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    return importlib.import_module(reference)


def load_chapter(chapter: str, reference: str, config: GraderConfig | None = None) -> Chapter:
    """Import a chapter's checkers (ImportError if they do not exist yet); points as the config sets them."""
    module = load_checks_module(reference)
    exercises = list(module.EXERCISES)
    source = Path(module.__file__).read_bytes() if getattr(module, "__file__", None) else b""
    checks = str(Path(reference).resolve()) if reference.endswith(".py") else module.__name__
    found = Chapter(chapter, checks, exercises, hashlib.sha256(source).hexdigest())
    config = config or GraderConfig()
    for exercise in exercises:
        settings = config.settings(chapter, exercise.name)
        found.points[exercise.name] = float(exercise.points if settings.points is None else settings.points)
        if settings.partial:
            found.partial.add(exercise.name)
    return found


def course_version(chapter: Chapter) -> str:
    """Version string that changes whenever the package, the grader or this chapter's checkers change."""
    from course import __version__
    from course.checks import core

    digest = hashlib.sha256()
    digest.update(Path(core.__file__).read_bytes())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(chapter.source_sha.encode())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def config_sha(options: GradeOptions, chapter: Chapter) -> str:
    """Hash of everything in the teacher's settings that changes this chapter's grades."""
    cell, notebook = options.limits()
    settings = {
        "seed": options.config.seed,
        "points": chapter.points,
        "partial": sorted(chapter.partial),
        "extra_seeds": {e.name: list(options.config.settings(chapter.id, e.name).extra_seeds or ()) for e in chapter.exercises},
        "mode": options.mode,
        "limits": [float(x) for x in (cell, notebook, options.export_timeout, options.memory_mb, options.max_output_mb)],
        "checks": chapter.checks,
        "kernel": options.kernel_name,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def seed_for(config: GraderConfig, notebook_sha: str, exercise_id: str) -> int:
    """The seed of an exercise's public test cases: fixed per notebook content, unknown in advance."""
    digest = hashlib.sha256(f"{config.seed}:{notebook_sha}:{exercise_id}".encode()).hexdigest()
    return int(digest[:12], 16)


# ----------------------------------------------------------------------------------------
# Reading a submission
# ----------------------------------------------------------------------------------------


def read_submission(path: Path, max_mb: float = 50) -> tuple[Any | None, str]:
    """Read and validate a notebook (upgrading old nbformat versions).

    Returns ``(notebook, "")`` or ``(None, reason)`` with a reason a student can act on.
    """
    size = path.stat().st_size
    if size > max_mb * 2**20:
        return None, _too_big(size, max_mb)
    return parse_submission(path.read_bytes(), max_mb)


def _too_big(size: int, max_mb: float) -> str:
    return f"the file is {size / 2**20:.0f} MB; notebooks over {max_mb:g} MB are not graded (clear the outputs and save again)."


def parse_submission(raw: bytes, max_mb: float = 50) -> tuple[Any | None, str]:
    """:func:`read_submission` for a file's bytes (a notebook read from an LMS's zip)."""
    import nbformat

    if len(raw) == 0:
        return None, "the file is empty (was it saved?)."
    if len(raw) > max_mb * 2**20:
        return None, _too_big(len(raw), max_mb)
    try:
        text = raw.decode("utf-8")
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
# Where the notebooks are: one folder per student, or an LMS's download
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """One student's file for one chapter: where it came from (for messages) and how to read its bytes."""

    label: str
    read: Callable[[], bytes]


class FolderView:
    """``--layout folders``: one folder per student holding ``<chapter>.ipynb`` files (``alice/01_mlp.ipynb``).

    The other layouts (:class:`course.grading.lms.DownloadView`) answer the same
    four questions, so the planner does not care where a notebook came from.
    """

    noun = "folder"
    intake: dict | None = None

    def __init__(self, root: Path):
        if not root.is_dir():
            raise GradingError(f"{root} is not a folder; expected a folder with one sub-folder per student.")
        self.root = root
        self.students = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def chapters_of(self, student: str) -> set[str]:
        """The chapter ids this student handed in (file stems; unknown ones are ignored by the caller)."""
        return {p.stem for p in (self.root / student).glob("*.ipynb")}

    def find(self, student: str, chapter: str) -> Submitted | None:
        path = self.root / student / f"{chapter}.ipynb"
        return Submitted(str(path), path.read_bytes) if path.is_file() else None

    def missing_reason(self, student: str, chapter: str) -> str:
        return f"no {chapter}.ipynb in {student}/."


def open_submissions(submissions: Path, options: GradeOptions):
    """The view of ``submissions`` that ``--layout`` asks for: :class:`FolderView` or an LMS download."""
    if options.layout == "folders" and options.roster is None:
        return FolderView(submissions)
    from course.grading.lms import open_view

    return open_view(submissions, options, list(known_chapters(options)))


# ----------------------------------------------------------------------------------------
# The plan
# ----------------------------------------------------------------------------------------


@dataclass
class Job:
    """One notebook to execute (several students when their notebooks are identical)."""

    students: list[str]
    chapter: Chapter
    key: str
    notebook_sha: str
    notebook: Any
    input_sets: dict[str, list] = field(default_factory=dict)
    input_errors: dict[str, str] = field(default_factory=dict)
    spec: JobSpec | None = None
    #: The notebook's language (:func:`course.translation.notebook_language`): its checker messages and feedback use it.
    lang: str = "en"


@dataclass
class Settled:
    """A notebook whose record is known without running it: missing, unreadable, or cached."""

    students: list[str]
    chapter: Chapter
    status: str  # MISSING, INVALID, or "cached"
    reason: str = ""
    record: dict | None = None
    key: str = ""


@dataclass
class Plan:
    """Who is graded on what: students (after ``--students`` and ``--shard``), chapters, jobs and settled notebooks."""

    students: list[str]
    chapters: list[Chapter]
    meta: dict[str, dict]
    jobs: list[Job]
    settled: list[Settled]
    intake: dict | None = None


def list_students(submissions: Path, options: GradeOptions, view=None) -> list[str]:
    """Students in ``submissions`` (folders, or those of an LMS download), sorted; ``--students`` must name existing ones."""
    view = view or FolderView(submissions)
    students = list(view.students)
    if options.students:
        unknown = sorted(set(options.students) - set(students))
        if unknown:
            raise GradingError(f"--students: no {view.noun} for {unknown} in {submissions}.")
        students = [s for s in students if s in set(options.students)]
    return students


def choose_chapters(submissions: Path, students: list[str], options: GradeOptions, view=None) -> list[Chapter]:
    """The chapters to grade (``--only``, else every chapter anyone submitted), with their checkers loaded."""
    view = view or FolderView(submissions)
    known = known_chapters(options)
    if options.only:
        wanted = [resolve_chapter(name, known) for name in options.only]
    else:  # every chapter anyone submitted (all students, before sharding, so shards agree)
        wanted = sorted({c for s in students for c in view.chapters_of(s)} & set(known))
    chapters: list[Chapter] = []
    for chapter_id in wanted:
        try:
            chapters.append(load_chapter(chapter_id, known[chapter_id], options.config))
        except Exception as error:
            if options.only:
                raise GradingError(f"chapter {chapter_id}: its checkers ({known[chapter_id]}) cannot be imported: {type(error).__name__}: {error}") from error
            print(f"warning: chapter {chapter_id} is not graded: its checkers ({known[chapter_id]}) cannot be imported ({type(error).__name__}: {error}).", file=sys.stderr)
    _validate_config(options.config, chapters, known)
    return chapters


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


def make_plan(submissions: str | Path, options: GradeOptions, cache: "ResultCache", sandbox: "Sandbox | None") -> Plan:
    """Stage 1: list students and chapters, read every notebook, and split them into jobs and settled ones.

    Args:
        submissions: folder with one sub-folder per student, or an LMS download (``options.layout``).
        options: the run's options (validated).
        cache: where earlier results are looked up by key.
        sandbox: the sandbox the jobs will run in (None: unsandboxed); part of the cache key.

    Example:
        >>> plan = make_plan("submissions", GradeOptions(), cache, None)   # doctest: +SKIP
        >>> [(job.students, job.chapter.id) for job in plan.jobs]           # doctest: +SKIP
        [(['alice'], '01_mlp'), (['bob', 'carol'], '01_mlp')]
    """
    submissions = Path(submissions)
    config_path = Path(options.config.source)
    if config_path.exists() and submissions.resolve() in config_path.resolve().parents:
        raise GradingError(f"the grader config {config_path} is inside the submissions folder {submissions}; keep it out of the students' reach.")
    view = open_submissions(submissions, options)
    all_students = list_students(submissions, options, view)
    chapters = choose_chapters(submissions, all_students, options, view)
    students = all_students[options.shard[0]::options.shard[1]] if options.shard else all_students

    meta, jobs, settled = {}, {}, []
    for chapter in chapters:
        version, chapter_sha = course_version(chapter), config_sha(options, chapter)
        meta[chapter.id] = {
            "exercises": [e.name for e in chapter.exercises], "points": chapter.points,
            "max_points": sum(chapter.points.values()), "course_version": version, "config_sha256": chapter_sha,
        }
        for student in students:
            found = view.find(student, chapter.id)
            if found is None:
                settled.append(Settled([student], chapter, MISSING, view.missing_reason(student, chapter.id)))
                continue
            raw = found.read()
            sha = hashlib.sha256(raw).hexdigest()
            sandboxed = "sandbox" if sandbox is not None else "unsandboxed"
            key = hashlib.sha256(f"{chapter.id}:{sha}:{chapter_sha}:{version}:{sandboxed}".encode()).hexdigest()
            cached = cache.get(key)
            if cached is not None:
                settled.append(Settled([student], chapter, "cached", record=cached, key=key))
                continue
            notebook, reason = parse_submission(raw, options.max_notebook_mb)
            if notebook is None:
                settled.append(Settled([student], chapter, INVALID, reason, key=key))
            elif key in jobs:  # the same notebook twice (e.g. untouched): grade it once
                jobs[key].students.append(student)
            else:
                jobs[key] = Job([student], chapter, key, sha, notebook, lang=notebook_language(notebook))
    for job in jobs.values():
        _make_inputs(job, options)
        job.spec = _job_spec(job, options, sandbox)
    return Plan(students, chapters, meta, list(jobs.values()), settled, view.intake)


def _make_inputs(job: Job, options: GradeOptions) -> None:
    """The test cases of each exercise: the public seed (from the notebook's content), then the hidden seeds."""
    import numpy as np

    for exercise in job.chapter.exercises:
        seeds = [seed_for(options.config, job.notebook_sha, exercise.id)]
        seeds += list(options.config.settings(job.chapter.id, exercise.name).extra_seeds or ())
        try:
            job.input_sets[exercise.name] = [exercise.make_inputs(np.random.default_rng(seed)) for seed in seeds]
        except Exception as error:
            job.input_errors[exercise.name] = f"the checker itself failed to make test cases ({type(error).__name__}: {error}); please tell your teacher."


def _job_spec(job: Job, options: GradeOptions, sandbox: "Sandbox | None") -> JobSpec:
    cell, notebook = options.limits()
    return JobSpec(
        chapter=job.chapter.id,
        notebook_name=f"{job.chapter.id}.ipynb",
        checks=job.chapter.checks,
        exercises=tuple(e for e in job.chapter.exercise_specs() if e.name not in job.input_errors),
        inputs={name: sets for name, sets in job.input_sets.items()},
        mode=options.mode,
        limits=Limits(cell, notebook, float(options.export_timeout), float(options.memory_mb), int(options.max_output_mb * 2**20)),
        kernel_name=options.kernel_name,
        save_executed=options.executed_dir is not None,
        sandbox=sandbox,
        temp_dir=str(options.temp_dir) if options.temp_dir else None,
        threads=threads_per_job(options),
        lang=job.lang,
    )


def threads_per_job(options: GradeOptions) -> int:
    """Cores per notebook, ``cores // jobs`` (at least 1): the thread pools of each kernel and worker are sized to it.

    Example: 2 cores, ``--jobs 2``: 1 thread each, instead of two processes that each spin two BLAS and TensorFlow threads.
    """
    import os

    cores = os.cpu_count() or 1
    return max(1, cores // (options.jobs or cores))
