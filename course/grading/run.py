"""Stage 2, run: the sandbox decision, the pool of job processes, cancellation and the result cache.

:func:`open_sandbox` decides once per run whether notebooks run in bubblewrap
(``--sandbox auto|required|off``), probing the exact sandbox with a trivial
command. :func:`run_jobs` runs ``python -m course.grading.job`` for each
planned notebook, ``--jobs`` at a time, and yields each one as it finishes;
Ctrl-C or SIGTERM kills every job (and with it every kernel and worker:
their sandboxes die with their parent). :class:`ResultCache` keeps one JSON
record per cache key, so a second run grades only what changed.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from course.grading.options import GradeOptions, GradingError
from course.grading.plan import Job, JobResult
from course.grading.sandbox import Sandbox, SandboxUnavailable, kill_tree, probe

# --------------------------------------------------------------------------------------
# The sandbox decision
# --------------------------------------------------------------------------------------

UNSANDBOXED_WARNING = """\
WARNING: grading WITHOUT a sandbox ({why}).
WARNING: student notebooks run with your rights: they can read and change your files, other
WARNING: students' notebooks and the grader's results, use the network and leave processes behind.
WARNING: `--sandbox required` refuses to grade without it."""


@dataclass(frozen=True)
class SandboxChoice:
    """The run's sandbox (None: unsandboxed) and, if unsandboxed, why."""

    sandbox: Sandbox | None
    problem: str | None = None

    def warn(self, stream=None, end: bool = False) -> None:
        """Print the loud warning (at the start of a run; ``end=True``: the reminder after it)."""
        if self.sandbox is not None:
            return
        stream = stream or sys.stderr
        if end:
            print(f"WARNING: these grades were produced WITHOUT a sandbox ({self.problem}); see the warning at the start.", file=stream, flush=True)
        else:
            print(UNSANDBOXED_WARNING.format(why=self.problem), file=stream, flush=True)


