"""Stage 2b, the checks worker: the one grader process that calls learner code.

    python -m course.grading.worker      # started by the job; reads a WorkerRequest (pickle) on stdin

It imports the chapter's checkers, then blocks ``course.references`` (the
course's own answers) with a ``sys.meta_path`` finder, and only then
unpickles each exported answer and calls ``exercise.run(answer, inputs)`` on
the grader's inputs. An answer that is, wraps or imports a reference fails
to load or to run, and the worker notes which reference it reached for: the
judge gives it 0 points ("uses the course's reference implementation ...;
write your own"). In the sandbox the references' files are not there at all;
the blocker also holds when grading unsandboxed.

It writes plain data only (see :mod:`course.grading.outcomes`) and runs in
a sandbox of its own, restarted by the job after a crash or a hang, so one
bad answer costs only its exercise.
"""

from __future__ import annotations

import importlib.abc
import json
import pickle
import sys
import traceback
from pathlib import Path

from course.grading.outcomes import Encoder, clip
from course.files import atomic_write

#: The package of reference implementations learner code may not use while it is graded.
REFERENCES = "course.references"


class ReferenceImportError(ImportError):
    """Raised when learner code imports the course's reference implementations during grading."""


class ReferenceBlocker(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` finder that refuses ``course.references`` and its submodules, and remembers who asked.

    Example:
        >>> blocker = ReferenceBlocker.install()
        >>> import course.references            # doctest: +SKIP
        ReferenceImportError: uses the course's reference implementation `course.references`; write your own.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []

    @classmethod
    def install(cls) -> "ReferenceBlocker":
        """Put a blocker first on ``sys.meta_path`` and forget any references already imported."""
        blocker = cls()
        sys.meta_path.insert(0, blocker)
        for name in [n for n in sys.modules if n == REFERENCES or n.startswith(REFERENCES + ".")]:
            del sys.modules[name]
        package = sys.modules.get("course")
        if package is not None and hasattr(package, "references"):
            delattr(package, "references")
        return blocker

    def find_spec(self, fullname, path=None, target=None):  # noqa: D401 (importlib's hook)
        if fullname == REFERENCES or fullname.startswith(REFERENCES + "."):
            self.attempts.append(fullname)
            raise ReferenceImportError(f"uses the course's reference implementation `{fullname}`; write your own.")
        return None


def main() -> int:
    """Read the request, check each answer, write ``<name>.json`` (+ arrays, models) per exercise."""
    from course.grading.plan import WorkerRequest, load_checks_module

    request: WorkerRequest = pickle.load(sys.stdin.buffer)
    out = Path(request.out_dir)
    try:
        import cloudpickle

        from course.checks.core import Outcome

        module = load_checks_module(request.checks)
        by_name = {e.name: e for e in module.EXERCISES}
        blocker = ReferenceBlocker.install()  # before any learner code, unpickling included
    except BaseException as error:
        atomic_write(out / "worker_error.json", json.dumps({"error": f"{type(error).__name__}: {error}\n{traceback.format_exc()[-1500:]}"}))
        return 1
    for entry in request.exercises:
        name, exercise = entry.name, by_name[entry.name]
        (out / f"{name}.started").write_text("")
        encoder = Encoder(out, name)
        attempts_before = len(blocker.attempts)
        try:
            with open(Path(request.export_dir) / f"{entry.target}.pkl", "rb") as handle:
                answer = cloudpickle.load(handle)  # learner code may run here
        except BaseException as error:
            failure = Outcome(error=type(error).__name__, detail=clip(f"`{entry.target}` could not be loaded for grading: {error}", 500))
            sets = [[failure] for _ in request.inputs[name]]
        else:
            sets = []
            for inputs in request.inputs[name]:
                try:
                    outcomes = exercise.run(answer, inputs)
                except BaseException as error:  # SystemExit, KeyboardInterrupt from learner code
                    outcomes = [Outcome(error=type(error).__name__, detail=clip(error, 500))]
                sets.append(list(outcomes))
        encoded = [[encoder.encode_outcome(o) for o in outcomes] for outcomes in sets]
        encoder.save_arrays()
        reference = blocker.attempts[attempts_before] if len(blocker.attempts) > attempts_before else None
        atomic_write(out / f"{name}.json", json.dumps({"sets": encoded, "reference": reference}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
