"""Stage 2a, the job: one notebook, the kernel side (grader code only; no learner code runs in this process).

    python -m course.grading.job      # started by the grader; reads a JobSpec (pickle) on stdin

The job executes the notebook with nbclient in a fresh kernel, watches the
kernel's memory, caps stored output, then runs one extra *export* cell that
cloudpickles each exercise's ``target`` into a fresh folder. Once the kernel
and everything it started are gone, it starts checks workers
(:mod:`course.grading.worker`), each in a sandbox of its own, and restarts
one after a crash or a hang. It writes ``result.json``
(:class:`~course.grading.plan.JobResult`) into its folder, which no learner
process sees.

**Kernel transport.** nbclient stays here, outside the sandbox; only the
kernel runs inside bubblewrap. They talk over ZeroMQ *IPC sockets* (Unix
sockets, ``transport="ipc"``) in a folder bound into the kernel's sandbox:
a Unix socket is a file, so it crosses the network namespace, and the
kernel gets no network interface at all. The alternative, nbclient and the
kernel together inside one sandbox over its private loopback, would put
grader code in reach of learner code (same PID namespace: it could signal,
trace or outwait the client and rewrite its result). Interrupts travel as
``interrupt_request`` messages (``interrupt_mode="message"``), since a
signal to bwrap would stop the sandbox rather than interrupt the cell.
Unsandboxed (``--sandbox off``) the kernel uses TCP on localhost, as Jupyter
does by default.
"""

from __future__ import annotations

import collections
import math
import os
import pickle
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from course.checks.core import GRADER_KERNEL_VARIABLE
from course.grading.outcomes import clip
from course.files import atomic_write
from course.grading.plan import CRASHED, TIMEOUT, CheckState, ExportState, JobResult, JobSpec, WorkerRequest
from course.grading.sandbox import Watchdog, kill_tree, learner_environment
from course.translation import LANG_VARIABLE

EXPORT_SOURCE = '''\
def __course_grader_export(names, folder):
    import json, os
    import cloudpickle
    report = {}
    namespace = globals()
    for name in names:
        if name not in namespace:
            report[name] = {"found": False}
            continue
        try:
            data = cloudpickle.dumps(namespace[name])
            with open(os.path.join(folder, name + ".pkl"), "wb") as handle:
                handle.write(data)
            report[name] = {"found": True}
        except BaseException as error:
            report[name] = {"found": True, "error": (type(error).__name__ + ": " + str(error))[:500]}
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump(report, handle)
__course_grader_export(%r, %r)
del __course_grader_export
'''


# --------------------------------------------------------------------------------------
# The kernel: nbclient here, the kernel in its sandbox
# --------------------------------------------------------------------------------------


