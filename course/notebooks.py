"""Student notebooks from solution notebooks, and headless execution of notebooks.

``solutions/`` is the single source. Exercise code sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the nbgrader convention);
:func:`make_student_notebook` replaces each marked block with a stub that
raises ``NotImplementedError``, removes ``### BEGIN HIDDEN TESTS`` blocks, and
clears every output. ``course notebooks`` writes ``notebooks/`` with it and
``course notebooks --check`` fails when ``notebooks/`` is stale.

:func:`execute_notebook` runs a notebook with nbclient (Jupyter's own
executor) and :func:`export_html` renders it with nbconvert: ``course run``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
NBFORMAT_VERSION = 4
#: Seconds one cell may run when a notebook is executed headless (``course run``).
CELL_TIMEOUT = 3600


class MarkerError(ValueError):
    """A solution notebook's BEGIN/END markers do not pair up."""


@dataclass(frozen=True)
class SyncReport:
    """Result of comparing notebooks/ with what solutions/ generates."""

    written: tuple[Path, ...]
    stale: tuple[Path, ...]
    orphans: tuple[Path, ...]


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
    student = nbformat.from_dict(solution)
    for index, cell in enumerate(student.cells):
        if cell.cell_type in ("code", "markdown"):
            cell.source = strip_solution_source(cell.source, where=f"{name}, cell {index}")
    return clear_outputs(student)


def _serialise(notebook: nbformat.NotebookNode) -> str:
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
    written, stale = [], []
    for source in sources:
        solution = nbformat.read(source, as_version=NBFORMAT_VERSION)
        text = _serialise(make_student_notebook(solution, name=source.name))
        target = notebooks_dir / source.name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(target)
        if not check_only:
            notebooks_dir.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    orphans = tuple(p for p in sorted(notebooks_dir.glob("*.ipynb")) if not (solutions_dir / p.name).exists())
    return SyncReport(tuple(written), tuple(stale), orphans)


def notebooks_with_outputs(folder: Path) -> list[Path]:
    """Return the notebooks in ``folder`` that carry outputs (committed ones must not)."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=NBFORMAT_VERSION)
        if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in notebook.cells):
            found.append(path)
    return found


def execute_notebook(path: Path, timeout: int = CELL_TIMEOUT, kernel_name: str = "python3", cwd: Path | None = None) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom with nbclient; return the executed notebook.

    Raises ``nbclient.exceptions.CellExecutionError`` naming the failing cell.
    """
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=NBFORMAT_VERSION)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd or Path(path).parent)}},
    )
    client.execute()
    return notebook


def export_html(notebook: nbformat.NotebookNode, target: Path) -> Path:
    """Render an executed notebook to a standalone HTML file with nbconvert."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def default_kernel_env() -> dict[str, str]:
    """Environment for executing notebooks: quiet TensorFlow C++ logs, keep the rest."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env
