"""`course grade` in bubblewrap: hostile notebooks reach nothing, honest ones keep full marks, nothing is left behind.

One class, graded twice through the CLI (`python -m course.cli grade`) as a
teacher would run it, from a folder that looks like the course's repository
(its own `course/` package, `solutions/`, `.git`, the teacher's config):

- `--sandbox required`: every attack fails, no attacker gets points it did
  not earn, the honest students keep full marks, and no process is left;
- `--sandbox off`: the same notebooks, to show that each attack is real (it
  succeeds without the sandbox), so the sandboxed results cannot pass by accident.

The students (tests/fixtures/grading/attacks, the small fake-checks chapter:
`double` 1 point, `softmax` 2 points):

- `z_honest_a`, `z_honest_b`: correct; they read the course's data from the Keras cache;
- `a_keras_cache_poisoner`: overwrites every file of the Keras dataset cache;
- `proc_walker`: walks /proc/<pid>/cwd up to the grader's folder and runs solutions/01_mlp.ipynb;
- `sibling_reader`: runs the softmax of another student's notebook, read by its path;
- `tcp_client`: gets its answer from a local TCP port the test opens;
- `output_writer`: writes into the grader's output and cache folders, reads the teacher's config;
- `orphans`: starts a process in a new session and forks one off the kernel;
- `reference_importer`, `reference_wrapper`: answers that import, are, or wrap the course's references.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "grading"
FAKE_CHECKS = FIXTURES / "fake_checks.py"
SECRET = "teacher-secret-marker-91c2"
FULL = 3.0  # double 1 + softmax 2

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap sandboxes exist on Linux only (macOS, Windows: grade in a Linux VM)")

REFERENCE_FIXTURE = '''"""Stand-in reference implementations for the grader's tests (the fake-checks chapter)."""

import numpy as np


