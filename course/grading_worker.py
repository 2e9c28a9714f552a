"""The processes ``course grade`` starts next to learner code (see :mod:`course.grading`).

Two entry points, each reading its instructions as a pickle on stdin (so no
file a notebook could look for ever holds them)::

    python -m course.grading_worker job    # one notebook: execute, export answers, run checks
    python -m course.grading_worker run    # the checks worker: call learner code on the grader's inputs

``job`` (trusted, grader code only) executes the notebook with nbclient in a
fresh kernel whose working folder is a throw-away copy, watches the kernel's
memory, caps stored output, then runs one extra *export* cell that
cloudpickles each exercise's ``target`` into a folder the grader owns. It
then starts ``run`` workers, fresh interpreters in their own temporary
folders, which unpickle each answer and call ``exercise.run(answer, inputs)``
on inputs the grader made. ``run`` returns plain data only (JSON, ``.npz``
without pickle, ``.keras`` files) which the grader judges in its own process.

A worker that dies or hangs on one exercise costs only that exercise: the
job restarts a worker for the rest.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from course.files import atomic_write

#: Statuses of one notebook (``<chapter>:status`` in grades.csv).
GRADED, TIMEOUT, CRASHED, INVALID, MISSING = "graded", "timeout", "crashed", "invalid", "missing"
#: Longest message kept from learner-controlled text.
MAX_TEXT = 2000
#: Largest outcome file the grader reads back (bytes).
MAX_OUTCOME_BYTES = 200 * 2**20


def _clip(text: Any, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------
# Plain-data encoding of outcomes (worker side) and safe decoding (grader side)
# --------------------------------------------------------------------------------------


class _Encoder:
    """Turn Outcome values into JSON + arrays + .keras files; nothing that needs pickle to read."""

    def __init__(self, folder: Path, stem: str):
        self.folder, self.stem = folder, stem
        self.arrays: dict[str, Any] = {}
        self.models = 0

    def encode(self, value: Any, depth: int = 0) -> Any:
        import numpy as np

        if depth > 20:
            return {"__repr__": "<nested too deeply>"}
        if value is None or isinstance(value, (bool, str)):
            return _clip(value, 100_000) if isinstance(value, str) else value
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value) if abs(int(value)) < 2**53 else float(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"__array__": key}
        if hasattr(value, "numpy") and callable(value.numpy) and not _is_keras_model(value):
            try:
                return self.encode(np.asarray(value.numpy()), depth + 1)
            except Exception:
                pass
        if _is_keras_model(value):
            name = f"{self.stem}.{self.models}.keras"
            self.models += 1
            value.save(self.folder / name)
            return {"__keras__": name}
        if isinstance(value, (list, tuple)):
            return {"__list__" if isinstance(value, list) else "__tuple__": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.encode(v, depth + 1) for k, v in value.items()}}
        return {"__repr__": _clip(repr(value), 200)}

    def encode_outcome(self, outcome: Any) -> dict:
        try:
            value = self.encode(outcome.value)
        except Exception as error:  # e.g. a model that cannot be saved
            return {"value": None, "error": type(error).__name__, "detail": _clip(f"the result could not be handed to the grader: {error}")}
        return {"value": value, "error": None if outcome.error is None else _clip(outcome.error, 200), "detail": _clip(outcome.detail)}

    def save_arrays(self) -> None:
        import numpy as np

        if self.arrays:
            with open(self.folder / f"{self.stem}.npz", "wb") as handle:
                np.savez(handle, **self.arrays)


def _is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")  # a learner answer that builds a model has imported it
    return keras is not None and isinstance(value, getattr(keras, "Model", ()))


class OutcomeFormatError(ValueError):
    """The worker's files are not what a grading worker writes."""


