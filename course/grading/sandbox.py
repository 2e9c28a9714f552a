"""What contains a learner process: a bubblewrap sandbox, the memory watchdog, killing the whole tree.

Each student kernel and each checks worker runs as
``bwrap <view> -- python ...`` (bubblewrap, the unprivileged sandbox that
Flatpak uses; packaged as ``bubblewrap`` by Debian, Ubuntu and Fedora):

- own PID, network, IPC, UTS, user and cgroup namespaces (``--unshare-all``):
  no network at all, not even the host's loopback; the process sees only its
  own processes; ``--die-with-parent`` and the PID namespace make everything
  it started die with it (a daemon, a ``start_new_session`` child, a fork);
- a read-only view of the system (``/usr``, ``/etc``, the ``/lib`` links), the
  Python environment (its prefixes and site folders) and the ``course``
  package folder alone, never the repository around it (``solutions/``,
  ``.git``); ``course/references/`` is masked by an empty folder for the
  checks worker, which calls the answers (the kernel keeps it: the notebook's
  own check and narrative cells use it, and nothing the kernel computes is
  trusted);
- nothing else of the host: not the submissions, other students' files, the
  teacher's config, home, output and cache folders (they are not bound, and
  masked if they lie inside something that is);
- a private writable home, working folder and ``/tmp`` (on disk, inside the
  job's throw-away folder);
- the Keras and Hugging Face caches read-only: ``KERAS_HOME`` and ``HF_HOME``
  point to private writable folders whose data subfolders (``datasets``,
  ``hub``) are read-only binds of the teacher's caches, because Keras
  silently falls back to ``/tmp/.keras`` (and re-downloads) when
  ``KERAS_HOME`` itself is not writable, and writes ``keras.json`` there.

Memory is bounded by :class:`Watchdog` (psutil on the resident memory of the
sandbox's whole process tree, seen from outside), as before.
"""

from __future__ import annotations

import os
import shutil
import signal
import site
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