def double(x):
    return 2 * x


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
'''


class AnswerServer:
    """A TCP server on 127.0.0.1 that hands out the answer ("2") and counts who connected."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            with connection:
                connection.sendall(b"2")

    def close(self) -> None:
        self.socket.close()


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _make_teacher(folder: Path) -> Path:
    """A folder like the course's repository: course/ (with references), solutions/, .git, the teacher's config."""
    import course

    shutil.copytree(Path(course.__file__).parent, folder / "course", ignore=shutil.ignore_patterns("__pycache__"))
    references = folder / "course" / "references"
    references.mkdir(exist_ok=True)
    if not (references / "__init__.py").exists():
        (references / "__init__.py").write_text('"""Reference implementations (stand-in for the grader\'s tests)."""\n')
    (references / "grading_fixture.py").write_text(REFERENCE_FIXTURE)
    (folder / "solutions").mkdir()
    shutil.copyfile(FIXTURES / "submissions" / "correct" / "01_mlp.ipynb", folder / "solutions" / "01_mlp.ipynb")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "grading.toml").write_text(f"# {SECRET}\n[grader]\nseed = 7\n")
    return folder


def _hostile_processes(marker: str, tag: str, root: Path) -> list:
    """Processes this batch left: a marker or tag from the notebooks, or the batch's folder on their command line."""
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE or process.pid == os.getpid():
                continue
            command = " ".join(process.info["cmdline"] or [])
            if marker in command or process.info["name"] == tag or str(root) in command:
                found.append(process)
        except psutil.Error:
            continue
    return found


def grade_class(root: Path, sandbox: str) -> dict:
    """Grade the attack class with ``--sandbox sandbox``; return what a test needs to see."""
    marker, tag = f"course-grade-orphan-{uuid.uuid4().hex[:8]}", f"cg{uuid.uuid4().hex[:8]}"
    teacher = _make_teacher(root / "teacher")
    keras_home = root / "keras-home"
    (keras_home / "datasets" / "grading-fixture").mkdir(parents=True)
    (keras_home / "datasets" / "grading-fixture" / "factor.txt").write_text("2")
    (root / "hf-home" / "hub").mkdir(parents=True)
    out = root / "out"
    cache = out / ".course-grade-cache"
    cache.mkdir(parents=True)
    (cache / "earlier-result.json").write_text(json.dumps({"status": "graded", "exercises": {}, "total": 3.0}))
    server = AnswerServer()
    submissions = root / "submissions"
    for folder in sorted((FIXTURES / "attacks").iterdir()):
        text = (folder / "01_mlp.ipynb").read_text()
        for placeholder, value in {
            "__SIBLING__": str(submissions / "z_honest_a" / "01_mlp.ipynb"), "__PORT__": str(server.port), "__OUT__": str(out),
            "__CACHE__": str(cache), "__CONFIG__": str(teacher / "grading.toml"), "__MARKER__": marker, "__TAG__": tag,
        }.items():
            text = text.replace(placeholder, value)
        (submissions / folder.name).mkdir(parents=True)
        (submissions / folder.name / "01_mlp.ipynb").write_text(text)
    before = {"keras": _snapshot(keras_home), "cache": _snapshot(cache)}
    (root / "tmp").mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "MPLCONFIGDIR")}
    env.update(PYTHONPATH=str(teacher), KERAS_HOME=str(keras_home), HF_HOME=str(root / "hf-home"), TMPDIR=str(root / "tmp"))
    command = [sys.executable, "-m", "course.cli", "grade", str(submissions), "--out", str(out / "grades.csv"),
               "--checks", f"01_mlp={FAKE_CHECKS}", "--config", str(teacher / "grading.toml"), "--sandbox", sandbox,
               "--jobs", "2", "--cell-timeout", "30", "--notebook-timeout", "60", "--memory-mb", "1500",
               "--executed", str(root / "executed")]
    try:
        done = subprocess.run(command, cwd=teacher, env=env, capture_output=True, text=True, timeout=600)
    finally:
        server.close()
    left = _hostile_processes(marker, tag, root)
    for process in left:  # leave the machine clean whatever the assertions say
        try:
            process.kill()
        except Exception:
            pass
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    data = json.loads((out / "grades.json").read_text())
    executed = {p.parent.name: p.read_text() for p in (root / "executed").glob("*/01_mlp.ipynb")}
    return {
        "records": {s: e["chapters"]["01_mlp"] for s, e in data["students"].items()}, "stdout": done.stdout, "stderr": done.stderr,
        "connections": server.connections, "left": left, "before": before, "after": {"keras": _snapshot(keras_home), "cache": _snapshot(cache)},
        "out": out, "cache": cache, "executed": executed, "processes_checked": (marker, tag),
    }


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    return grade_class(tmp_path_factory.mktemp("sandboxed"), "required")


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    return grade_class(tmp_path_factory.mktemp("unsandboxed"), "off")


def points(run, student) -> tuple[float, float]:
    exercises = run["records"][student]["exercises"]
    return exercises["double"]["points"], exercises["softmax"]["points"]


# --- with the sandbox ---------------------------------------------------------------------------


def test_every_notebook_is_recorded_as_sandboxed(sandboxed):
    assert {s: r["sandboxed"] for s, r in sandboxed["records"].items()} == {s: True for s in sandboxed["records"]}
    assert "WITHOUT a sandbox" not in sandboxed["stderr"]


def test_honest_students_keep_full_marks_next_to_the_attackers(sandboxed):
    for student in ("z_honest_a", "z_honest_b", "a_keras_cache_poisoner", "orphans"):
        record = sandboxed["records"][student]
        assert record["total"] == FULL and record["status"] == "graded", (student, record)


def test_a_notebook_cannot_overwrite_the_keras_dataset_cache(sandboxed):
    assert sandboxed["after"]["keras"] == sandboxed["before"]["keras"]
    assert "cannot poison" in sandboxed["executed"]["a_keras_cache_poisoner"] and "Read-only file system" in sandboxed["executed"]["a_keras_cache_poisoner"]


def test_walking_proc_up_to_the_graders_folder_finds_no_solutions(sandboxed):
    assert points(sandboxed, "proc_walker") == (0, 0)
    assert "solutions found: []" in sandboxed["executed"]["proc_walker"]


def test_a_sibling_students_notebook_cannot_be_read_by_its_path(sandboxed):
    assert points(sandboxed, "sibling_reader") == (0, 0)
    assert "cannot read the sibling's notebook" in sandboxed["executed"]["sibling_reader"]


def test_a_local_tcp_port_cannot_be_reached(sandboxed):
    assert sandboxed["connections"] == 0
    assert points(sandboxed, "tcp_client") == (0, 0)


def test_the_graders_output_and_cache_folders_and_config_are_out_of_reach(sandboxed):
    assert points(sandboxed, "output_writer") == (0, 0)
    assert not list(sandboxed["out"].rglob("planted-by-student.txt"))
    assert sandboxed["after"]["cache"].items() >= sandboxed["before"]["cache"].items()
    assert SECRET not in json.dumps(sandboxed["executed"]) and "cannot read the config" in sandboxed["executed"]["output_writer"]


def test_no_process_outlives_the_batch(sandboxed):
    assert sandboxed["left"] == []


def test_an_answer_that_imports_a_reference_scores_zero(sandboxed):
    record = sandboxed["records"]["reference_importer"]["exercises"]
    assert record["double"]["points"] == 0 and "uses the course's reference implementation `course.references" in record["double"]["message"]
    assert record["softmax"]["points"] == 2  # its own softmax still counts


def test_answers_that_are_or_wrap_a_reference_score_zero(sandboxed):
    assert points(sandboxed, "reference_wrapper") == (0, 0)
    for exercise in ("double", "softmax"):
        message = sandboxed["records"]["reference_wrapper"]["exercises"][exercise]["message"]
        assert "uses the course's reference implementation `course.references" in message, message


# --- the same attacks without the sandbox: each one is real ----------------------------------------


def test_without_the_sandbox_every_record_says_so_and_the_grader_warns(unsandboxed):
    assert all(r["sandboxed"] is False for r in unsandboxed["records"].values())
    assert unsandboxed["stderr"].count("WITHOUT a sandbox") >= 2  # at the start and at the end


def test_without_the_sandbox_the_attacks_succeed(unsandboxed):
    assert unsandboxed["after"]["keras"] != unsandboxed["before"]["keras"]      # the cache was poisoned
    assert points(unsandboxed, "proc_walker") == (1, 2)                         # the teacher's solutions ran
    assert points(unsandboxed, "sibling_reader") == (0, 2)                      # the sibling's softmax ran
    assert unsandboxed["connections"] >= 1 and points(unsandboxed, "tcp_client") == (1, 0)
    assert list(unsandboxed["out"].rglob("planted-by-student.txt"))
    assert SECRET in unsandboxed["executed"]["output_writer"]
    marker, tag = unsandboxed["processes_checked"]
    assert any(marker in " ".join(p.info["cmdline"] or []) for p in unsandboxed["left"])
    assert any(p.info["name"] == tag for p in unsandboxed["left"])


def test_without_the_sandbox_the_worker_still_blocks_the_references(unsandboxed):
    for student in ("reference_importer", "reference_wrapper"):
        double = unsandboxed["records"][student]["exercises"]["double"]
        assert double["points"] == 0 and "uses the course's reference implementation `course.references" in double["message"], student
    softmax = unsandboxed["records"]["reference_wrapper"]["exercises"]["softmax"]
    assert softmax["points"] == 0 and "uses the course's reference implementation" in softmax["message"]


# --- the sandbox's view, and what happens without bubblewrap ----------------------------------------


def test_the_sandbox_shows_the_package_alone_and_keras_loads_its_read_only_dataset_cache(tmp_path):
    from course.data import fashion_mnist_paths
    from course.grading.sandbox import Sandbox, learner_environment

    assert all(p.exists() for p in fashion_mnist_paths()), "this test needs Fashion-MNIST in $KERAS_HOME (course data --download)"
    code = f"""
import json, os
import course
from course.data import load_fashion_mnist
(x, y), _ = load_fashion_mnist(n_train=100, n_test=10)
datasets = os.path.join(os.environ["KERAS_HOME"], "datasets")
try:
    open(os.path.join(datasets, "fashion-mnist", "train-labels-idx1-ubyte.gz"), "wb").close()
    writable = True
except OSError:
    writable = False
print(json.dumps({{"images": list(x.shape), "cache_writable": writable, "keras_json": os.path.exists(os.path.join(os.environ["KERAS_HOME"], "keras.json")),
                  "repository": sorted(os.listdir({str(ROOT)!r})),
                  "home": sorted(os.listdir({str(Path.home())!r})) if os.path.isdir({str(Path.home())!r}) else [],
                  "package": os.path.dirname(course.__file__)}}))
"""
    sandbox = Sandbox.detect(hidden=[tmp_path])
    root, work = tmp_path / "box", tmp_path / "box" / "work"
    work.mkdir(parents=True)
    home = sandbox.prepare(root)
    done = subprocess.run(sandbox.command([sys.executable, "-c", code], root=root, cwd=work), capture_output=True, text=True,
                          env=sandbox.environment(learner_environment("ci", work), home), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["images"] == [100, 28, 28] and not seen["cache_writable"] and seen["keras_json"]
    assert "solutions" not in seen["repository"] and ".git" not in seen["repository"]
    # of the teacher's home only the way to a bound Python environment shows (e.g. ~/.pyenv/versions/3.11.7), nothing else
    bound = [Path(p) for p in sandbox.readonly]
    assert all(any(Path.home() / name in b.parents or Path.home() / name == b for b in bound) for name in seen["home"]), seen["home"]


def test_required_refuses_to_grade_without_bubblewrap_and_names_the_install_command(tmp_path, monkeypatch, capsys):
    from course.cli import main

    (tmp_path / "class" / "alice").mkdir(parents=True)
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"), "--sandbox", "required"]) == 2
    err = capsys.readouterr().err
    assert "--sandbox required: bubblewrap (`bwrap`) is not installed" in err and "apt-get install bubblewrap" in err
    assert not (tmp_path / "grades.csv").exists()


def test_auto_without_bubblewrap_grades_unsandboxed_and_warns_at_the_start_and_the_end(tmp_path, monkeypatch, capsys):
    from course.grading import GradeOptions, grade

    shutil.copytree(FIXTURES / "submissions" / "correct", tmp_path / "class" / "correct")
    monkeypatch.setenv("PATH", str(tmp_path))
    options = GradeOptions(checks={"01_mlp": str(FAKE_CHECKS)}, cell_timeout=20, notebook_timeout=40, jobs=1, temp_dir=tmp_path / "tmp")
    report = grade(tmp_path / "class", tmp_path / "grades.csv", options)
    record = report.data["students"]["correct"]["chapters"]["01_mlp"]
    assert record["sandboxed"] is False and record["total"] == 3 and not report.sandboxed
    err = capsys.readouterr().err
    assert err.startswith("WARNING: grading WITHOUT a sandbox (bubblewrap (`bwrap`) is not installed")
    assert err.rstrip().splitlines()[-1].startswith("WARNING: these grades were produced WITHOUT a sandbox")


def test_a_sandboxed_kernel_starts_in_a_temporary_folder_too_deep_for_a_unix_socket(tmp_path):
    from course.grading import GradeOptions, grade

    deep = tmp_path / ("d" * 60) / ("e" * 60)  # its job folders' socket paths would pass 107 bytes
    shutil.copytree(FIXTURES / "submissions" / "correct", tmp_path / "class" / "correct")
    options = GradeOptions(checks={"01_mlp": str(FAKE_CHECKS)}, cell_timeout=60, notebook_timeout=120, jobs=1,
                           temp_dir=deep, sandbox="required")
    record = grade(tmp_path / "class", tmp_path / "grades.csv", options).data["students"]["correct"]["chapters"]["01_mlp"]
    assert (record["status"], record["sandboxed"], record["total"]) == ("graded", True, 3), record["message"]


def test_the_kernels_sockets_go_to_a_short_folder_only_when_the_job_folder_is_too_deep(tmp_path):
    from course.grading.job import MAX_SOCKET_PATH, socket_folder

    assert socket_folder(tmp_path) == tmp_path / "s"
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    folder = socket_folder(deep)
    try:
        assert folder.is_dir() and len(str(folder / "k-65535")) <= MAX_SOCKET_PATH and deep not in folder.parents
    finally:
        folder.rmdir()


def test_the_answers_are_copied_out_of_the_kernels_folder_without_following_links(tmp_path):
    from course.grading.job import _collect_answers
    from course.grading.plan import ExerciseSpec

    class Spec:
        exercises = (ExerciseSpec("double", "double"), ExerciseSpec("softmax", "softmax"))

    secret = tmp_path / "teacher" / "secret.pkl"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    export = tmp_path / "work" / ".grader-export"
    export.mkdir(parents=True)
    (export / "double.pkl").write_bytes(b"the student's answer")
    (export / "softmax.pkl").symlink_to(secret)                  # a link planted by the notebook
    copied = _collect_answers(export, tmp_path / "answers", Spec)
    assert (copied / "double.pkl").read_bytes() == b"the student's answer" and not (copied / "softmax.pkl").exists()
    swapped = tmp_path / "work" / ".grader-export-swapped"
    swapped.symlink_to(secret.parent, target_is_directory=True)  # the whole folder swapped for a link
    assert list(_collect_answers(swapped, tmp_path / "answers-2", Spec).iterdir()) == []