def _client_class():
    """nbclient's NotebookClient, keeping at most ``max_output_chars`` of output, with a sandboxed kernel."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class SandboxedKernelManager(AsyncKernelManager):
        """A kernel manager whose kernel command runs inside ``self.wrap(argv)`` (bwrap ... -- argv)."""

        wrap = None

        def format_kernel_cmd(self, extra_arguments=None):
            argv = super().format_kernel_cmd(extra_arguments)
            return self.wrap(argv) if self.wrap else argv

    class GraderClient(NotebookClient):
        """NotebookClient with an output cap and, when ``sandbox_setup`` is set, a kernel in the sandbox."""

        max_output_chars = 1_000_000
        stored_chars = 0
        truncated = False
        sandbox_setup = None  # (wrap, ipc folder)

        def create_kernel_manager(self):
            if self.sandbox_setup is None:
                return super().create_kernel_manager()
            wrap, ipc = self.sandbox_setup
            self.km = SandboxedKernelManager(kernel_name=self.kernel_name, config=self.config)
            self.km.wrap = wrap
            self.km.transport = "ipc"
            self.km.connection_file = str(ipc / "kernel.json")
            self.km.ip = str(ipc / "k")
            self.km.kernel_spec.interrupt_mode = "message"
            return self.km

        def output(self, outs, msg, display_id, cell_index):  # noqa: D401 (nbclient's hook)
            content = msg.get("content", {})
            size = len(content.get("text", "") or "")
            size += sum(len(str(v)) for v in (content.get("data") or {}).values())
            size += sum(len(str(v)) for v in (content.get("traceback") or []))
            room = self.max_output_chars - self.stored_chars
            if size <= room:
                self.stored_chars += size
                return super().output(outs, msg, display_id, cell_index)
            if msg.get("msg_type") == "stream" and room > 0:  # keep what fits of a long print
                self.stored_chars += room
                super().output(outs, {**msg, "content": {**content, "text": content.get("text", "")[:room]}}, display_id, cell_index)
            if not self.truncated:
                self.truncated = True
                import nbformat

                outs.append(nbformat.v4.new_output("stream", name="stderr", text="[output truncated by the grader: the notebook printed too much]\n"))
            return None

    return GraderClient


def _cell_error_note(index: int, cell: Any) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
            if ename == "SystemExit":
                return f"cell {index + 1} called sys.exit() / raised SystemExit; the grader carried on."
            return clip(f"cell {index + 1} raised {ename}: {evalue}", 300)
    return None


#: Longest path of a Unix socket on Linux (``sockaddr_un.sun_path`` holds 108 bytes, the last one a 0).
MAX_SOCKET_PATH = 107


def socket_folder(root: Path) -> Path:
    """A new folder for the kernel's IPC sockets (``<folder>/k-<port>``): ``root/s``, or a short one in /tmp.

    A Unix socket's path may not exceed :data:`MAX_SOCKET_PATH` bytes, and a job
    folder under a deep temporary folder (a teacher's ``--temp-dir``, pytest's
    ``tmp_path`` under xdist) makes ``root/s/k-NNNNN`` longer than that; ZeroMQ
    then fails with "File name too long". The short folder is removed with the kernel.
    """
    folder = root / "s"
    if len(os.fsencode(folder / "k-65535")) <= MAX_SOCKET_PATH:
        folder.mkdir()
        return folder
    return Path(tempfile.mkdtemp(prefix="course-grade-s-", dir="/tmp"))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def execute_notebook(spec: JobSpec, result: JobResult, watchdog: Watchdog) -> Path | None:
    """Execute the notebook and export the answers; return the export folder (None if nothing to check)."""
    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    job_dir = Path(spec.job_dir)
    notebook = nbformat.read(job_dir / "notebook.ipynb", as_version=4)
    root = job_dir / "kernel"
    work = root / "work"
    work.mkdir(parents=True)
    (work / spec.notebook_name).write_text(nbformat.writes(notebook), encoding="utf-8")
    env = learner_environment(spec.mode, work, threads=spec.threads)
    env[LANG_VARIABLE] = spec.lang  # the notebook's language: its checks speak it
    env[GRADER_KERNEL_VARIABLE] = "1"  # the notebook's model checks skip training: the worker trains each answer once
    client = _client_class()(
        notebook,
        timeout=spec.limits.cell,
        allow_errors=True,
        kernel_name=spec.kernel_name,
        shell_timeout_interval=1,
        startup_timeout=120,
        record_timing=False,
        iopub_timeout=4,
        shutdown_kernel="immediate",
        extra_arguments=["--HistoryManager.enabled=False"],
        resources={"metadata": {"path": str(work)}},
    )
    client.max_output_chars = spec.limits.max_output_chars
    ipc = None
    if spec.sandbox is not None:
        ipc = socket_folder(root)
        home = spec.sandbox.prepare(root)
        env = spec.sandbox.environment(env, home)
        client.sandbox_setup = (lambda argv: spec.sandbox.command(argv, root=root, cwd=work, writable=[ipc], references=True), ipc)
    start = time.monotonic()
    export_dir: Path | None = None
    try:
        with client.setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            pid = getattr(client.km.provisioner, "pid", None)
            (job_dir / "kernel.pid").write_text(str(pid or ""))
            result.seconds["kernel_start"] = round(time.monotonic() - start, 2)
            watchdog.watch(pid)
            try:
                if not _run_cells(client, notebook, spec, result, watchdog, run_sync, CellTimeoutError, DeadKernelError):
                    return None
                result.seconds["notebook"] = round(time.monotonic() - start, 2)
                export_start = time.monotonic()
                export_dir = _export(client, notebook, spec, result, watchdog, work, CellTimeoutError, DeadKernelError)
                result.seconds["export"] = round(time.monotonic() - export_start, 2)
            finally:
                watchdog.watch(None)
                if pid:  # everything the notebook started goes with its kernel, before any learner code is checked
                    kill_tree(pid)
    except Exception as error:  # kernel failed to start, zmq trouble: report, never propagate
        if result.status not in (TIMEOUT, CRASHED):
            result.status = CRASHED
            result.message = clip(f"the notebook could not be run: {type(error).__name__}: {error}", 500)
        return None
    finally:
        result.seconds.setdefault("notebook", round(time.monotonic() - start, 2))
        kill_group_of(job_dir / "kernel.pid")
        if ipc is not None and not _inside(ipc, root):
            shutil.rmtree(ipc, ignore_errors=True)
        if spec.save_executed:
            try:
                nbformat.write(notebook, job_dir / "executed.ipynb")
            except Exception:
                pass
    if export_dir is None:
        return None
    answers = _collect_answers(export_dir, job_dir / "answers", spec)
    result.exports = _read_manifest(answers, spec)
    return answers


def _run_cells(client, notebook, spec: JobSpec, result: JobResult, watchdog: Watchdog, run_sync, CellTimeoutError, DeadKernelError) -> bool:
    """Run every code cell within the limits; False if the kernel died (nothing can be exported)."""
    deadline = time.monotonic() + spec.limits.notebook
    per_cell = spec.limits.cell
    for index, cell in enumerate(list(notebook.cells)):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            result.status = TIMEOUT
            result.message = f"the notebook ran past its total time limit of {spec.limits.notebook:g} s before cell {index + 1}; later cells were not run."
            break
        client.timeout = max(1, math.ceil(min(per_cell, remaining)))
        cell_start = time.monotonic()
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError:
            if watchdog.tripped:  # the watchdog killed the kernel, and nbclient only noticed at the time limit
                result.status = CRASHED
                result.message = _death_message(watchdog, spec, f"cell {index + 1}")
                result.stopped_at = index + 1
                return False
            result.status = TIMEOUT
            if remaining < per_cell:
                result.message = f"the notebook ran past its total time limit of {spec.limits.notebook:g} s in cell {index + 1}; later cells were not run."
            else:
                result.message = f"cell {index + 1} did not finish within the limit of {per_cell:g} s per cell (an endless loop, or a wait?); later cells were not run."
            result.stopped_at = index + 1
            run_sync(client.km.interrupt_kernel)()
            break
        except DeadKernelError:
            result.status = CRASHED
            result.message = _death_message(watchdog, spec, f"cell {index + 1}")
            result.stopped_at = index + 1
            result.seconds["last_cell"] = round(time.monotonic() - cell_start, 2)
            return False
        if watchdog.tripped:  # killed for memory; nbclient may return from the cell before it notices the death
            result.status = CRASHED
            result.message = _death_message(watchdog, spec, f"cell {index + 1}")
            result.stopped_at = index + 1
            result.seconds["last_cell"] = round(time.monotonic() - cell_start, 2)
            return False
        note = _cell_error_note(index, cell)
        if note and len(result.notes) < 10:
            result.notes.append(note)
    return True


def _export(client, notebook, spec: JobSpec, result: JobResult, watchdog: Watchdog, work: Path, CellTimeoutError, DeadKernelError) -> Path | None:
    """The export cell: the answers, cloudpickled into a folder created only now."""
    import nbformat

    export_dir = work / f".grader-export-{uuid.uuid4().hex[:12]}"
    export_dir.mkdir()
    names = [e.target for e in spec.exercises]
    cell = nbformat.v4.new_code_cell(EXPORT_SOURCE % (names, str(export_dir)))
    notebook.cells.append(cell)
    client.timeout = spec.limits.export
    try:
        client.execute_cell(cell, len(notebook.cells) - 1, store_history=False)
    except CellTimeoutError:
        if watchdog.tripped:
            result.status = CRASHED
            result.message = _death_message(watchdog, spec, "the grader's export step")
            return None
        result.status = TIMEOUT
        result.message = result.message or "handing the answers to the grader did not finish in time."
        result.message += " The kernel did not respond afterwards, so nothing could be graded."
        return None
    except DeadKernelError:
        result.status = CRASHED
        result.message = _death_message(watchdog, spec, "the grader's export step")
        return None
    finally:
        notebook.cells.pop()
    return export_dir


def _death_message(watchdog: Watchdog, spec: JobSpec, where: str) -> str:
    if watchdog.tripped:
        return f"the kernel used more than {spec.limits.memory_mb:g} MB of memory during {where} and was stopped; later cells were not run."
    return f"the kernel died during {where} (did the notebook call os._exit(), kill its own process, or crash Python?); later cells were not run."


def kill_group_of(pid_file: Path) -> None:
    """Kill the process group of a kernel we started (it runs in its own session), if any is left."""
    try:
        pid = int(pid_file.read_text() or 0)
    except (OSError, ValueError):
        return
    if pid > 0:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def _collect_answers(export_dir: Path, answers: Path, spec: JobSpec) -> Path:
    """Copy what the export cell wrote (regular files only, no link followed) into the job's own ``answers`` folder.

    The kernel (dead by now) could write anywhere in its working folder, so
    the export folder might have been swapped for a link to somewhere else;
    the worker gets this copy, never a path the notebook could choose.
    """
    answers.mkdir()
    names = ["manifest.json"] + [f"{e.target}.pkl" for e in spec.exercises]
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    try:
        folder = os.open(export_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | no_follow)
    except OSError:
        return answers
    try:
        for name in names:
            try:
                source = os.open(name, os.O_RDONLY | no_follow, dir_fd=folder)
            except OSError:
                continue
            with os.fdopen(source, "rb") as handle, open(answers / name, "wb") as copy:
                if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    shutil.copyfileobj(handle, copy)
    finally:
        os.close(folder)
    return answers


def _read_manifest(answers: Path, spec: JobSpec) -> dict[str, ExportState]:
    """What the export cell found (from the job's copy of its folder)."""
    import json

    exports: dict[str, ExportState] = {}
    try:
        raw = json.loads((answers / "manifest.json").read_bytes()[:1_000_000].decode("utf-8"))
    except Exception as error:
        raw, failure = {}, f"the grader's export step failed ({type(error).__name__})"
    else:
        failure = None
    for exercise in spec.exercises:
        entry = raw.get(exercise.target) if isinstance(raw, dict) else None
        if not isinstance(entry, dict) or not entry.get("found"):
            exports[exercise.name] = ExportState(False, failure)
            continue
        error = clip(entry["error"], 500) if entry.get("error") else None
        if error is None and not (answers / f"{exercise.target}.pkl").is_file():
            error = "the exported answer went missing"
        exports[exercise.name] = ExportState(True, error)
    return exports


# --------------------------------------------------------------------------------------
# The checks: workers, each in its own sandbox
# --------------------------------------------------------------------------------------


class _Tail:
    """Keep the last few kilobytes a process writes to a pipe (its stderr), reading in a thread."""

    def __init__(self, stream, limit: int = 4000):
        self.chunks: collections.deque[bytes] = collections.deque()
        self.size, self.limit = 0, limit
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for chunk in iter(lambda: stream.read(4096), b""):
            self.chunks.append(chunk)
            self.size += len(chunk)
            while self.size > self.limit and len(self.chunks) > 1:
                self.size -= len(self.chunks.popleft())

    def text(self) -> str:
        self.thread.join(timeout=1)
        return b"".join(self.chunks).decode("utf-8", "replace")[-self.limit:]


def _start_worker(spec: JobSpec, request: WorkerRequest, number: int, export_dir: Path, out: Path) -> tuple[subprocess.Popen, _Tail]:
    """Start one checks worker (in its sandbox when there is one) and send it the request."""
    root = Path(spec.job_dir) / f"worker-{number}"
    work = root / "work"
    work.mkdir(parents=True)
    argv = [sys.executable, "-m", "course.grading.worker"]
    env = learner_environment(spec.mode, work, threads=spec.threads)
    env[LANG_VARIABLE] = spec.lang  # the worker's messages (a raised error, a changed argument) in the notebook's language
    if spec.sandbox is not None:
        home = spec.sandbox.prepare(root)
        env = spec.sandbox.environment(env, home)
        readonly = [export_dir] + ([Path(spec.checks)] if spec.checks.endswith(".py") else [])
        argv = spec.sandbox.command(argv, root=root, cwd=work, writable=[out], readonly=readonly)
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=work, env=env, start_new_session=True)
    tail = _Tail(process.stderr)
    try:
        process.stdin.write(pickle.dumps(request))
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    return process, tail


