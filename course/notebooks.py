"""Student notebooks from solution notebooks, and headless execution of notebooks.

``solutions/`` is the single source. Exercise code sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the nbgrader convention);
:func:`make_student_notebook` replaces each marked block with a stub that
raises ``NotImplementedError``, removes ``### BEGIN HIDDEN TESTS`` blocks, and
clears every output. ``course notebooks`` writes ``notebooks/`` with it and
``course notebooks --check`` fails when ``notebooks/`` is stale.

:func:`execute_notebook` runs a notebook with nbclient (Jupyter's own
executor; its cell hooks drive ``course run``'s progress, see ``course.runner``)
and :func:`export_html` renders it with nbconvert.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import nbformat

from course.files import sync_text

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
NBFORMAT_VERSION = 4
#: Seconds one cell may run when a notebook is executed headless (``course run``): a guard against a hung cell,
#: not a budget. Full size on a 2-core CPU, chapter 5's ResNet pair runs about 1.6 hours in one cell (an hour
#: was too short: `course run 05` failed there on 2026-12-03).
CELL_TIMEOUT = 4 * 3600


class MarkerError(ValueError):
    """A solution notebook's BEGIN/END markers do not pair up."""


@dataclass(frozen=True)
class SyncReport:
    """Result of comparing notebooks/ with what solutions/ generates."""

    written: tuple[Path, ...]
    stale: tuple[Path, ...]
    orphans: tuple[Path, ...]
    #: solution notebooks whose nbgrader metadata was (or, checking only, would be) brought up to date
    metadata: tuple[Path, ...] = ()


def _strip_block(lines: list[str], begin: str, end: str, replacement: tuple[str, ...], where: str) -> list[str]:
    """Replace every ``begin``..``end`` block (markers included) by ``replacement``, indented alike."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise MarkerError(f"{where}, line {number}: '{begin}' inside another block; close it with '{end}' first.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + text for text in replacement)
        elif stripped == end:
            if not inside:
                raise MarkerError(f"{where}, line {number}: '{end}' without a '{begin}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{where}: '{begin}' is never closed; add '{end}' after the solution.")
    return out


def strip_solution_source(source: str, where: str = "cell") -> str:
    """Return a cell's source with solutions stubbed out and hidden tests removed.

    Example:
        >>> print(strip_solution_source("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION"))
        def f(x):
            # YOUR CODE HERE
            raise NotImplementedError()
    """
    lines = source.split("\n")
    lines = _strip_block(lines, BEGIN_SOLUTION, END_SOLUTION, STUB, where)
    lines = _strip_block(lines, BEGIN_HIDDEN, END_HIDDEN, (), where)
    return "\n".join(lines)


def clear_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs and execution counts from every code cell (in place); return the notebook."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def make_student_notebook(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the student version of a solution notebook (the input is not changed)."""
    from course.nbgrader import without_nbgrader_metadata

    student = without_nbgrader_metadata(nbformat.from_dict(solution))
    for index, cell in enumerate(student.cells):
        if cell.cell_type in ("code", "markdown"):
            cell.source = strip_solution_source(cell.source, where=f"{name}, cell {index}")
    return clear_outputs(student)


def serialise(notebook: nbformat.NotebookNode) -> str:
    """A notebook as the text ``course notebooks`` writes (nbformat 4, a final newline)."""
    return nbformat.writes(notebook, version=NBFORMAT_VERSION) + "\n"


def write_student_notebooks(solutions_dir: Path, notebooks_dir: Path, check_only: bool = False) -> SyncReport:
    """Write (or, with ``check_only``, compare) the student version of every solution notebook.

    Args:
        solutions_dir: folder of ``NN_name.ipynb`` solution notebooks.
        notebooks_dir: folder the student notebooks go to.
        check_only: write nothing; report which student notebooks are stale.

    Returns:
        A :class:`SyncReport`: files written, files stale (or missing), and
        student notebooks with no solution (never deleted: a teacher may have
        added them).
    """
    solutions_dir, notebooks_dir = Path(solutions_dir), Path(notebooks_dir)
    sources = sorted(solutions_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"No solution notebooks (*.ipynb) in {solutions_dir}.")
    written, stale, metadata = [], [], []
    for source in sources:
        solution = nbformat.read(source, as_version=NBFORMAT_VERSION)
        if sync_text(source, serialise(_with_nbgrader_metadata(solution, source.stem)), check_only):
            metadata.append(source)
        target = notebooks_dir / source.name
        if sync_text(target, serialise(make_student_notebook(solution, name=source.name)), check_only):
            stale.append(target)
            if not check_only:
                written.append(target)
    orphans = tuple(p for p in sorted(notebooks_dir.glob("*.ipynb")) if not (solutions_dir / p.name).exists())
    return SyncReport(tuple(written), tuple(stale), orphans, tuple(metadata))


def _with_nbgrader_metadata(solution: nbformat.NotebookNode, chapter: str) -> nbformat.NotebookNode:
    """The solution with nbgrader's cell metadata (:mod:`course.nbgrader`); unchanged for a chapter without checkers."""
    from course.chapters import UnknownChapterError
    from course.checks import chapter_exercises
    from course.nbgrader import with_nbgrader_metadata

    try:
        exercises = chapter_exercises(chapter)
    except (UnknownChapterError, ImportError):
        return solution
    return with_nbgrader_metadata(solution, {e.name: e.points for e in exercises})