#: Printed when bubblewrap is missing.
INSTALL_HINT = (
    "install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora); "
    "on macOS or Windows grade inside a Linux container or VM (see the README)"
)
#: Printed when bubblewrap is there but cannot create its namespaces.
WORKAROUND_HINT = (
    "in a container, let it create user namespaces (Docker: --security-opt seccomp=unconfined, or run the grader as root "
    "in the container); on a host, check that unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1)"
)
#: Read-only parts of the operating system every sandbox sees (those that exist).
SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/sys")
#: Cache variables whose data is bound read-only: variable -> (default folder, subfolders holding data).
CACHES = {"KERAS_HOME": (".keras", ("datasets", "models")), "HF_HOME": (".cache/huggingface", ("hub", "datasets", "xet", "assets"))}
#: Environment variables passed to learner processes (prefixes); everything else (tokens, keys) is dropped.
PASSED_VARIABLES = ("PATH", "LANG", "LC_", "TZ", "TERM", "TF_", "XLA_", "KERAS_BACKEND", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                    "HF_DATASETS_OFFLINE", "CUDA_", "NVIDIA_", "OMP_", "MKL_", "OPENBLAS_", "PYTHONPATH", "PYTHONHASHSEED", "VIRTUAL_ENV")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here; the message says why and how to fix it."""


@dataclass(frozen=True)
class Sandbox:
    """The view a learner process gets; :meth:`command` wraps a command line in it.

    Attributes:
        bwrap: path of the ``bwrap`` executable.
        readonly: host folders bound read-only at the same path (system, Python, the ``course`` package).
        symlinks: ``(target, link)`` pairs, e.g. ``("usr/lib", "/lib")`` on merged-/usr systems.
        masked: folders (or files) inside a bound folder that must stay invisible
            (``course/references``, and the teacher's folders when they lie inside a bound one).
        caches: ``(variable, host folder)`` of the dataset caches, bound read-only.
        course_package: the ``course`` package folder the sandbox imports.

    Example:
        >>> box = Sandbox.detect(hidden=[Path("submissions")])      # doctest: +SKIP
        >>> box.command(["python", "-c", "print(1)"], root=Path("/tmp/job/k"), cwd=Path("/tmp/job/work"))  # doctest: +SKIP
        ['/usr/bin/bwrap', '--unshare-all', ..., '--', 'python', '-c', 'print(1)']
    """

    bwrap: str
    readonly: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...] = ()
    masked: tuple[str, ...] = ()
    caches: tuple[tuple[str, str], ...] = ()
    course_package: str = ""

    # --- building the view -------------------------------------------------------------
    @classmethod
    def detect(cls, hidden: Iterable[str | Path] = ()) -> "Sandbox":
        """The sandbox for this Python environment; raise :class:`SandboxUnavailable` without bubblewrap.

        Args:
            hidden: teacher's paths that must never be visible (submissions, outputs, cache, config, home);
                masked when they lie inside a folder the sandbox binds.
        """
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed; {INSTALL_HINT}.")
        import course

        package = Path(course.__file__).resolve().parent
        readonly, symlinks = [], []
        for path in SYSTEM_PATHS:
            if os.path.islink(path):
                symlinks.append((os.readlink(path), path))
            elif os.path.isdir(path):
                readonly.append(path)
        readonly += _python_folders(package)
        bound = readonly + [str(package)]
        masked = [str(package / "references")] if (package / "references").exists() else []
        if (package / "references.py").exists():
            masked.append(str(package / "references.py"))
        for path in hidden:
            path = Path(path).expanduser().resolve()
            if path.exists() and any(_inside(path, Path(b)) for b in bound) and not any(_inside(Path(b), path) for b in bound):
                masked.append(str(path))
        caches = []
        for variable, (default, _) in CACHES.items():
            folder = Path(os.path.expanduser(os.environ.get(variable, f"~/{default}")))
            if folder.is_dir():
                caches.append((variable, str(folder.resolve())))
        return cls(bwrap, tuple(_outermost(readonly)), tuple(symlinks), tuple(masked), tuple(caches), str(package))

    def command(self, argv: list[str], root: Path, cwd: Path, writable: Iterable[Path] = (), readonly: Iterable[Path] = (),
                references: bool = False) -> list[str]:
        """``bwrap ... -- argv``: run ``argv`` in this view, with ``root`` (from :meth:`prepare`) as home and /tmp.

        Args:
            argv: the command to run inside.
            root: the process's private folder, made by :meth:`prepare` (home, tmp, caches).
            cwd: working folder inside (bound writable at the same path).
            writable: more host folders bound writable at the same path (the kernel's sockets, the outcomes).
            readonly: more host folders bound read-only at the same path (the exported answers).
            references: show ``course/references`` (the kernel: the notebook's check cells and
                narrative cells use them; what the kernel computes is never trusted). The checks
                worker, which calls the answers, never sees them.
        """
        args = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
        # /tmp first: a later bind may lie under the host's /tmp (a checkout, a job folder) and must stay on top
        args += ["--bind", str(root / "tmp"), "/tmp"]
        for path in self.readonly:
            args += ["--ro-bind", path, path]
        for target, link in self.symlinks:
            args += ["--symlink", target, link]
        if self.course_package and not any(_inside(Path(self.course_package), Path(p)) for p in self.readonly):
            args += ["--ro-bind", self.course_package, self.course_package]
        shown = str(Path(self.course_package) / "references") if references and self.course_package else None
        for path in self.masked:
            if shown and (path == shown or path == shown + ".py"):
                continue
            if os.path.isdir(path):
                args += ["--tmpfs", path, "--remount-ro", path]
            else:
                args += ["--ro-bind", "/dev/null", path]
        args += ["--bind", str(root / "home"), str(root / "home")]
        for variable, folder in self.caches:
            home = root / "home" / CACHES[variable][0]
            for name in CACHES[variable][1]:
                if (Path(folder) / name).is_dir():
                    args += ["--ro-bind", str(Path(folder) / name), str(home / name)]
        for path in [cwd, *writable]:
            args += ["--bind", str(path), str(path)]
        for path in readonly:
            args += ["--ro-bind", str(path), str(path)]
        # ipykernel exits when its parent is PID 1, which bwrap's init is inside: no parent polling
        # (the sandbox dies with its parent anyway).
        args += ["--unsetenv", "JPY_PARENT_PID", "--remount-ro", "/", "--chdir", str(cwd), "--"]
        return args + list(argv)

    def prepare(self, root: Path) -> Path:
        """Make ``root/home`` and ``root/tmp`` (the private writable folders); return the home.

        The cache variables point into the home, at writable folders whose data
        subfolders :meth:`command` binds read-only; ``keras.json`` and
        matplotlib's font list are copied in, so nothing is rebuilt at start.
        """
        home = root / "home"
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        for variable, folder in self.caches:
            private = home / CACHES[variable][0]
            for name in CACHES[variable][1]:
                if (Path(folder) / name).is_dir():
                    (private / name).mkdir(parents=True, exist_ok=True)
            private.mkdir(parents=True, exist_ok=True)
            if (Path(folder) / "keras.json").is_file():
                shutil.copyfile(Path(folder) / "keras.json", private / "keras.json")
        matplotlib = home / ".config" / "matplotlib"
        matplotlib.mkdir(parents=True, exist_ok=True)
        for font_list in _matplotlib_font_lists():
            shutil.copyfile(font_list, matplotlib / font_list.name)
        return home

    def environment(self, base: dict[str, str], home: Path) -> dict[str, str]:
        """The environment inside: ``base`` (already filtered), with home, temp and caches pointing inside."""
        env = dict(base)
        env.update(HOME=str(home), TMPDIR="/tmp", MPLCONFIGDIR=str(home / ".config" / "matplotlib"), PYTHONNOUSERSITE="1")
        for variable, _ in self.caches:
            env[variable] = str(home / CACHES[variable][0])
        return env


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside another one of the list (their parent's bind covers them); keep order."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_inside(Path(path), Path(k)) for k in kept):
            kept.append(path)
    return kept


def _python_folders(package: Path) -> list[str]:
    """The Python environment, read-only: its prefixes and site folders, never a source checkout around ``course``.

    A folder on ``sys.path`` counts when it lies inside a prefix or is a
    ``site-packages`` folder; the package's own parent counts only if it is
    one of those (an installed package). An editable install or ``PYTHONPATH``
    checkout gets the package folder alone (see :meth:`Sandbox.command`).
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    prefixes |= {str(Path(p).resolve()) for p in prefixes}
    prefixes.add(str(Path(os.path.realpath(sys.executable)).parent.parent))
    folders = {str(Path(p)) for p in prefixes if Path(p).is_dir()}
    candidates = list(sys.path) + list(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        candidates.append(site.getusersitepackages())
    for entry in candidates:
        if not entry or not os.path.isdir(entry):
            continue
        path = Path(entry).resolve()
        if path.name in ("site-packages", "dist-packages") or any(_inside(path, Path(p)) for p in folders):
            folders.add(str(path))
    # the folders we found, real paths too (a venv's python is a link into the base prefix)
    return sorted(folders | {str(Path(f).resolve()) for f in folders})


def _matplotlib_font_lists() -> list[Path]:
    """matplotlib's font list files in the teacher's cache (found without importing matplotlib)."""
    folders = [os.environ.get("MPLCONFIGDIR"), os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "matplotlib")]
    for folder in folders:
        if folder:
            found = sorted(Path(os.path.expanduser(folder)).glob("fontlist-v*.json"))
            if found:
                return found[-1:]
    return []


#: Variables that size the thread pools of NumPy's BLAS, OpenMP and TensorFlow.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def learner_environment(mode: str, work: Path, base: dict[str, str] | None = None, threads: int | None = None) -> dict[str, str]:
    """Environment of a student kernel or a checks worker: the grader's, minus secrets, sized.

    Only :data:`PASSED_VARIABLES` pass (by prefix), so the teacher's tokens and
    keys never reach learner code; ``COURSE_MODE`` is the run size and temporary
    files go to ``work``. ``threads`` caps the BLAS, OpenMP and TensorFlow
    thread pools (unless the teacher set them), so that ``--jobs`` notebooks
    share the cores instead of each spinning up one thread per core.

    Example:
        >>> learner_environment("ci", Path("/tmp/w"), {"PATH": "/usr/bin", "AWS_SECRET": "x"})["COURSE_MODE"]
        'ci'
    """
    base = dict(os.environ) if base is None else base
    env = {k: v for k, v in base.items() if k.startswith(PASSED_VARIABLES) and not k.startswith("COURSE_GRADE")}
    env["HOME"] = base.get("HOME", str(work))
    env["COURSE_MODE"] = mode
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TMPDIR"] = str(work)
    if threads:
        for variable in THREAD_VARIABLES:
            env.setdefault(variable, str(threads))
    for variable in ("KERAS_HOME", "HF_HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        if variable in base:
            env[variable] = base[variable]
    return env


def probe(sandbox: Sandbox, folder: Path) -> str | None:
    """Run a trivial command in the exact sandbox (Python importing ``course``); None if it works, else why not."""
    root = folder / "probe"
    work = root / "work"
    work.mkdir(parents=True, exist_ok=True)
    home = sandbox.prepare(root)
    argv = sandbox.command([sys.executable, "-c", "import course, sys; sys.stdout.write('sandbox ok')"], root=root, cwd=work)
    env = sandbox.environment(learner_environment("ci", work), home)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not run: {type(error).__name__}: {error}"
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if done.returncode != 0 or done.stdout != "sandbox ok":
        detail = (done.stderr or done.stdout).strip().splitlines()
        return (f"bubblewrap is installed but the sandbox does not work here (exit code {done.returncode}: "
                f"{detail[-1] if detail else 'no message'}); {WORKAROUND_HINT}")
    return None


# --------------------------------------------------------------------------------------
# Processes: memory watchdog and killing a whole tree
# --------------------------------------------------------------------------------------


class Watchdog:
    """Kill a process (and its children) whose resident memory passes a limit.

    A thread polls psutil every ``interval`` seconds. ``tripped`` says whether
    it killed something, so the caller can report "used more than N MB".
    It watches from outside the sandbox: bwrap's process and every process
    of the sandbox are its children. RLIMIT_AS is not used: TensorFlow maps
    far more virtual memory than it touches (1.8 GB virtual for 0.6 GB
    resident after ``import tensorflow`` on a CPU machine, much more with
    CUDA), so an address-space limit either breaks imports or does not bound
    anything.
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
        while not self._stop.wait(self.interval):
            pid = self.pid
            if pid is None:
                continue
            rss = sum(_resident_bytes(member) for member in family(pid))
            self.peak = max(self.peak, rss)
            if rss > self.limit and self.pid == pid:
                self.tripped = True
                kill_tree(pid)

    def stop(self) -> None:
        self._stop.set()


_CHILDREN_FILES = os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def family(pid: int) -> list[int]:
    """``pid`` and all its descendants, read from ``/proc/<pid>/task/<tid>/children`` (psutil if that is missing).

    Reading the children files touches only the family; psutil's
    ``children(recursive=True)`` reads every process of the machine, which
    the watchdog would do five times a second.
    """
    if not _CHILDREN_FILES:  # a kernel without CONFIG_PROC_CHILDREN
        return _family_psutil(pid)
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue += [int(child) for child in handle.read().split()]
            except (OSError, ValueError):
                continue
    return found


def _family_psutil(pid: int) -> list[int]:
    import psutil

    try:
        root = psutil.Process(pid)
        return [pid] + [child.pid for child in root.children(recursive=True)]
    except psutil.Error:
        return []


def _resident_bytes(pid: int) -> int:
    """Resident memory of one process (``/proc/<pid>/statm``), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def kill_tree(pid: int, timeout: float = 10) -> None:
    """SIGKILL a process and all its descendants, then wait until they are gone.

    For a sandbox this is bwrap and the sandbox's init: the kernel then kills
    every other process of its PID namespace, and the init's exit waits for
    them, so when this returns nothing the sandbox started is left. (A zombie
    counts as gone: it has exited and only waits for its parent to read its status.)
    """
    import psutil

    members = []
    for member_pid in family(pid):
        try:
            members.append(psutil.Process(member_pid))
        except psutil.Error:
            continue
    for member in members:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    deadline = time.monotonic() + timeout
    while members and time.monotonic() < deadline:
        members = [m for m in members if _running(m)]
        if members:
            time.sleep(0.02)


def _running(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