def decode_outcomes(folder: Path, name: str) -> list[list[Any]]:
    """Read the outcome sets of one exercise written by a worker, without running any code.

    Arrays come from ``np.load(allow_pickle=False)``; models from
    ``keras.saving.load_model(safe_mode=True)``. Anything unexpected raises
    :class:`OutcomeFormatError`.
    """
    import numpy as np

    from course.checks.core import Outcome

    path = folder / f"{name}.json"
    if path.stat().st_size > MAX_OUTCOME_BYTES:
        raise OutcomeFormatError("the results are too large")
    data = json.loads(path.read_text(encoding="utf-8"))
    arrays_path = folder / f"{name}.npz"
    arrays = {}
    if arrays_path.exists():
        if arrays_path.stat().st_size > MAX_OUTCOME_BYTES:
            raise OutcomeFormatError("the results are too large")
        with np.load(arrays_path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}

    def decode(value: Any, depth: int = 0) -> Any:
        if depth > 25:
            raise OutcomeFormatError("nested too deeply")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (tag, inner), = value.items()
            if tag == "__array__" and isinstance(inner, str) and inner in arrays:
                return arrays[inner]
            if tag == "__float__" and inner in ("nan", "inf", "-inf"):
                return float(inner)
            if tag in ("__list__", "__tuple__") and isinstance(inner, list):
                items = [decode(v, depth + 1) for v in inner]
                return items if tag == "__list__" else tuple(items)
            if tag == "__dict__" and isinstance(inner, dict):
                return {str(k): decode(v, depth + 1) for k, v in inner.items()}
            if tag == "__repr__" and isinstance(inner, str):
                return _clip(inner, 200)
            if tag == "__keras__" and isinstance(inner, str) and "/" not in inner and inner.endswith(".keras"):
                return _load_model(folder / inner)
        raise OutcomeFormatError(f"unexpected value {str(value)[:80]}")

    if not isinstance(data, dict) or not isinstance(data.get("sets"), list):
        raise OutcomeFormatError("no outcome sets")
    sets = []
    for raw_set in data["sets"]:
        if not isinstance(raw_set, list):
            raise OutcomeFormatError("an outcome set is not a list")
        outcomes = []
        for raw in raw_set:
            if not isinstance(raw, dict):
                raise OutcomeFormatError("an outcome is not a dict")
            error = raw.get("error")
            if error is not None and not isinstance(error, str):
                raise OutcomeFormatError("bad error field")
            value = None
            if error is None:
                try:
                    value = decode(raw.get("value"))
                except OutcomeFormatError:
                    raise
                except Exception as failure:  # e.g. a .keras file that safe mode refuses
                    error, raw = type(failure).__name__, {"detail": f"the model could not be loaded safely for grading: {_clip(failure, 300)}"}
            outcomes.append(Outcome(value=value, error=error, detail=_clip(raw.get("detail", ""))))
        sets.append(outcomes)
    return sets


def _load_model(path: Path) -> Any:
    import keras

    return keras.saving.load_model(path, safe_mode=True)


# --------------------------------------------------------------------------------------
# Memory watchdog
# --------------------------------------------------------------------------------------


class Watchdog:
    """Kill a process (and its children) whose resident memory passes a limit.

    A thread polls psutil every ``interval`` seconds. ``tripped`` says whether
    it killed something, so the caller can report "used more than N MB".
    RLIMIT_AS is not used: TensorFlow maps far more virtual memory than it
    touches (1.8 GB virtual for 0.6 GB resident after ``import tensorflow``
    on a CPU machine, much more with CUDA), so an address-space limit either
    breaks imports or does not bound anything.
    """

    def __init__(self, limit_mb: float, interval: float = 0.2):
        self.limit = limit_mb * 2**20
        self.interval = interval
        self.pid: int | None = None
        self.tripped = False
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def watch(self, pid: int | None) -> None:
        """Watch ``pid`` from now on (None: nothing). A new pid clears ``tripped``."""
        if pid is not None:
            self.tripped = False
        self.pid = pid

    def _loop(self) -> None:
        import psutil

        while not self._stop.wait(self.interval):
            pid = self.pid
            if pid is None:
                continue
            try:
                process = psutil.Process(pid)
                family = [process] + process.children(recursive=True)
                rss = 0
                for member in family:
                    try:
                        rss += member.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                continue
            self.peak = max(self.peak, rss)
            if rss > self.limit and self.pid == pid:
                self.tripped = True
                for member in reversed(family):
                    try:
                        member.kill()
                    except psutil.Error:
                        pass

    def stop(self) -> None:
        self._stop.set()


# --------------------------------------------------------------------------------------
# The job: one notebook
# --------------------------------------------------------------------------------------

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


def _make_client_class():
    from nbclient import NotebookClient

    class GraderClient(NotebookClient):
        """nbclient's NotebookClient, keeping at most ``max_output_chars`` of output per notebook."""

        max_output_chars = 1_000_000
        stored_chars = 0
        truncated = False

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


