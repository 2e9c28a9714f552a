"""The ``course`` command: a thin layer over the functions the notebooks use.

    course data --check            what is in the Keras cache
    course data --download         fetch every dataset, verified (before an offline class; mirrors: COURSE_DATA_MIRROR)
    course notebooks [--check]     write notebooks/ and notebooks/zh/ from solutions/ (or check they are in sync)
    course translations [--update] [CHAPTER ...]   state of the zh catalogues (or update them from the English)
    course figures [--check]       draw the architecture figures into figures/ (or check they are current)
    course run [CHAPTER ...]       execute solution notebooks headless into build/ (+ HTML; --lang zh: the Chinese edition)
    course bench CHAPTER --out F   accuracy and speed record of a chapter, as JSON (--part images: one part)
    course grade SUBMISSIONS --out grades.csv   auto-grade a class (see course.grading)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.translation import tr

SOLUTIONS_DIR = Path("solutions")
NOTEBOOKS_DIR = Path("notebooks")
BUILD_DIR = Path("build")
#: The folder holding locale/ (the translations), like solutions/: the current one.
LOCALE_ROOT = Path(".")


def _project_dir(path: Path) -> Path:
    """Resolve a project folder relative to the current folder, with a clear error if absent."""
    if not path.is_dir():
        raise SystemExit(tr("error: no {path}/ folder here ({cwd}); run this command from the course's root folder.", path=path, cwd=Path.cwd()))
    return path


def cmd_data(args: argparse.Namespace) -> int:
    from course import data

    if args.download:
        try:
            data.download_all()
        except (data.DatasetNotFoundError, data.MirrorConfigError) as error:
            print(tr("error: {error}", error=error), file=sys.stderr)
            return 1
    bad = 0
    print(tr("Keras dataset cache: {path}", path=data.keras_cache_dir()))
    for status in data.dataset_status():
        state = tr("cached") if status.cached else tr("MISSING") if status.missing else tr("CORRUPT")
        print(f"  {status.name:15s} {state}")
        for path in status.missing:
            print(tr("      missing: {path}", path=path))
        for path in status.corrupt:
            print(tr("      corrupt (checksum does not match): {path}", path=path))
        bad += not status.cached
    if bad:
        print(tr("Fix: run `course data --download` (it replaces corrupt files); where the origins are blocked, "
                 "set {variable} to a mirror first (see `help(course.data.data_mirrors)`).", variable=data.MIRROR_ENV))
    return 1 if bad else 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from course.notebooks import MarkerError, write_student_notebooks

    solutions, notebooks = _project_dir(Path(args.solutions)), Path(args.notebooks)
    try:
        report = write_student_notebooks(solutions, notebooks, check_only=args.check)
    except MarkerError as error:
        print(tr("error: {error}", error=error), file=sys.stderr)
        return 2
    for path in report.orphans:
        print(tr("note: {path} has no solution notebook; left untouched.", path=path))
    for path in _unregistered(solutions):
        print(tr("note: {path} is not a chapter in course/chapters.py, so no checker, bench or grader knows it "
                 "(see CONTRIBUTING.md, 'Adding a chapter').", path=path))
    translated = _translated_notebooks(solutions, notebooks, args.check)
    if args.check:
        for path in report.metadata:
            print(tr("stale: {path}: its nbgrader cell metadata is out of date (run `course notebooks` to update it)", path=path))
        for path in report.stale:
            print(tr("stale: {path} (run `course notebooks` to regenerate it)", path=path))
        if not report.stale and not report.metadata:
            print(tr("{notebooks}/ is in sync with {solutions}/.", notebooks=notebooks, solutions=solutions))
        return 1 if report.stale or report.metadata or translated else 0
    for path in report.metadata:
        print(tr("updated the nbgrader cell metadata of {path}", path=path))
    for path in report.written:
        print(tr("wrote {path}", path=path))
    if not report.written:
        print(tr("{notebooks}/ was already in sync with {solutions}/.", notebooks=notebooks, solutions=solutions))
    return 0


def _translated_notebooks(solutions: Path, notebooks: Path, check: bool) -> int:
    """Write (or check) notebooks/<lang>/ for each edition; print what was found; return the number of problems."""
    from course.translation import LANGUAGES, write_translated_notebooks

    problems = 0
    for lang in LANGUAGES:
        try:
            report = write_translated_notebooks(solutions, notebooks, lang, root=LOCALE_ROOT, check_only=check)
        except (OSError, ValueError) as error:
            print(tr("error: {error}", error=error), file=sys.stderr)
            problems += 1
            continue
        for chapter in report.untranslated:
            print(tr("note: {chapter} is not translated into {lang} yet (no {path}.po).", chapter=chapter, lang=lang,
                     path=LOCALE_ROOT / "locale" / lang / "notebooks" / chapter))
        for drift in report.drift:
            print(tr("drift: {drift}", drift=drift) if check else tr("warning: {drift}", drift=drift))
        for path in report.stale if check else report.written:
            print(tr("stale: {path} (run `course notebooks` to regenerate it)", path=path) if check else tr("wrote {path}", path=path))
        if check and not report.stale and not report.drift:
            print(tr("{notebooks}/ is in sync with {solutions}/ and the {lang} catalogues.", notebooks=notebooks / lang, solutions=solutions,
                     lang=lang))
        problems += len(report.drift) + (len(report.stale) if check else 0)
    return problems


def cmd_translations(args: argparse.Namespace) -> int:
    """Exit 0 when every catalogue asked for is complete and current (or was updated), 1 on drift, 2 when it cannot run."""
    from course.chapters import UnknownChapterError, resolve
    from course.translation import catalogue_drift, catalogue_path, load_catalogue, translated_chapters, update_chapter_catalogue

    solutions = _project_dir(Path(args.solutions))
    try:
        chapters = [resolve(name) for name in dict.fromkeys(args.chapters)] or translated_chapters(args.lang, LOCALE_ROOT)
    except UnknownChapterError as error:
        print(tr("error: {error}", error=error), file=sys.stderr)
        return 2
    if not chapters:
        print(tr("no {lang} catalogue yet; start one with `course translations --update 01`.", lang=args.lang))
        return 0
    problems = 0
    for chapter in chapters:
        if args.update:
            path, update = update_chapter_catalogue(chapter, solutions, args.lang, LOCALE_ROOT)
            print(tr("{path}: {added} new entries to translate, {fuzzy} marked fuzzy (the English changed; the translation is kept "
                     "for review), {obsolete} marked obsolete (their cells are gone; the text is kept as #~ lines)", path=path,
                     added=len(update.added), fuzzy=len(update.fuzzy), obsolete=len(update.obsolete)))
            continue
        import nbformat

        path = catalogue_path(chapter, args.lang, LOCALE_ROOT)
        if not path.exists():
            print(tr("{chapter}: not translated into {lang} yet (no {path}).", chapter=chapter, lang=args.lang, path=path))
            continue
        po = load_catalogue(path)
        drift = catalogue_drift(nbformat.read(solutions / f"{chapter}.ipynb", as_version=4), po, f"{chapter}.ipynb", str(path))
        done = sum(1 for e in po if e.translated() and not e.obsolete)
        print(tr("{path}: {done} of {total} entries translated, {problems} problems.", path=path, done=done,
                 total=sum(1 for e in po if not e.obsolete), problems=len(drift)))
        for line in drift:
            print(f"  {line}")
        problems += len(drift)
    return 1 if problems else 0


def _unregistered(solutions: Path) -> list[Path]:
    """Solution notebooks whose name is not a registered chapter id."""
    from course.chapters import ids

    return [path for path in sorted(solutions.glob("*.ipynb")) if path.stem not in ids()]


def cmd_figures(args: argparse.Namespace) -> int:
    from course import figures

    if args.check:
        stale = figures.stale_figures(args.out)
        for path in stale:
            print(tr("stale: {path} (run `course figures` to draw it again)", path=path))
        if not stale:
            print(tr("{folder}/ is up to date with course/figures.py.", folder=args.out))
        return 1 if stale else 0
    for path in figures.write_figures(args.out):
        print(tr("wrote {path}", path=path))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Exit 0 when every notebook ran to its end, 1 when one failed (the others still run), 2 when it cannot run as asked."""
    from course.chapters import UnknownChapterError, chapter

    solutions = _project_dir(Path(args.solutions))
    paths = sorted(solutions.glob("*.ipynb"))
    if args.chapters:
        try:  # a registered chapter by any name, or a notebook of this folder by its exact name
            paths = [solutions / (f"{name}.ipynb" if (solutions / f"{name}.ipynb").exists() else chapter(name).notebook)
                     for name in dict.fromkeys(args.chapters)]
        except UnknownChapterError as error:
            print(tr("error: {error}", error=error), file=sys.stderr)
            return 2
        missing = [path for path in paths if not path.exists()]
        if missing:
            print(tr("error: no {paths} here; run this command from the course's root folder.", paths=", ".join(map(str, missing))),
                  file=sys.stderr)
            return 2
    out = Path(args.out)
    if args.lang != "en":
        from course.translation import catalogue_path, write_translated_solutions

        untranslated = [path.stem for path in paths if not catalogue_path(path.stem, args.lang, LOCALE_ROOT).exists()]
        if untranslated and not args.chapters:  # by default, every chapter translated so far
            print(tr("note: not translated into {lang} yet, so not run: {chapters}.", lang=args.lang, chapters=", ".join(untranslated)))
            paths = [path for path in paths if path.stem not in untranslated]
        elif untranslated:
            print(tr("error: not translated into {lang} yet: {chapters}; name the chapters that are "
                     "(their catalogues are in locale/{lang}/notebooks/).", lang=args.lang, chapters=", ".join(untranslated)), file=sys.stderr)
            return 2
        out = out / args.lang  # two folders down, as notebooks/zh/: the figure links fit
        paths = write_translated_solutions(paths, out / "source", args.lang, LOCALE_ROOT)
    from rich.console import Console

    from course.runner import run_notebooks, summary_table

    console = Console()
    try:
        runs = run_notebooks(paths, out, timeout=args.cell_timeout, console=console)
    except KeyboardInterrupt:
        print(tr("interrupted: the notebooks finished before are in {folder}/.", folder=out), file=sys.stderr)
        return 130
    console.print(summary_table(runs))
    failed = [run.name for run in runs if not run.ok]
    if failed:
        print(tr("{failed} of {total} notebooks failed: {names}.", failed=len(failed), total=len(runs), names=", ".join(failed)), file=sys.stderr)
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Exit 0 when the bench ran and met every target that applies (a CI-sized run has none), 1 on a
    missed target, 2 when it cannot run as asked."""
    from course import bench

    try:
        record = bench.run_bench(args.chapter, Path(args.out) if args.out else None, part=args.part)
    except bench.BenchError as error:
        print(tr("error: {error}", error=error), file=sys.stderr)
        return 2
    return 1 if record["targets_met"] is False else 0


def cmd_grade(args: argparse.Namespace) -> int:
    from course.grading import GraderConfig, GradeOptions, GradingError, grade, merge, parse_shard
    from course.grading.outputs import render_statistics
    from course.grading.lms import describe_intake, export_gradebook

    try:
        lms = dict(
            layout=args.layout,
            roster=Path(args.roster) if args.roster else None,
            lms=args.lms,
            lms_out=Path(args.lms_out) if args.lms_out else None,
            lms_columns=dict(_split_pair(value, "--lms-column", "CHAPTER=COLUMN", '01_mlp="Chapter 1 (12345)"') for value in args.lms_column) or None,
        )
        if args.merge:
            if args.submissions:
                raise GradingError(tr("--merge takes JSON files only; leave out SUBMISSIONS."))
            # the merged grades carry each student's LMS identity, so the layout is the LMS's own
            options = GradeOptions(**{name: value for name, value in {**lms, "layout": args.layout or args.lms}.items() if value is not None})
            options.validate()
            data = merge(args.merge, args.out, args.json, args.feedback)
            print(tr("merged {files} files: {students} students -> {out}", files=len(args.merge), students=len(data["students"]), out=args.out))
            print(render_statistics(data["statistics"]), end="")
            if options.lms:
                print(tr("{lms} gradebook -> {path}", lms=options.lms.title(), path=export_gradebook(data, options, args.out)))
            return 0
        if not args.submissions:
            raise GradingError(tr("give the SUBMISSIONS folder (one sub-folder per student) or LMS download, or --merge FILES."))
        given = dict(
            mode="full" if args.full else None,
            cell_timeout=args.cell_timeout,
            notebook_timeout=args.notebook_timeout,
            memory_mb=args.memory_mb,
            max_output_mb=args.max_output_mb,
            jobs=args.jobs,
            only=[c for value in args.only for c in value.split(",") if c] or None,
            students=[s for s in args.students.split(",") if s] if args.students else None,
            shard=parse_shard(args.shard) if args.shard else None,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            use_cache=False if args.no_cache else None,
            retry_failed=args.retry_failed or None,
            checks=dict(_split_pair(value) for value in args.checks) or None,
            config=GraderConfig.load(args.config) if args.config else None,
            executed_dir=Path(args.executed) if args.executed else None,
            sandbox=args.sandbox,
            **lms,
        )
        options = GradeOptions(**{name: value for name, value in given.items() if value is not None})

        def progress(student: str, chapter: str, record: dict, cached: bool) -> None:
            seconds = record.get("seconds", {}).get("job", 0) if not cached else 0
            how = tr("cached") if cached else tr("{seconds:.0f} s", seconds=seconds)
            status = tr(record["status"])  # a record status ("graded", "timeout"...), in the user's language
            print(f"  {student:20s} {chapter:15s} {status:8s} {record['total']:g}/{record['max_total']:g} ({how})", flush=True)

        report = grade(args.submissions, args.out, options, json_out=args.json, feedback_dir=args.feedback, progress=progress)
    except GradingError as error:
        print(tr("error: {error}", error=error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr("interrupted: {out} was left as it was; run the same command again to resume (finished notebooks are cached).", out=args.out),
              file=sys.stderr)
        return 130
    for line in describe_intake(report.data.get("lms")):
        print(line)
    print(tr("graded {students} students in {seconds:.0f} s ({executed} notebooks run, {cached} from the cache) -> {out}",
             students=len(report.data["students"]), seconds=report.seconds, executed=report.executed, cached=report.cached, out=args.out))
    print(render_statistics(report.data["statistics"]), end="")
    if report.gradebook:
        print(tr("{lms} gradebook -> {path}", lms=options.lms.title(), path=report.gradebook))
    return 0


def _split_pair(text: str, option: str = "--checks", form: str = "CHAPTER=MODULE_OR_FILE", example: str = "06_extra=my_checks.py") -> tuple[str, str]:
    chapter, sep, value = text.partition("=")
    if not sep or not chapter or not value:
        from course.grading import GradingError

        raise GradingError(tr("{option} {text}: expected {form}, e.g. {example}.", option=option, text=repr(text), form=form, example=example))
    return chapter, value


def build_parser() -> argparse.ArgumentParser:
    """The ``course`` command's parser; each default comes from the function it is passed to."""
    from course.chapters import CHAPTERS
    from course.figures import FIGURES_DIR
    from course.grading import DEFAULT_LIMITS, LAYOUTS, LMS_EXPORTS, SANDBOX_MODES, GradeOptions
    from course.notebooks import CELL_TIMEOUT
    from course.translation import LANGUAGES

    parser = argparse.ArgumentParser(prog="course", description="Deep-learning course: data, notebooks, benchmarks and grading.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="check or download the course datasets")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="report what is cached (default)")
    group.add_argument("--download", action="store_true",
                       help="download every dataset into the Keras cache, verified against its checksum "
                            "(Keras's origins first, then the mirrors in COURSE_DATA_MIRROR, separated by spaces)")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("notebooks", help="write notebooks/ from solutions/")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if notebooks/ is stale")
    p.add_argument("--solutions", default=str(SOLUTIONS_DIR), help="solution notebooks folder (default: %(default)s)")
    p.add_argument("--notebooks", default=str(NOTEBOOKS_DIR), help="student notebooks folder (default: %(default)s)")
    p.set_defaults(func=cmd_notebooks)

    p = sub.add_parser("translations", help="state of the translation catalogues, or update them from the English")
    p.add_argument("chapters", nargs="*", help="chapters, e.g. 01 or 01_mlp (default: every chapter with a catalogue)")
    p.add_argument("--update", action="store_true",
                   help="add new Markdown cells as untranslated entries, mark changed ones fuzzy (keeping the translation) "
                        "and gone ones obsolete; creates the catalogue when absent")
    p.add_argument("--lang", default="zh", choices=list(LANGUAGES), help="the edition (default: %(default)s)")
    p.add_argument("--solutions", default=str(SOLUTIONS_DIR), help="solution notebooks folder (default: %(default)s)")
    p.set_defaults(func=cmd_translations)

    p = sub.add_parser("figures", help="draw the architecture figures as SVG and PNG files")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a figure file is missing or stale")
    p.add_argument("--out", default=str(FIGURES_DIR), help="folder of the figure files (default: %(default)s)")
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("run", help="execute the solution notebooks headless; write executed copies and HTML")
    p.add_argument("chapters", nargs="*", help="chapters to run, e.g. 01, 1 or 01_mlp (default: every notebook in --solutions)")
    p.add_argument("--solutions", default=str(SOLUTIONS_DIR), help="solution notebooks folder (default: %(default)s)")
    p.add_argument("--out", default=str(BUILD_DIR), help="output folder (default: %(default)s)")
    p.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT, help="seconds one cell may run (default: %(default)s)")
    p.add_argument("--lang", default="en", choices=["en", *LANGUAGES],
                   help="the edition to run: zh builds the Chinese solution notebooks into OUT/zh/source/ and runs them "
                        "into OUT/zh/ (default: %(default)s)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("bench", help="measure a chapter's models (accuracy, time) and write JSON")
    p.add_argument("chapter", help="chapter, e.g. 01, 1 or 01_mlp")
    p.add_argument("--out", help="JSON file to write (default: print only)")
    parts = "; ".join(f"{c.number}: {' or '.join(c.bench_parts)}" for c in CHAPTERS if c.bench_parts)
    p.add_argument("--part", help=f"run one part of the chapter's bench only ({parts})")
    p.set_defaults(func=cmd_bench)

    (ci_cell, ci_notebook), (full_cell, full_notebook) = DEFAULT_LIMITS["ci"], DEFAULT_LIMITS["full"]
    p = sub.add_parser("grade", help="auto-grade a class: execute notebooks, run the checkers, write grades.csv and feedback")
    p.add_argument("submissions", nargs="?", help="folder with one sub-folder per student (alice/01_mlp.ipynb, ...), or an LMS's download (--layout)")
    p.add_argument("--out", default="grades.csv", help="grades CSV to write (default: %(default)s)")
    p.add_argument("--json", help="grades JSON with every message (default: the CSV's name with .json)")
    p.add_argument("--feedback", help="folder for <student>/<chapter>.md feedback (default: feedback/ next to --out)")
    p.add_argument("--config", help="teacher's TOML: points, hidden extra seeds (keep it outside SUBMISSIONS)")
    p.add_argument("--only", action="append", default=[], help="grade only this chapter (01 or 01_mlp); repeat or comma-separate")
    p.add_argument("--students", help="comma-separated student folders to grade (default: all)")
    p.add_argument("--jobs", type=int, help="notebooks graded in parallel (default: number of cores)")
    p.add_argument("--cell-timeout", type=float, help=f"seconds per cell, and per exercise check (default: {ci_cell:g}; {full_cell:g} with --full)")
    p.add_argument("--notebook-timeout", type=float, help=f"seconds per notebook (default: {ci_notebook:g}; {full_notebook:g} with --full)")
    p.add_argument("--memory-mb", type=float, help=f"memory a kernel may use before it is stopped (default: {GradeOptions.memory_mb:g})")
    p.add_argument("--max-output-mb", type=float, help=f"output kept per notebook (default: {GradeOptions.max_output_mb:g})")
    p.add_argument("--shard", help="i/n: grade only every n-th student starting at i (0 <= i < n), e.g. $JOB_COMPLETION_INDEX/4")
    p.add_argument("--merge", nargs="+", metavar="JSON", help="merge shard JSON files into --out instead of grading")
    p.add_argument("--full", action="store_true", help="run the notebooks full-size (default: CI-sized, COURSE_MODE=ci)")
    p.add_argument("--cache-dir", help="result cache (default: .course-grade-cache next to --out)")
    p.add_argument("--no-cache", action="store_true", help="grade everything again, ignoring cached results")
    p.add_argument("--retry-failed", action="store_true", help="grade again notebooks whose cached status is timeout or crashed")
    p.add_argument("--checks", action="append", default=[], metavar="CHAPTER=MODULE", help="use these checkers for a chapter (module name or .py file)")
    p.add_argument("--executed", help="also save each executed notebook as DIR/<student>/<chapter>.ipynb")
    p.add_argument("--sandbox", choices=SANDBOX_MODES,
                   help="run each notebook in bubblewrap: auto (if it works, else warn), required (refuse without it), off (debugging); "
                        f"default: {GradeOptions.sandbox}")
    p.add_argument("--layout", metavar="|".join(LAYOUTS),
                   help="SUBMISSIONS is one folder per student (folders), or the zip or extracted folder of Canvas's or "
                        f"Moodle's 'download all submissions' (default: {GradeOptions.layout})")
    p.add_argument("--roster", help="the LMS's class list: Canvas's gradebook export or Moodle's grading worksheet (CSV)")
    p.add_argument("--lms", metavar="|".join(LMS_EXPORTS), help="also write the gradebook CSV this LMS imports")
    p.add_argument("--lms-out", help="where --lms writes (default: --out named <stem>.<lms>.csv)")
    p.add_argument("--lms-column", action="append", default=[], metavar="CHAPTER=COLUMN",
                   help='the LMS column of a chapter, e.g. 01_mlp="Chapter 1 (12345)" (Canvas; default: the chapter id)')
    p.set_defaults(func=cmd_grade)

    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
