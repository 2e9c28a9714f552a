"""Stage 3, judge: verdicts, in the grader's own process, which learner code never reaches.

:func:`judge_job` turns what a job reported (:class:`~course.grading.plan.JobResult`)
and the worker's plain-data outcomes into the notebook's record: per exercise
the points, a status and the checker's message. Hidden cases are judged after
the public ones, and their messages lose expected values and case
descriptions (:func:`hide_expected`).

A record is the JSON object stored per student and chapter in grades.json::

    {"status": "graded", "message": "", "notes": [...], "sandboxed": true,
     "exercises": {"softmax": {"points": 2.0, "max_points": 2.0, "status": "passed", "message": "..."}},
     "total": 2.0, "max_total": 2.0, "seconds": {"job": 9.1, "kernel_start": 1.5, "notebook": 4.2, "checks": 3.9, ...}}

``seconds`` says where a notebook's time went: ``job`` (the whole job process),
``kernel_start`` and ``notebook`` (kernel start included), ``export``,
``checks`` (``worker_start``: until the first answer was called) and ``judge``.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from course.grading.outcomes import OutcomeFormatError, decode_outcomes, reference_used
from course.grading.plan import CRASHED, GRADED, INVALID, MISSING, TIMEOUT, Chapter, Job, JobResult, Settled
from course.translation import LANGUAGES, N_, speaking, tr, tr_in

#: Statuses of one exercise in the JSON and the feedback, beyond the checker's own
#: ("passed", "failed", "not done", "error").
NOT_FOUND, NOT_GRADED = "not found", "not graded"
#: Status of an exercise graded with partial credit that passed some of its test cases, not all.
PARTIAL = "partial"

_EXPECTED = re.compile(
    r"(?:\bexpected|期望)\s+(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\]|[-+]?(?:\d[\d_.]*|\.\d+)(?:e[-+]?\d+)?|[-+]?nan|[-+]?inf)",
    re.IGNORECASE,
)
_CASE = re.compile(r"(?:\bcase|用例) \d+(?: \((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?")


#: What stands in for a hidden case's description and expected value, in the language of the words they replace.
_THIS_CASE, _HIDDEN = N_("this case"), N_("expected <hidden>")


def _in_language_of(word: str, placeholder: str) -> str:
    """``placeholder`` in the language ``word`` (a matched "case 2 (...)" or "expected 0.25") is written in."""
    if word[:1].isascii():
        return placeholder
    for lang in LANGUAGES:
        if word.startswith(tr_in(lang, "case {number} ({description})", number="", description="").split(" ")[0]) or \
                word.startswith(tr_in(lang, "expected <hidden>").split(" ")[0]):
            return tr_in(lang, placeholder)
    return placeholder


def hide_expected(message: str) -> str:
    """Remove expected values (numbers, shapes, arrays) and case descriptions from a checker message.

    The placeholders follow the message's language: "this case", "expected
    <hidden>" in English, their translations in a translated message.

    Example:
        >>> hide_expected("case 2 (arguments (3, 4)): wrong value at index (0, 1): expected 0.25, got 0.5 (3 of 12 values differ).")
        'this case: wrong value at index (0, 1): expected <hidden>, got 0.5 (3 of 12 values differ).'
        >>> hide_expected("用例 2 (参数 (3, 4))：下标 (0, 1) 处的值不对：期望 0.25，得到 0.5")      # doctest: +SKIP
        '该用例：下标 (0, 1) 处的值不对：期望 <已隐藏>，得到 0.5'
    """
    message = _CASE.sub(lambda m: _in_language_of(m.group(0), _THIS_CASE), message)
    return _EXPECTED.sub(lambda m: _in_language_of(m.group(0), _HIDDEN), message)


def _judge_set(exercise: Any, inputs: list, outcomes: list) -> Any:
    from course.checks.core import ERROR

    try:
        return exercise.judge(inputs, outcomes)
    except Exception as error:  # a checker bug must never look like the student's fault, nor crash the batch
        print(f"warning: the checker of {exercise.id} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return exercise.result(False, tr("the checker itself failed ({error}); please tell your teacher.", error=f"{type(error).__name__}: {error}"), ERROR)


def _case_verdicts(exercise: Any, inputs: list, outcomes: list) -> list:
    try:
        verdicts = exercise.case_verdicts(inputs, outcomes)
    except Exception as error:  # as in _judge_set: the checker's bug, never the student's fault
        print(f"warning: the checker of {exercise.id} failed on single cases: {type(error).__name__}: {error}", file=sys.stderr)
        verdicts = []
    return verdicts or [_judge_set(exercise, inputs, outcomes)]


def judge_partial(exercise: Any, points: float, input_sets: list[list], outcome_sets: list[list]) -> dict:
    """Partial credit: ``points`` times the share of test cases passed, public and hidden together.

    The message names each failed public case with the checker's message and
    counts the hidden ones (their values never shown). With no case passed,
    the entry is the all-or-nothing one (the first failure's status and message).

    Example: 3 of 4 public cases and 1 of 2 hidden ones passed, 2 points:
    ``{"points": 1.33, "status": "partial", "message": "3 of 4 public cases passed; failed: case 2 (...): ....
    hidden cases: 1 of 2 passed. Partial credit: 4 of 6 cases."}``
    """
    from course.checks.core import PASSED

    public = _case_verdicts(exercise, input_sets[0], outcome_sets[0] if outcome_sets else [])
    hidden = [v for k in range(1, len(input_sets))
              for v in _case_verdicts(exercise, input_sets[k], outcome_sets[k] if k < len(outcome_sets) else [])]
    passed = sum(v.passed for v in public) + sum(v.passed for v in hidden)
    total = len(public) + len(hidden)
    if passed == total:
        message = (tr("correct on all {public} public cases and all {hidden} hidden ones.", public=len(public), hidden=len(hidden)) if hidden
                   else tr("correct on all {public} public cases.", public=len(public)))
        return {"points": points, "max_points": points, "status": PASSED, "message": message}
    if passed == 0:
        first = public[0]  # every case failed, the public ones first
        return {"points": 0.0, "max_points": points, "status": first.status, "message": first.message}
    failed = [v.message.rstrip(".") for v in public if not v.passed]
    parts = [tr("{passed} of {total} public cases passed", passed=len(public) - len(failed), total=len(public))
             + (tr("; failed: {failed}", failed="; ".join(failed)) if failed else "")]
    if hidden:
        parts.append(tr("hidden cases: {passed} of {total} passed", passed=sum(v.passed for v in hidden), total=len(hidden)))
    message = tr("{parts}. Partial credit: {passed} of {total} cases.", parts=tr(". ").join(parts), passed=passed, total=total)
    return {"points": round(points * passed / total, 2), "max_points": points, "status": PARTIAL, "message": message}


def judge_exercise(exercise: Any, points: float, input_sets: list[list], outcome_sets: list[list], partial: bool = False) -> dict:
    """Judge the public set, then each hidden set; return the exercise's entry (points, status, message).

    All or nothing, unless ``partial`` (see :func:`judge_partial`).
    """
    from course.checks.core import PASSED

    if partial:
        return judge_partial(exercise, points, input_sets, outcome_sets)

    public = _judge_set(exercise, input_sets[0], outcome_sets[0] if outcome_sets else [])
    if not public.passed:
        return {"points": 0.0, "max_points": points, "status": public.status, "message": public.message}
    hidden = len(input_sets) - 1
    for k in range(1, hidden + 1):
        outcomes = outcome_sets[k] if k < len(outcome_sets) else []
        result = _judge_set(exercise, input_sets[k], outcomes)
        if not result.passed:
            return {"points": 0.0, "max_points": points, "status": result.status,
                    "message": tr("hidden case {number} failed: {message}", number=k, message=hide_expected(result.message))}
    message = public.message + (tr(" Hidden cases: {passed} of {total} passed.", passed=hidden, total=hidden) if hidden else "")
    return {"points": points, "max_points": points, "status": PASSED, "message": message}


def blank_record(chapter: Chapter, status: str, message: str, exercise_status: str, exercise_message: str, sandboxed: bool | None = None) -> dict:
    """A record with 0 points for every exercise (they all get ``exercise_status`` and ``exercise_message``)."""
    return {
        "status": status,
        "message": message,
        "notes": [],
        "sandboxed": sandboxed,
        "exercises": {
            e.name: {"points": 0.0, "max_points": chapter.points[e.name], "status": exercise_status, "message": exercise_message}
            for e in chapter.exercises
        },
        "total": 0.0,
        "max_total": sum(chapter.points.values()),
    }


def settled_record(item: Settled) -> dict:
    """The record of a notebook that was not run: missing, unreadable, or from the cache."""
    if item.record is not None:
        return item.record
    if item.status == MISSING:
        return blank_record(item.chapter, MISSING, item.reason, NOT_GRADED, tr("not graded: no {chapter}.ipynb was submitted.", chapter=item.chapter.id))
    return blank_record(item.chapter, INVALID, item.reason, NOT_GRADED, tr("not graded: the notebook could not be read."))


def _finish(record: dict) -> dict:
    record["total"] = float(sum(e["points"] for e in record["exercises"].values()))
    record["max_total"] = float(sum(e["max_points"] for e in record["exercises"].values()))
    return record


def judge_job(job: Job, result: JobResult | None, failure: str | None, job_dir: Path | None) -> dict:
    """The record of one executed notebook, its messages in the notebook's language (``record["lang"]``, :attr:`Job.lang`).

    Args:
        job: the planned job (chapter, inputs, points).
        result: what the job process reported, or None if it failed (``failure`` says why).
        job_dir: the job's folder, where the worker's outcomes are.

    A record with ``internal_error`` (the grader failed, not the notebook) is not cached.
    """
    with speaking(job.lang):
        record = _judge_job(job, result, failure, job_dir)
    if job.lang != "en":
        record["lang"] = job.lang
    return record


def _judge_job(job: Job, result: JobResult | None, failure: str | None, job_dir: Path | None) -> dict:
    started = time.monotonic()
    chapter = job.chapter
    if result is None:
        record = blank_record(chapter, CRASHED, tr("the grader could not grade this notebook ({failure}); run again with --retry-failed.", failure=failure),
                              NOT_GRADED, tr("not graded: the grader failed on this notebook."))
        record["internal_error"] = True
        return record
    status = result.status
    record = blank_record(chapter, status, result.message, NOT_GRADED, "", sandboxed=result.sandboxed)
    record["notes"] = list(result.notes)[:10]
    record["seconds"] = dict(result.seconds)
    outcome_dir = Path(job_dir or ".") / result.outcome_dir.replace("/", "_")
    for exercise in chapter.exercises:
        entry = record["exercises"][exercise.name]
        export = result.exports.get(exercise.name)
        check = result.checks.get(exercise.name)
        if exercise.name in job.input_errors:
            entry.update(status="error", message=job.input_errors[exercise.name])
        elif export is None:
            if status == CRASHED:
                entry["message"] = tr("not graded: the notebook's kernel died before the answers could be collected.")
            elif status == TIMEOUT:
                entry["message"] = tr("not graded: the notebook ran out of time before the answers could be collected.")
            else:
                entry["message"] = tr("not graded.")
        elif not export.found:
            if status == TIMEOUT:
                entry.update(status=NOT_FOUND, message=tr("not found: `{target}` was not defined before the notebook stopped (time limit).", target=exercise.target))
            elif export.error:
                entry.update(status=NOT_FOUND, message=tr("not found: {error}.", error=export.error))
            else:
                entry.update(status=NOT_FOUND, message=tr("not found: define `{target}` in the notebook.", target=exercise.target))
        elif export.error:
            entry.update(status="error", message=tr("`{target}` could not be copied out of the notebook for grading ({error}); make it a plain function "
                                                    "that does not hold open files, generators or threads.", target=exercise.target, error=export.error))
        elif check is None or check.state != "done":
            state = check.state if check else "error"
            entry.update(status=state, message=check.message if check else tr("not checked."))
            if state in (TIMEOUT, CRASHED) and record["status"] == GRADED:
                record["status"] = state
                record["message"] = tr("checking `{target}` failed: {message}", target=exercise.target, message=entry["message"])
        else:
            entry.update(_judge_outcomes(exercise, job, outcome_dir))
    record["seconds"]["judge"] = round(time.monotonic() - started, 2)
    return _finish(record)


def _judge_outcomes(exercise: Any, job: Job, outcome_dir: Path) -> dict:
    """Judge one exercise from the worker's files: a reference used scores 0, unreadable files are an error."""
    from course.checks.core import FAILED

    points = job.chapter.points[exercise.name]
    try:
        reference = reference_used(outcome_dir, exercise.name)
        if reference:
            return {"points": 0.0, "max_points": points, "status": FAILED,
                    "message": tr("`{target}` uses the course's reference implementation `{name}`; write your own.", target=exercise.target, name=reference)}
        outcome_sets = decode_outcomes(outcome_dir, exercise.name)
    except (OutcomeFormatError, OSError, ValueError) as error:
        return {"status": "error", "message": tr("the results of `{target}` came back unreadable ({error}).", target=exercise.target, error=error)}
    return judge_exercise(exercise, points, job.input_sets[exercise.name], outcome_sets, partial=exercise.name in job.chapter.partial)