def open_sandbox(mode: str, hidden: Iterable[Path] = (), temp_dir: Path | None = None) -> SandboxChoice:
    """Decide whether this run is sandboxed: probe bubblewrap once (a trivial command in the exact sandbox).

    Args:
        mode: "auto" (sandbox if it works, else unsandboxed with a warning), "required"
            (raise :class:`GradingError` with the install command if it does not work) or "off".
        hidden: the teacher's paths the sandbox must never show (see :meth:`Sandbox.detect`).
        temp_dir: where the probe's throw-away folder goes.

    Example:
        >>> open_sandbox("off").sandbox is None
        True
    """
    if mode == "off":
        return SandboxChoice(None, "--sandbox off")
    try:
        sandbox = Sandbox.detect(hidden)
    except SandboxUnavailable as error:
        problem = str(error)
    else:
        if temp_dir:
            Path(temp_dir).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="course-grade-probe-", dir=temp_dir))
        try:
            problem = probe(sandbox, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if problem is None:
            return SandboxChoice(sandbox)
    if mode == "required":
        raise GradingError(f"--sandbox required: {problem.rstrip('.')}. (To grade without it, not for exams: --sandbox auto.)")
    return SandboxChoice(None, problem.rstrip("."))


def teacher_paths(submissions: Path, destinations: Iterable[Path], options: GradeOptions) -> list[Path]:
    """What learner code must never see: submissions, outputs, cache, config, executed copies, roster, the teacher's home."""
    paths = [Path(submissions), *destinations, Path.home()]
    if Path(options.config.source).exists():
        paths.append(Path(options.config.source))
    if options.executed_dir:
        paths.append(Path(options.executed_dir))
    if options.roster:
        paths.append(Path(options.roster))
    return paths


# --------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------


class ResultCache:
    """One JSON record per key in a folder; ``read=False`` ignores what is there, ``retry`` statuses are misses.

    Example:
        >>> cache = ResultCache(Path(".course-grade-cache"))     # doctest: +SKIP
        >>> cache.put(key, record); cache.get(key) == record     # doctest: +SKIP
        True
    """

    def __init__(self, folder: Path, read: bool = True, retry: tuple[str, ...] = ()):
        self.folder, self.read, self.retry = Path(folder), read, retry

    def get(self, key: str) -> dict | None:
        if not self.read:
            return None
        try:
            record = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (isinstance(record, dict) and "status" in record and "exercises" in record):
            return None
        return None if record["status"] in self.retry else record

    def put(self, key: str, record: dict) -> None:
        from course.files import atomic_write

        atomic_write(self.folder / f"{key}.json", json.dumps(record))


# --------------------------------------------------------------------------------------
# Job processes
# --------------------------------------------------------------------------------------


class Runner:
    """Starts job processes (``python -m course.grading.job``) and kills them all on cancel."""

    def __init__(self) -> None:
        self.running: dict[int, tuple[subprocess.Popen, Path]] = {}
        self.lock = threading.Lock()
        self.cancelled = False

    def run(self, job: Job, job_dir: Path, backstop: float) -> tuple[JobResult | None, str | None]:
        """Run one job to its end (or ``backstop`` seconds); return its result, or None and why."""
        import time

        import cloudpickle

        if self.cancelled:
            return None, "cancelled"
        started = time.monotonic()
        env = dict(os.environ)
        env["COURSE_MODE"] = job.spec.mode
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with open(job_dir / "job.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "course.grading.job"], stdin=subprocess.PIPE, stdout=log, stderr=log,
                                       cwd=job_dir, env=env, start_new_session=True)
        with self.lock:
            self.running[process.pid] = (process, job_dir)
        try:
            try:
                process.stdin.write(cloudpickle.dumps(job.spec))
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
            result = JobResult.from_json((job_dir / "result.json").read_text(encoding="utf-8"))
            result.seconds["job"] = round(time.monotonic() - started, 2)
            return result, None
        except (OSError, ValueError):
            tail = (job_dir / "job.log").read_text(errors="replace")[-800:] if (job_dir / "job.log").exists() else ""
            return None, f"the job process exited with code {process.returncode}: {tail.strip()[-400:]}"

    def _kill(self, process: subprocess.Popen, job_dir: Path) -> None:
        from course.grading.job import kill_group_of

        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        kill_tree(process.pid)  # a sandboxed kernel or worker dies with the job (--die-with-parent)
        kill_group_of(job_dir / "kernel.pid")

    def cancel_all(self) -> None:
        self.cancelled = True
        with self.lock:
            running = list(self.running.values())
        for process, job_dir in running:
            self._kill(process, job_dir)


def run_jobs(jobs: list[Job], options: GradeOptions) -> Iterator[tuple[Job, JobResult | None, str | None, Path | None]]:
    """Run the jobs ``options.jobs`` at a time; yield ``(job, result, failure, job_dir)`` as each finishes.

    The job folder (with the worker's outcomes) lives until the consumer asks
    for the next job, so judge each one inside the loop. Close the generator
    (``contextlib.closing``) to cancel: every job still running is killed.
    """
    import nbformat

    if not jobs:
        return
    runner = Runner()
    workers = max(1, options.jobs or os.cpu_count() or 1)
    _, notebook_timeout = options.limits()
    backstop = 2 * notebook_timeout + options.export_timeout + 300
    if options.temp_dir:
        Path(options.temp_dir).mkdir(parents=True, exist_ok=True)

    def work(job: Job) -> tuple[Path | None, JobResult | None, str | None]:
        job_dir = None
        try:
            job_dir = Path(tempfile.mkdtemp(prefix="course-grade-job-", dir=options.temp_dir))
            (job_dir / "notebook.ipynb").write_text(nbformat.writes(job.notebook), encoding="utf-8")
            job.spec.job_dir = str(job_dir)
            result, failure = runner.run(job, job_dir, backstop)
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
    futures = {pool.submit(work, job): job for job in jobs}
    try:
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            job_dir, result, failure = future.result()
            try:
                _keep_executed(job, job_dir, options)
                yield job, result, failure, job_dir
            finally:
                if job_dir is not None:
                    shutil.rmtree(job_dir, ignore_errors=True)
    except BaseException:
        runner.cancel_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_handler)
    pool.shutdown(wait=True)


def _keep_executed(job: Job, job_dir: Path | None, options: GradeOptions) -> None:
    """Copy the executed notebook to ``--executed DIR/<student>/<chapter>.ipynb`` for each of the job's students."""
    if job_dir is None or options.executed_dir is None or not (job_dir / "executed.ipynb").exists():
        return
    for student in job.students:
        target = Path(options.executed_dir) / student / f"{job.chapter.id}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(job_dir / "executed.ipynb", target)