def notebooks_with_outputs(folder: Path) -> list[Path]:
    """Return the notebooks in ``folder`` that carry outputs (committed ones must not)."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=NBFORMAT_VERSION)
        if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in notebook.cells):
            found.append(path)
    return found


class NotebookExecutionError(RuntimeError):
    """A notebook stopped before its end: which cell, why (one line), and the notebook as far as it ran.

    Attributes:
        cell: the failing code cell's number, 1-based among code cells (the
            ``In [n]`` a fresh run shows), or None when it failed before any cell.
        cells: how many code cells the notebook has.
        reason: the error's last line, e.g. ``"ValueError: epochs must be ..."``.
        source: the failing cell's first line of code ("" when unknown).
        notebook: the notebook with the outputs of every cell that ran.
    """

    def __init__(self, reason: str, cell: int | None, cells: int, source: str, notebook: nbformat.NotebookNode):
        where = f"cell {cell} of {cells}" + (f" (`{source}`)" if source else "") if cell else "before the first cell"
        super().__init__(f"{where}: {reason}")
        self.reason, self.cell, self.cells, self.source, self.notebook = reason, cell, cells, source, notebook


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells of a notebook, in order (those nbclient runs)."""
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def first_code_line(source: str, width: int = 60) -> str:
    """The first line of a cell that is neither blank nor a comment, cut to ``width`` characters.

    Example:
        >>> first_code_line("# Train the model\\nhistory = fit(model, x_train, y_train, epochs=20)", width=30)
        'history = fit(model, x_train,…'
    """
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


def _last_line(error: BaseException, timeout: int) -> str:
    """The one line that says why a notebook stopped, from nbclient's exception."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if isinstance(error, CellExecutionError):
        evalue = " ".join(str(error.evalue).split())
        return f"{error.ename}: {evalue}"[:500] if evalue else str(error.ename)
    if isinstance(error, CellTimeoutError):
        return f"timed out: the cell ran longer than {timeout} s (raise it with --cell-timeout)"
    if isinstance(error, DeadKernelError):
        return "the kernel died (out of memory, or the process was killed)"
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1].strip()}" if lines else type(error).__name__


def execute_notebook(
    path: Path,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = "python3",
    cwd: Path | None = None,
    hooks: Mapping[str, Callable[..., Any]] | None = None,
    kernel_log: Path | None = None,
) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom with nbclient; return the executed notebook.

    The kernel starts with :func:`default_kernel_env` (TensorFlow's C++ logs
    off). What the kernel process itself writes to its stdout and stderr
    (Jupyter's own warnings, a crash's last words; not the cells' outputs, which
    go into the notebook) goes to ``kernel_log`` when given, else is discarded,
    so it never mixes with the caller's terminal.

    Args:
        path: the ``.ipynb`` file to run (not modified).
        timeout: seconds one cell may run.
        kernel_name: the Jupyter kernel to start.
        cwd: the folder the kernel runs in (default: the notebook's folder).
        hooks: nbclient's hooks by name (``on_cell_execute``, ``on_cell_executed``,
            ``on_notebook_start``, ...), each called with keyword arguments
            (``cell``, ``cell_index``, ...) as nbclient documents.
        kernel_log: file for the kernel process's own output.

    Raises:
        NotebookExecutionError: a cell raised, timed out or the kernel died; it
        names the cell and carries the notebook as far as it ran.

    Example:
        >>> executed = execute_notebook(Path("solutions/01_mlp.ipynb"))    # doctest: +SKIP
    """
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=NBFORMAT_VERSION)
    cells = code_cells(notebook)
    running: dict[str, Any] = {"cell": None}
    hooks = dict(hooks or {})
    outer = hooks.get("on_cell_execute")

    def on_cell_execute(cell: nbformat.NotebookNode, cell_index: int) -> None:
        running["cell"] = cell
        if outer is not None:
            outer(cell=cell, cell_index=cell_index)

    hooks["on_cell_execute"] = on_cell_execute
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd or Path(path).parent)}},
        **hooks,
    )
    with contextlib.ExitStack() as stack:
        if kernel_log is not None:
            Path(kernel_log).parent.mkdir(parents=True, exist_ok=True)
            sink = stack.enter_context(open(kernel_log, "wb"))
        else:
            sink = subprocess.DEVNULL
        try:
            client.execute(env=default_kernel_env(), stdout=sink, stderr=sink)
        except Exception as error:
            cell = running["cell"]
            number = next((i for i, c in enumerate(cells, start=1) if c is cell), None)
            raise NotebookExecutionError(_last_line(error, timeout), number, len(cells),
                                         first_code_line(cell.source) if cell is not None else "", notebook) from error
    return notebook


def export_html(notebook: nbformat.NotebookNode, target: Path) -> Path:
    """Render an executed notebook to a standalone HTML file with nbconvert."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def default_kernel_env() -> dict[str, str]:
    """Environment for executing notebooks: this process's, with TensorFlow's C++ logs off unless set.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's own log lines from the
    kernel's first import on; the lines it does not reach are filtered by
    ``course.setup.setup_notebook``.

    Example:
        >>> default_kernel_env()["TF_CPP_MIN_LOG_LEVEL"] in {"0", "1", "2", "3"}
        True
    """
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env
