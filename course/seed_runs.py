"""Run a chapter notebook with several seeds and sum up every number it prints (for maintainers; not taught).

A chapter's text quotes no number the learner's run did not print: it refers
to the printed value and gives the range it took over several seeds
(CONTRIBUTING.md, "Writing a chapter notebook"). This module measures those
ranges by executing the notebook itself, unchanged but for its seed: each
chapter notebook defines ``SEED = 0`` once, in its imports cell, and every
training run uses it. Run at full size (``COURSE_MODE`` unset)::

    python -m course.seed_runs 01 --seeds 0 1 2 --out build/seeds01

prints each line the notebook printed with its numbers as ``min..max`` over
the seeds (``test accuracy 0.8921..0.8967``), and writes to ``--out`` the
executed notebooks (``01_mlp.seed0.ipynb``, ...) and ``summary.json`` (the
machine, the minutes each run took and every line of every seed).

Example:
    >>> summarise(["loss 0.50, 3 epochs", "loss 0.46, 3 epochs"])
    'loss 0.46..0.50, 3 epochs'
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import nbformat

#: The line each chapter notebook sets its seed with (exactly once, in a code cell).
SEED_LINE = re.compile(r"^SEED = \d+\b", re.M)
#: A number as notebooks print them: optional sign, digits with optional thousands commas, optional decimals or exponent.
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?")
ROOT = Path(__file__).resolve().parents[1]


def with_seed(notebook: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose ``SEED = ...`` line says ``SEED = seed``.

    Raises:
        ValueError: the notebook has no such line, or more than one.
    """
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    found = [cell for cell in copy.cells if cell.cell_type == "code" and SEED_LINE.search(cell.source)]
    count = sum(len(SEED_LINE.findall(cell.source)) for cell in found)
    if count != 1:
        raise ValueError(f"the notebook must set its seed once, with a line 'SEED = 0' in a code cell; found {count} such lines")
    found[0].source = SEED_LINE.sub(f"SEED = {seed}", found[0].source)
    return copy


def printed_lines(notebook: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """Every line an executed notebook printed to stdout: ``(cell index, line index, text)``."""
    lines = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        text = "".join(output.get("text", "") for output in cell.get("outputs", [])
                       if output.get("output_type") == "stream" and output.get("name") == "stdout")
        lines.extend((index, i, line) for i, line in enumerate(text.splitlines()))
    return lines


def _as_float(token: str) -> float:
    return float(token.replace(",", "").rstrip("%"))


def summarise(texts: list[str]) -> str:
    """One line for the same printed line of several runs: each number that differs becomes ``min..max``.

    When the lines differ in more than their numbers, they are joined with `` | ``.
    """
    templates = {NUMBER.sub("#", text) for text in texts}
    if len(templates) != 1:
        return " | ".join(texts)
    columns = list(zip(*(NUMBER.findall(text) for text in texts)))
    pieces = NUMBER.split(texts[0])
    out = [pieces[0]]
    for column, piece in zip(columns, pieces[1:]):
        if len(set(column)) == 1:
            out.append(column[0])
        else:
            ordered = sorted(column, key=_as_float)
            out.append(f"{ordered[0]}..{ordered[-1]}")
        out.append(piece)
    return "".join(out)


def run(chapter: str, seeds: list[int], out: Path, cell_timeout: int = 3600) -> dict:
    """Execute the chapter's solution notebook once per seed; write the executed copies and ``summary.json``."""
    from nbclient import NotebookClient

    from course.chapters import chapter as find
    from course.config import mode

    entry = find(chapter)
    path = ROOT / "solutions" / entry.notebook
    source = nbformat.read(path, as_version=4)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in seeds:
        notebook = with_seed(source, seed)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        minutes = (time.perf_counter() - start) / 60
        nbformat.write(notebook, out / f"{entry.id}.seed{seed}.ipynb")
        runs.append({"seed": seed, "minutes": round(minutes, 2), "lines": printed_lines(notebook)})
        print(f"seed {seed}: {minutes:.1f} minutes", flush=True)
    keyed = [{(cell, i): text for cell, i, text in r["lines"]} for r in runs]
    keys = sorted(set().union(*keyed))
    summary = [{"cell": cell, "line": i, "summary": summarise([k.get((cell, i), "") for k in keyed]),
                "texts": [k.get((cell, i), "") for k in keyed]} for cell, i in keys]
    record = {"chapter": entry.id, "seeds": seeds, "mode": mode(), "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
              "minutes": [r["minutes"] for r in runs], "lines": summary}
    (out / "summary.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.seed_runs", description=__doc__.split("\n")[0])
    parser.add_argument("chapter", help="the chapter: 01, 1, 01_mlp, mlp")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to run (default: 0 1 2)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the executed notebooks and summary.json")
    args = parser.parse_args(argv)
    from course.config import mode

    if mode() != "full":
        print(f"note: COURSE_MODE={mode()}: a shortened run; its numbers say nothing about the full-size run.", file=sys.stderr)
    record = run(args.chapter, args.seeds, args.out)
    current = None
    for line in record["lines"]:
        if line["cell"] != current:
            current = line["cell"]
            print(f"--- cell {current}")
        print(line["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