def check_answers(spec: JobSpec, export_dir: Path, result: JobResult, watchdog: Watchdog) -> None:
    """Run the checks worker on every exported answer; restart it after a crash or a hang."""
    out = Path(spec.job_dir) / f"outcomes-{uuid.uuid4().hex[:8]}"  # created after the kernel is gone
    out.mkdir()
    result.outcome_dir = out.name
    pending = [e.name for e in spec.exercises if (export := result.exports.get(e.name)) and export.found and not export.error]
    deadline = time.monotonic() + spec.limits.notebook
    per_exercise = spec.limits.cell
    started_at: dict[str, float] = {}
    start = time.monotonic()
    number = 0
    while pending:
        number += 1
        request = WorkerRequest(spec.checks, tuple(e for e in spec.exercises if e.name in pending), str(export_dir), str(out),
                                {name: spec.inputs[name] for name in pending})
        process, tail = _start_worker(spec, request, number, export_dir, out)
        watchdog.watch(process.pid)
        problem = None
        while True:
            time.sleep(0.05)
            finished = process.poll() is not None
            current = next((n for n in pending if not (out / f"{n}.json").exists()), None)
            if current is not None and (out / f"{current}.started").exists():
                started_at.setdefault(current, time.monotonic())
                result.seconds.setdefault("worker_start", round(time.monotonic() - start, 2))
            if current is None:
                break
            if finished:
                problem = "crashed"
                break
            now = time.monotonic()
            if now > deadline or (current in started_at and now - started_at[current] > per_exercise):
                problem = "timeout"
                break
        watchdog.watch(None)
        kill_tree(process.pid)
        process.wait()
        for name in pending:
            if (out / f"{name}.started").exists():
                started_at.setdefault(name, time.monotonic())
        done = [n for n in pending if (out / f"{n}.json").exists()]
        for name in done:
            result.checks[name] = CheckState("done")
        pending = [n for n in pending if n not in done]
        if not pending:
            break
        current = pending[0]
        target = next(e.target for e in spec.exercises if e.name == current)
        if current not in started_at:  # the worker failed before reaching learner code
            detail = _worker_error(out, tail.text())
            for name in pending:
                result.checks[name] = CheckState("error", f"the grading worker failed to start: {detail}")
            break
        if problem == "timeout" and time.monotonic() > deadline:
            for name in pending:
                result.checks[name] = CheckState(TIMEOUT, f"not checked: the checks ran past their total time limit of {spec.limits.notebook:g} s.")
            break
        if problem == "timeout":
            result.checks[current] = CheckState(TIMEOUT, f"calling `{target}` on the test cases did not finish within {per_exercise:g} s (an endless loop?).")
        elif watchdog.tripped:
            result.checks[current] = CheckState(CRASHED, f"calling `{target}` used more than {spec.limits.memory_mb:g} MB of memory.")
        else:
            result.checks[current] = CheckState(CRASHED, f"calling `{target}` stopped the grading process (exit code {process.returncode}); does it call os._exit() or sys.exit()?")
        pending = pending[1:]
    result.seconds["checks"] = round(time.monotonic() - start, 2)


