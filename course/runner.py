"""``course run``: execute chapter notebooks headless, with progress, remembered timings and a summary.

For each notebook, :func:`run_notebooks` shows (with rich, through nbclient's
cell hooks) the cell being run out of how many, the time elapsed and, once a
run has finished before in the same mode, an estimate of the time left from
that run's per-cell seconds (kept in ``<out>/.timings.json``). It writes the
executed notebook and its HTML to ``<out>/``, and the kernel process's own
output (Jupyter's warnings, a crash's last words) to ``<out>/logs/``, so
none of it reaches the terminal. A notebook that fails is reported with its
cell and the error's last line, and the others still run.

:func:`summary_table` is the table printed at the end: chapter, minutes,
checkers passed out of total, headline number (``course.results.headline``)
and where the HTML is.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from course.config import mode
from course.files import atomic_write
from course.notebooks import CELL_TIMEOUT, NotebookExecutionError, code_cells, execute_notebook, export_html, first_code_line
from course.results import Headline, Verdicts, count_verdicts, read_headline

#: File in the output folder that keeps the last finished run's seconds per cell, per mode and notebook.
TIMINGS_FILE = ".timings.json"
#: Folder in the output folder for each kernel process's own output.
LOGS_DIR = "logs"


@dataclass
class NotebookRun:
    """What running one notebook gave (one row of the summary table)."""

    name: str
    seconds: float = 0.0
    cells: int = 0
    verdicts: Verdicts = field(default_factory=Verdicts)
    headline: Headline | None = None
    html: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------
# Timings of the last run
# --------------------------------------------------------------------------

def cell_key(cell: Any, index: int) -> str:
    """The key a code cell's seconds are stored under: its nbformat id, else ``#<index among code cells>``."""
    return str(cell.get("id") or f"#{index}")


def load_timings(out: Path) -> dict[str, Any]:
    """``{mode: {notebook: {"cells": {cell key: seconds}, "seconds": total}}}`` from ``out/.timings.json``; {} if none or unreadable."""
    try:
        data = json.loads((Path(out) / TIMINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_timings(out: Path, run_mode: str, name: str, seconds_by_cell: dict[str, float]) -> None:
    """Record one finished notebook's seconds per cell (replacing its previous record for this mode)."""
    data = load_timings(out)
    data.setdefault(run_mode, {})[name] = {"cells": seconds_by_cell, "seconds": sum(seconds_by_cell.values())}
    atomic_write(Path(out) / TIMINGS_FILE, json.dumps(data, indent=1, sort_keys=True) + "\n")


def remaining_seconds(plan: Sequence[float | None], current: int, cell_elapsed: float) -> float | None:
    """Seconds left by the last run's timings: the rest of cell ``current`` (0-based) plus every later cell.

    ``plan`` holds the last run's seconds for each code cell (None for a cell
    it did not have). Returns None when there is no plan.

    Example:
        >>> remaining_seconds([10.0, 60.0, 5.0], current=1, cell_elapsed=20.0)
        45.0
    """
    if not plan or all(seconds is None for seconds in plan):
        return None
    expected = plan[current] if current < len(plan) and plan[current] is not None else 0.0
    later = sum(seconds for seconds in plan[current + 1:] if seconds is not None)
    return max(expected - cell_elapsed, 0.0) + later


def format_duration(seconds: float) -> str:
    """``"42 s"`` under two minutes, else ``"12 min"``.

    Example:
        >>> format_duration(42.4), format_duration(725)
        ('42 s', '12 min')
    """
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def plain_progress_line(name: str, current: int, total: int, elapsed: float, plan: Sequence[float | None], source: str) -> str:
    """The line ``course run`` prints as cell ``current`` (0-based) starts when its output is not a terminal.

    Example:
        >>> plain_progress_line("01_mlp", 1, 3, 75.0, [10.0, 20.0, 30.0], "model.fit(x, y)")
        '01_mlp cell 2/3, 75 s elapsed, about 50 s left (last run): model.fit(x, y)'
    """
    left = remaining_seconds(plan, current, 0.0)
    estimate = f", about {format_duration(left)} left (last run)" if left is not None else ""
    return f"{name} cell {current + 1}/{total}, {format_duration(elapsed)} elapsed{estimate}: {first_code_line(source, 60)}"


class EstimateColumn(ProgressColumn):
    """A rich progress column: time left by the last run's per-cell timings, recomputed at each refresh."""

    def render(self, task: Any) -> Text:
        plan = task.fields.get("plan")
        started = task.fields.get("cell_started")
        if task.finished or started is None:
            return Text("")
        left = remaining_seconds(plan, int(task.completed), time.monotonic() - started)
        if left is None:
            return Text("first run: no estimate yet", style="dim")
        return Text(f"about {format_duration(left)} left (last run)", style="cyan")


# --------------------------------------------------------------------------
# Running notebooks
# --------------------------------------------------------------------------

def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.fields[name]} cell {task.fields[cell]}/{task.total:.0f}", style="bold", markup=False),
        BarColumn(bar_width=24),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        EstimateColumn(),
        TextColumn("{task.fields[source]}", style="dim", markup=False),
        console=console,
        transient=True,
    )