def kernel_environment(mode: str, work: Path) -> dict[str, str]:
    """Environment of a student kernel and of a checks worker: the grader's, sized, temp files in ``work``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_GRADE")}
    env["COURSE_MODE"] = mode
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TMPDIR"] = str(work)
    return env


def _cell_error_note(index: int, cell: Any) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
            if ename == "SystemExit":
                return f"cell {index + 1} called sys.exit() / raised SystemExit; the grader carried on."
            return _clip(f"cell {index + 1} raised {ename}: {evalue}", 300)
    return None


def execute_notebook(spec: dict, result: dict, watchdog: Watchdog) -> Path | None:
    """Execute the notebook and export the answers; return the export folder (None if nothing to check)."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from jupyter_core.utils import run_sync

    notebook = nbformat.read(spec["notebook"], as_version=4)
    work = Path(tempfile.mkdtemp(prefix="course-grade-work-", dir=spec.get("temp_dir")))
    result["_cleanup"].append(str(work))
    (work / spec["notebook_name"]).write_text(nbformat.writes(notebook), encoding="utf-8")
    client = _make_client_class()(
        notebook,
        timeout=spec["cell_timeout"],
        allow_errors=True,
        kernel_name=spec.get("kernel_name", "python3"),
        shell_timeout_interval=1,
        startup_timeout=spec.get("startup_timeout", 120),
        record_timing=False,
        iopub_timeout=4,
        shutdown_kernel="immediate",
        extra_arguments=["--HistoryManager.enabled=False"],
        resources={"metadata": {"path": str(work)}},
    )
    client.max_output_chars = spec["max_output_chars"]
    start = time.monotonic()
    export_dir: Path | None = None
    try:
        with client.setup_kernel(env=kernel_environment(spec["mode"], work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            pid = getattr(client.km.provisioner, "pid", None)
            (Path(spec["job_dir"]) / "kernel.pid").write_text(str(pid or ""))
            watchdog.watch(pid)
            deadline = start + spec["notebook_timeout"]
            for index, cell in enumerate(list(notebook.cells)):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                remaining = deadline - time.monotonic()
                per_cell = spec["cell_timeout"]
                if remaining <= 0:
                    result["status"] = TIMEOUT
                    result["message"] = f"the notebook ran past its total time limit of {spec['notebook_timeout']:g} s before cell {index + 1}; later cells were not run."
                    break
                client.timeout = max(1, math.ceil(min(per_cell, remaining)))
                cell_start = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    result["status"] = TIMEOUT
                    if remaining < per_cell:
                        result["message"] = f"the notebook ran past its total time limit of {spec['notebook_timeout']:g} s in cell {index + 1}; later cells were not run."
                    else:
                        result["message"] = f"cell {index + 1} did not finish within the limit of {per_cell:g} s per cell (an endless loop, or a wait?); later cells were not run."
                    result["stopped_at"] = index + 1
                    run_sync(client.km.interrupt_kernel)()
                    break
                except DeadKernelError:
                    result["status"] = CRASHED
                    result["message"] = _death_message(watchdog, spec, f"cell {index + 1}")
                    result["stopped_at"] = index + 1
                    result["seconds"]["last_cell"] = round(time.monotonic() - cell_start, 2)
                    return None
                note = _cell_error_note(index, cell)
                if note and len(result["notes"]) < 10:
                    result["notes"].append(note)
            result["seconds"]["notebook"] = round(time.monotonic() - start, 2)
            # The export cell: the answers, cloudpickled into a folder only now created.
            export_dir = Path(tempfile.mkdtemp(prefix="course-grade-export-", dir=spec.get("temp_dir")))
            result["_cleanup"].append(str(export_dir))
            names = [e["target"] for e in spec["exercises"]]
            cell = nbformat.v4.new_code_cell(EXPORT_SOURCE % (names, str(export_dir)))
            notebook.cells.append(cell)
            client.timeout = spec["export_timeout"]
            try:
                client.execute_cell(cell, len(notebook.cells) - 1, store_history=False)
            except CellTimeoutError:
                result["status"] = TIMEOUT
                result["message"] = result["message"] or "handing the answers to the grader did not finish in time."
                result["message"] += " The kernel did not respond afterwards, so nothing could be graded."
                return None
            except DeadKernelError:
                result["status"] = CRASHED
                result["message"] = _death_message(watchdog, spec, "the grader's export step")
                return None
            finally:
                notebook.cells.pop()
    except Exception as error:  # kernel failed to start, zmq trouble: report, never propagate
        if result["status"] == GRADED:
            result["status"] = CRASHED
            result["message"] = _clip(f"the notebook could not be run: {type(error).__name__}: {error}", 500)
        return None
    finally:
        result["seconds"].setdefault("notebook", round(time.monotonic() - start, 2))
        watchdog.watch(None)
        _kill_group_of(Path(spec["job_dir"]) / "kernel.pid")
        if spec.get("save_executed"):
            try:
                nbformat.write(notebook, Path(spec["job_dir"]) / "executed.ipynb")
            except Exception:
                pass
    result["exports"] = _read_manifest(export_dir, spec)
    return export_dir


def _death_message(watchdog: Watchdog, spec: dict, where: str) -> str:
    if watchdog.tripped:
        return f"the kernel used more than {spec['memory_mb']:g} MB of memory during {where} and was stopped; later cells were not run."
    return f"the kernel died during {where} (did the notebook call os._exit(), kill its own process, or crash Python?); later cells were not run."


def _kill_group_of(pid_file: Path) -> None:
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


def _read_manifest(export_dir: Path, spec: dict) -> dict:
    exports: dict[str, dict] = {}
    try:
        raw = json.loads((export_dir / "manifest.json").read_text(encoding="utf-8")[:1_000_000])
    except Exception as error:
        raw = {}
        failure = f"the grader's export step failed ({type(error).__name__})"
    else:
        failure = None
    for exercise in spec["exercises"]:
        entry = raw.get(exercise["target"]) if isinstance(raw, dict) else None
        if not isinstance(entry, dict) or not entry.get("found"):
            exports[exercise["name"]] = {"found": False, "error": failure}
            continue
        error = _clip(entry["error"], 500) if entry.get("error") else None
        if error is None and not (export_dir / f"{exercise['target']}.pkl").exists():
            error = "the exported answer went missing"
        exports[exercise["name"]] = {"found": True, "error": error}
    return exports


def run_checks(spec: dict, inputs: dict, export_dir: Path, result: dict, watchdog: Watchdog) -> None:
    """Run the checks worker on every exported answer; restart it after a crash or a hang."""
    out = Path(tempfile.mkdtemp(prefix="outcomes-", dir=spec["job_dir"]))  # created after the kernel is gone
    result["outcome_dir"] = out.name
    checks = result["checks"]
    pending = [e["name"] for e in spec["exercises"] if result["exports"].get(e["name"], {}).get("found") and not result["exports"][e["name"]].get("error")]
    deadline = time.monotonic() + spec["notebook_timeout"]
    per_exercise = spec["cell_timeout"]
    started_at: dict[str, float] = {}
    start = time.monotonic()
    while pending:
        work = Path(tempfile.mkdtemp(prefix="course-grade-worker-", dir=spec.get("temp_dir")))
        result["_cleanup"].append(str(work))
        request = {
            "checks_module": spec["checks_module"],
            "exercises": [e for e in spec["exercises"] if e["name"] in pending],
            "export_dir": str(export_dir),
            "out_dir": str(out),
            "inputs": {name: inputs[name] for name in pending},
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "course.grading_worker", "run"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=work, env=kernel_environment(spec["mode"], work), start_new_session=True,
        )
        watchdog.watch(process.pid)
        try:
            process.stdin.write(pickle.dumps(request))
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        problem = None
        while True:
            time.sleep(0.05)
            finished = process.poll() is not None
            current = next((n for n in pending if not (out / f"{n}.json").exists()), None)
            if current is not None and (out / f"{current}.started").exists():
                started_at.setdefault(current, time.monotonic())
            if current is None:
                break
            if finished:
                problem = "crashed"
                break
            now = time.monotonic()
            if now > deadline or (current in started_at and now - started_at[current] > per_exercise):
                problem = "timeout"
                break
        if process.poll() is None:
            _kill_process_group(process)
        watchdog.watch(None)
        for name in pending:
            if (out / f"{name}.started").exists():
                started_at.setdefault(name, time.monotonic())
        done = [n for n in pending if (out / f"{n}.json").exists()]
        for name in done:
            checks[name] = {"state": "done"}
        pending = [n for n in pending if n not in done]
        if not pending:
            break
        current = pending[0]
        target = next(e["target"] for e in spec["exercises"] if e["name"] == current)
        if current not in started_at:  # the worker failed before reaching learner code
            detail = _worker_error(out)
            for name in pending:
                checks[name] = {"state": "error", "message": f"the grading worker failed to start: {detail}"}
            break
        if problem == "timeout" and time.monotonic() > deadline:
            for name in pending:
                checks[name] = {"state": TIMEOUT, "message": f"not checked: the checks ran past their total time limit of {spec['notebook_timeout']:g} s."}
            break
        if problem == "timeout":
            checks[current] = {"state": TIMEOUT, "message": f"calling `{target}` on the test cases did not finish within {per_exercise:g} s (an endless loop?)."}
        elif watchdog.tripped:
            checks[current] = {"state": CRASHED, "message": f"calling `{target}` used more than {spec['memory_mb']:g} MB of memory."}
        else:
            checks[current] = {"state": CRASHED, "message": f"calling `{target}` stopped the grading process (exit code {process.returncode}); does it call os._exit() or sys.exit()?"}
        pending = pending[1:]
    result["seconds"]["checks"] = round(time.monotonic() - start, 2)


def _worker_error(out: Path) -> str:
    try:
        return _clip(json.loads((out / "worker_error.json").read_text())["error"], 500)
    except Exception:
        return "no details (see the grader's log)"


def _kill_process_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, ProcessLookupError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def job_main() -> int:
    """``python -m course.grading_worker job``: grade one notebook as the grader asks on stdin."""
    request = pickle.load(sys.stdin.buffer)
    spec, inputs = request["spec"], request["inputs"]

    def terminate(signum, frame):  # let finally-blocks shut the kernel down
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    result: dict[str, Any] = {"status": GRADED, "message": "", "notes": [], "exports": {}, "checks": {}, "seconds": {}, "_cleanup": []}
    watchdog = Watchdog(spec["memory_mb"])
    try:
        export_dir = execute_notebook(spec, result, watchdog)
        if export_dir is not None:
            run_checks(spec, inputs, export_dir, result, watchdog)
        result["peak_memory_mb"] = round(watchdog.peak / 2**20)
    finally:
        watchdog.stop()
        for folder in result.pop("_cleanup"):
            shutil.rmtree(folder, ignore_errors=True)
        atomic_write(Path(spec["job_dir"]) / "result.json", json.dumps(result))
    return 0


# --------------------------------------------------------------------------------------
# The checks worker: the only grader-side process that runs learner code
# --------------------------------------------------------------------------------------


def load_checks_module(reference: str):
    """Import a chapter's checker module by module name or by ``.py`` file path."""
    import importlib
    import importlib.util

    if reference.endswith(".py"):
        path = Path(reference)
        name = f"course_grading_checks_{abs(hash(str(path.resolve())))}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import checks from {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(reference)


def worker_main() -> int:
    """``python -m course.grading_worker run``: call learner answers on the grader's inputs."""
    request = pickle.load(sys.stdin.buffer)
    out = Path(request["out_dir"])
    try:
        import cloudpickle

        from course.checks.core import Outcome

        module = load_checks_module(request["checks_module"])
        by_name = {e.name: e for e in module.EXERCISES}
    except BaseException as error:
        atomic_write(out / "worker_error.json", json.dumps({"error": f"{type(error).__name__}: {error}\n{traceback.format_exc()[-1500:]}"}))
        return 1
    for entry in request["exercises"]:
        name, exercise = entry["name"], by_name[entry["name"]]
        (out / f"{name}.started").write_text("")
        encoder = _Encoder(out, name)
        try:
            with open(Path(request["export_dir"]) / f"{entry['target']}.pkl", "rb") as handle:
                answer = cloudpickle.load(handle)  # learner code may run here
        except BaseException as error:
            failure = Outcome(error=type(error).__name__, detail=_clip(f"`{entry['target']}` could not be loaded for grading: {error}", 500))
            sets = [[failure] for _ in request["inputs"][name]]
        else:
            sets = []
            for inputs in request["inputs"][name]:
                try:
                    outcomes = exercise.run(answer, inputs)
                except BaseException as error:  # SystemExit, KeyboardInterrupt from learner code
                    outcomes = [Outcome(error=type(error).__name__, detail=_clip(error, 500))]
                sets.append(list(outcomes))
        encoded = [[encoder.encode_outcome(o) for o in outcomes] for outcomes in sets]
        encoder.save_arrays()
        atomic_write(out / f"{name}.json", json.dumps({"sets": encoded}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["job"]:
        return job_main()
    if argv == ["run"]:
        return worker_main()
    print("usage: python -m course.grading_worker job|run  (started by `course grade`; reads its request on stdin)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
