"""``course grade``: grade a classroom's notebooks with the chapters' own checkers, each notebook in a sandbox.

    course grade SUBMISSIONS --out grades.csv [--config grading.toml] [--only 01_mlp]
                 [--students a,b] [--jobs N] [--shard i/n] [--full] [--sandbox auto|required|off] ...
    course grade --merge shard0.json shard1.json --out grades.csv
    course grade DOWNLOAD.zip --layout canvas|moodle [--roster CSV] [--lms canvas|moodle] ...

``SUBMISSIONS`` holds one folder per student with any chapter notebooks under
their usual names (``alice/01_mlp.ipynb``), or is the zip (or its folder) of
Canvas's or Moodle's "download all submissions" (``--layout``;
:mod:`~course.grading.lms` also writes the gradebook CSV each imports).
:func:`grade` runs four stages, one module each:

1. :mod:`~course.grading.plan`: list students and chapters, read each
   notebook (an old nbformat is upgraded; not JSON, not a notebook or an
   empty file gives ``invalid``), look it up in the cache, and turn the rest
   into typed job specs (identical notebooks share one job);
2. :mod:`~course.grading.run`: run one job process per notebook
   (:mod:`~course.grading.job`), ``--jobs`` at a time. The job executes the
   notebook with nbclient in a fresh kernel inside bubblewrap
   (:mod:`~course.grading.sandbox`: no network, its own processes only, a
   read-only system, none of the teacher's or other students' files), with
   per-cell and per-notebook time limits, a memory watchdog and a cap on
   stored output; exports each exercise's answer with cloudpickle; then calls
   each answer in a checks worker (:mod:`~course.grading.worker`, a sandbox
   of its own, with the course's reference implementations blocked) on test
   inputs the grader made: a seed it picks, plus the teacher's hidden seeds;
3. :mod:`~course.grading.judge`: judge the plain-data outcomes here, in the
   grader's own process, which learner code never reaches: patching
   ``course`` or printing "passed" in the notebook changes nothing;
4. :mod:`~course.grading.outputs`: write ``grades.csv`` (one row per
   student), ``grades.json`` (the same plus every checker message, and per
   notebook whether it ran sandboxed) and one Markdown feedback file per
   student and chapter, each atomically, once the batch is done.

Results are cached by notebook content + grader configuration + course
version (+ sandboxed or not), so a second run only grades what changed (or,
with ``--retry-failed``, what timed out or crashed) and an interrupted run
resumes. The teacher's configuration (TOML, kept out of the students'
folders) is described in :mod:`~course.grading.options`.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from course.grading.judge import NOT_FOUND, NOT_GRADED, hide_expected, judge_exercise, judge_job, settled_record
from course.grading.options import DEFAULT_LIMITS, LAYOUTS, LMS_EXPORTS, SANDBOX_MODES, ExerciseSettings, GradeOptions, GraderConfig, GradingError, parse_shard
from course.grading.outputs import FORMAT, Destinations, document, merge, render_csv, render_feedback, write_outputs
from course.grading.plan import CRASHED, GRADED, INVALID, MISSING, RETRY_STATUSES, TIMEOUT, make_plan, read_submission, seed_for
from course.grading.run import ResultCache, open_sandbox, run_jobs, teacher_paths

__all__ = [
    "CRASHED", "DEFAULT_LIMITS", "FORMAT", "GRADED", "INVALID", "LAYOUTS", "LMS_EXPORTS", "MISSING", "NOT_FOUND", "NOT_GRADED", "SANDBOX_MODES", "TIMEOUT",
    "ExerciseSettings", "GradeOptions", "GradeReport", "GraderConfig", "GradingError", "grade", "hide_expected", "judge_exercise",
    "merge", "parse_shard", "read_submission", "render_csv", "render_feedback", "seed_for",
]


@dataclass
class GradeReport:
    """What :func:`grade` did: the JSON document written, how many notebooks ran vs came from the cache, and whether sandboxed."""

    data: dict
    executed: int = 0
    cached: int = 0
    seconds: float = 0.0
    sandboxed: bool = False
    sandbox_problem: str | None = None
    gradebook: Path | None = None


@contextlib.contextmanager
def _sized(mode: str) -> Iterator[None]:
    """Set ``COURSE_MODE`` for the run (make_inputs, judge and min_score are sized too), then restore it."""
    previous = os.environ.get("COURSE_MODE")
    os.environ["COURSE_MODE"] = mode
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("COURSE_MODE", None)
        else:
            os.environ["COURSE_MODE"] = previous


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
        submissions: folder with one sub-folder per student, or an LMS's download (``options.layout``).
        out: the CSV to write (``grades.csv``); ``options.lms`` also writes that LMS's gradebook CSV.
        options: see :class:`GradeOptions`.
        json_out: the JSON to write (default: ``out`` with suffix ``.json``).
        feedback_dir: folder for ``<student>/<chapter>.md`` (default: ``feedback`` next to ``out``).
        progress: called in this thread as ``progress(student, chapter, record, cached)`` after each notebook.

    Returns:
        A :class:`GradeReport`. Nothing is written until every notebook is graded, so an
        interrupted run leaves the previous files intact; the cache lets the next run resume.

    Example:
        >>> report = grade("submissions", "grades.csv", GradeOptions(jobs=2))   # doctest: +SKIP
        >>> report.data["students"]["alice"]["total"]                           # doctest: +SKIP
        12.0
    """
    started = time.monotonic()
    options = options or GradeOptions()
    options.validate()
    where = Destinations.of(out, json_out, feedback_dir, options.cache_dir)
    with _sized(options.mode):
        choice = open_sandbox(options.sandbox, teacher_paths(Path(submissions), [where.csv, where.json, where.feedback, where.cache], options), options.temp_dir)
        choice.warn()
        cache = ResultCache(where.cache, read=options.use_cache, retry=RETRY_STATUSES if options.retry_failed else ())
        plan = make_plan(submissions, options, cache, choice.sandbox)                    # 1. plan
        if options.lms:
            from course.grading.lms import check_export

            check_export(options, [chapter.id for chapter in plan.chapters])
        report = GradeReport(data={}, sandboxed=choice.sandbox is not None, sandbox_problem=choice.problem)
        records: dict[str, dict] = {student: {} for student in plan.students}

        def settle(students: list[str], chapter: str, record: dict, cached: bool) -> None:
            for student in students:
                records[student][chapter] = record
                if progress:
                    progress(student, chapter, record, cached)

        for item in plan.settled:
            record = settled_record(item)
            if item.status == INVALID:
                cache.put(item.key, record)
            if item.status == MISSING:
                records[item.students[0]][item.chapter.id] = record
                continue
            report.cached += item.status == "cached"
            settle(item.students, item.chapter.id, record, item.status == "cached")
        report.executed = len(plan.jobs)
        with contextlib.closing(run_jobs(plan.jobs, options)) as finished:                # 2. run
            for job, result, failure, job_dir in finished:
                record = judge_job(job, result, failure, job_dir)                          # 3. judge
                if not record.get("internal_error"):
                    cache.put(job.key, record)
                settle(job.students, job.chapter.id, record, False)
        report.data = document(options.mode, options.shard, plan.meta, records, plan.intake)
    write_outputs(report.data, where)                                                    # 4. write
    if options.lms:
        from course.grading.lms import export_gradebook

        report.gradebook = export_gradebook(report.data, options, where.csv)
    choice.warn(end=True)
    report.seconds = time.monotonic() - started
    return report