def run_notebook(path: Path, out: Path, progress: Progress, timeout: int = CELL_TIMEOUT) -> NotebookRun:
    """Execute one notebook with a progress line; write ``out/<name>.ipynb`` and ``.html``; return its :class:`NotebookRun`.

    A failing notebook is still written as far as it ran (its traceback is in
    the notebook and the HTML); the returned run's ``error`` says which cell and why.
    """
    import nbformat

    name, run_mode = path.stem, mode()
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:  # nbformat's NotJSONError is a ValueError
        return NotebookRun(name, error=f"cannot read {path}: {' '.join(str(error).split())[:300]}")
    cells = code_cells(notebook)
    last = load_timings(out).get(run_mode, {}).get(name, {}).get("cells", {})
    keys = [cell_key(cell, i) for i, cell in enumerate(cells)]
    plan = [last.get(key) for key in keys] if last else []
    ordinal = {index: i for i, index in enumerate(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")}
    seconds: dict[str, float] = {}
    start = time.monotonic()
    started = {"at": start}
    task = progress.add_task(name, total=len(cells), name=name, cell=0, source="starting the kernel", plan=plan,
                             cell_started=None)

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        i = ordinal.get(cell_index, len(seconds))
        started["at"] = time.monotonic()
        progress.update(task, cell=i + 1, source=first_code_line(cell.source, 40), cell_started=started["at"])
        if not progress.console.is_terminal:  # a log or a pipe shows no live bar: one plain line per cell instead
            progress.console.print(plain_progress_line(name, i, len(cells), started["at"] - start, plan, cell.source),
                                   markup=False, highlight=False, soft_wrap=True)

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any = None) -> None:
        i = ordinal.get(cell_index)
        seconds[keys[i] if i is not None else f"#{cell_index}"] = round(time.monotonic() - started["at"], 3)
        progress.update(task, completed=len(seconds))

    run = NotebookRun(name, cells=len(cells))
    try:
        executed = execute_notebook(path, timeout=timeout, kernel_log=out / LOGS_DIR / f"{name}.kernel.log",
                                    hooks={"on_cell_execute": on_cell_execute, "on_cell_executed": on_cell_executed})
    except NotebookExecutionError as error:
        executed, run.error = error.notebook, str(error)
    run.seconds = time.monotonic() - start
    progress.remove_task(task)
    nbformat.write(executed, out / path.name)
    run.html = export_html(executed, out / f"{name}.html")
    run.verdicts, run.headline = count_verdicts(executed), read_headline(executed)
    if run.ok:
        save_timings(out, run_mode, name, seconds)
    return run


def run_notebooks(paths: Sequence[Path], out: Path, timeout: int = CELL_TIMEOUT, console: Console | None = None) -> list[NotebookRun]:
    """Execute notebooks one after the other with progress; one :class:`NotebookRun` each, failures included.

    Args:
        paths: the ``.ipynb`` files, in the order to run them.
        out: folder for executed notebooks, HTML, logs and timings (created).
        timeout: seconds one cell may run.
        console: where progress and the per-notebook lines go (default: stdout).

    Example:
        >>> runs = run_notebooks([Path("solutions/01_mlp.ipynb")], Path("build"))   # doctest: +SKIP
        >>> Console().print(summary_table(runs))                                    # doctest: +SKIP
    """
    console = console or Console()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    with _progress(console) as progress:
        for path in paths:
            run = run_notebook(Path(path), out, progress, timeout)
            runs.append(run)
            if run.ok:
                checkers = f"checkers {run.verdicts} passed" if run.verdicts.total else "no checkers"
                console.print(Text.assemble(("done   ", "green"), f" {run.name}: {run.cells} cells in "
                                            f"{format_duration(run.seconds)}, {checkers} -> {run.html}"))
            else:
                console.print(Text.assemble(("FAILED ", "bold red"), f" {run.name}, {run.error}"), soft_wrap=True)
                if run.html:
                    console.print(Text(f"        the traceback is in {out / Path(path).name} and {run.html}"))
    return runs


def summary_table(runs: Sequence[NotebookRun]) -> Table:
    """The table ``course run`` prints at the end: chapter, minutes, checkers passed/total, headline, HTML.

    Example:
        >>> summary_table([NotebookRun("01_mlp", seconds=90, verdicts=Verdicts(passed=12))]).row_count
        1
    """
    table = Table(title=f"course run ({mode()} size)", title_justify="left")
    table.add_column("chapter")
    table.add_column("minutes", justify="right")
    table.add_column("checkers passed", justify="right")
    table.add_column("headline")
    table.add_column("HTML", overflow="fold")
    for run in runs:
        checkers = str(run.verdicts) if run.ok else f"{run.verdicts} (stopped)"
        table.add_row(
            run.name if run.ok else Text(f"{run.name} FAILED", style="red"),
            f"{run.seconds / 60:.1f}",
            checkers,
            str(run.headline) if run.headline else "-",
            str(run.html) if run.html else "-",
        )
    return table