def _worker_error(out: Path, stderr: str) -> str:
    import json

    try:
        return clip(json.loads((out / "worker_error.json").read_text())["error"], 500)
    except Exception:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        return clip(lines[-1], 500) if lines else "no details (see the grader's log)"


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def main() -> int:
    """``python -m course.grading.job``: grade one notebook as the grader asks on stdin; write result.json."""
    # nbformat imports jsonschema, which imports rfc3987_syntax if it is installed (jsonschema[format-nongpl]):
    # it compiles ~35 Lark grammars for the IRI formats at import, 2.5 CPU-seconds in every job process
    # (python-jsonschema/jsonschema#1428). No notebook schema uses those formats, so this process does without.
    sys.modules.setdefault("rfc3987_syntax", None)
    spec: JobSpec = pickle.load(sys.stdin.buffer)

    def terminate(signum, frame):  # let finally-blocks shut the kernel down
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    result = JobResult(sandboxed=spec.sandbox is not None)
    watchdog = Watchdog(spec.limits.memory_mb)
    try:
        export_dir = execute_notebook(spec, result, watchdog)
        if export_dir is not None:
            check_answers(spec, export_dir, result, watchdog)
        result.peak_memory_mb = round(watchdog.peak / 2**20)
    finally:
        watchdog.stop()
        atomic_write(Path(spec.job_dir) / "result.json", result.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
