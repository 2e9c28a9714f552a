"""The ``course`` command: a thin layer over the functions the notebooks use.

    course data --check            what is in the Keras cache
    course data --download         fetch every dataset (before an offline class)
    course notebooks [--check]     write notebooks/ from solutions/ (or check they are in sync)
    course run [CHAPTER ...]       execute solution notebooks headless into build/ (+ HTML)
    course bench CHAPTER --out F   accuracy and speed record of a chapter, as JSON
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SOLUTIONS_DIR = Path("solutions")
NOTEBOOKS_DIR = Path("notebooks")
BUILD_DIR = Path("build")


def _project_dir(path: Path) -> Path:
    """Resolve a project folder relative to the current folder, with a clear error if absent."""
    if not path.is_dir():
        raise SystemExit(f"error: no {path}/ folder here ({Path.cwd()}); run this command from the course's root folder.")
    return path


def cmd_data(args: argparse.Namespace) -> int:
    from course import data

    if args.download:
        try:
            data.download_all()
        except data.DatasetNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    missing = 0
    print(f"Keras dataset cache: {data.keras_cache_dir()}")
    for status in data.dataset_status():
        print(f"  {status.name:15s} {'cached' if status.cached else 'MISSING'}")
        for path in status.missing:
            print(f"      missing: {path}")
        missing += not status.cached
    if missing:
        print("Fix: run `course data --download` on a machine with internet access.")
    return 1 if missing else 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from course.notebooks import MarkerError, write_student_notebooks

    solutions, notebooks = _project_dir(Path(args.solutions)), Path(args.notebooks)
    try:
        report = write_student_notebooks(solutions, notebooks, check_only=args.check)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in report.orphans:
        print(f"note: {path} has no solution notebook; left untouched.")
    if args.check:
        for path in report.stale:
            print(f"stale: {path} (run `course notebooks` to regenerate it)")
        if not report.stale:
            print(f"{notebooks}/ is in sync with {solutions}/.")
        return 1 if report.stale else 0
    for path in report.written:
        print(f"wrote {path}")
    if not report.written:
        print(f"{notebooks}/ was already in sync with {solutions}/.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from course.notebooks import chapter_name, execute_notebook, export_html

    solutions = _project_dir(Path(args.solutions))
    paths = sorted(solutions.glob("*.ipynb"))
    if args.chapters:
        wanted = set(args.chapters)
        paths = [p for p in paths if chapter_name(p) in wanted or chapter_name(p)[:2] in wanted]
        if not paths:
            print(f"error: no solution notebook matches {sorted(wanted)}.", file=sys.stderr)
            return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in paths:
        print(f"executing {path} ...", flush=True)
        try:
            executed = execute_notebook(path, timeout=args.cell_timeout)
        except Exception as error:
            failures += 1
            print(f"  FAILED: {type(error).__name__}: {str(error)[:2000]}", file=sys.stderr)
            continue
        import nbformat

        nbformat.write(executed, out / path.name)
        export_html(executed, out / (path.stem + ".html"))
        print(f"  wrote {out / path.name} and {out / (path.stem + '.html')}")
    return 1 if failures else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from course.bench import run_bench

    record = run_bench(args.chapter, Path(args.out) if args.out else None)
    return 0 if record.get("targets_met", True) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Deep-learning course: data, notebooks, benchmarks and grading.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="check or download the course datasets")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="report what is cached (default)")
    group.add_argument("--download", action="store_true", help="download every dataset into the Keras cache")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("notebooks", help="write notebooks/ from solutions/")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if notebooks/ is stale")
    p.add_argument("--solutions", default=str(SOLUTIONS_DIR), help="solution notebooks folder (default: solutions)")
    p.add_argument("--notebooks", default=str(NOTEBOOKS_DIR), help="student notebooks folder (default: notebooks)")
    p.set_defaults(func=cmd_notebooks)

    p = sub.add_parser("run", help="execute the solution notebooks headless; write executed copies and HTML")
    p.add_argument("chapters", nargs="*", help="chapters to run, e.g. 01 or 01_mlp (default: all)")
    p.add_argument("--solutions", default=str(SOLUTIONS_DIR))
    p.add_argument("--out", default=str(BUILD_DIR), help="output folder (default: build)")
    p.add_argument("--cell-timeout", type=int, default=3600, help="seconds one cell may run (default: 3600)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("bench", help="measure a chapter's models (accuracy, time) and write JSON")
    p.add_argument("chapter", help="chapter number, e.g. 01")
    p.add_argument("--out", help="JSON file to write (default: print only)")
    p.set_defaults(func=cmd_bench)

    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
