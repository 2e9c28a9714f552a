"""What the teacher asks of ``course grade``: the options (each default defined here, once) and the TOML config.

The CLI builds its options and their help texts from :class:`GradeOptions`, so
a default lives in one place. :class:`GraderConfig` is the teacher's TOML file
(points and hidden seeds), kept out of the students' reach.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

#: (per cell, per notebook) seconds, by run size.
DEFAULT_LIMITS = {"ci": (180.0, 900.0), "full": (3600.0, 4 * 3600.0)}
#: ``--sandbox`` values: use bubblewrap when it works / insist on it / never (debugging).
SANDBOX_MODES = ("auto", "required", "off")
#: ``--layout`` values: one folder per student (ours), or an LMS's bulk download (see :mod:`course.grading.lms`).
LAYOUTS = ("folders", "canvas", "moodle")
#: ``--lms`` values: the gradebook CSV to write (see :mod:`course.grading.lms`).
LMS_EXPORTS = ("canvas", "moodle")


class GradingError(ValueError):
    """A problem with the grader's input (options, config, folders): the message says what to fix."""


# ----------------------------------------------------------------------------------------
# Teacher's configuration
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseSettings:
    """What the teacher set for one exercise (None: the checker's default)."""

    points: float | None = None
    extra_seeds: tuple[int, ...] | None = None
    partial: bool | None = None


@dataclass
class GraderConfig:
    """The teacher's TOML file: a base seed, and points and hidden seeds per chapter or exercise.

    Example:
        >>> config = GraderConfig.from_dict({"01_mlp": {"softmax": {"points": 2, "extra_seeds": [7]}}})
        >>> config.settings("01_mlp", "softmax")
        ExerciseSettings(points=2.0, extra_seeds=(7,), partial=None)
    """

    seed: int = 20261122
    chapters: dict[str, ExerciseSettings] = field(default_factory=dict)
    exercises: dict[tuple[str, str], ExerciseSettings] = field(default_factory=dict)
    source: str = "(defaults)"

    @classmethod
    def load(cls, path: str | Path) -> "GraderConfig":
        """Read a TOML file; a missing or malformed file raises :class:`GradingError`."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise GradingError(f"config file {path} does not exist.") from None
        except tomllib.TOMLDecodeError as error:
            raise GradingError(f"{path} is not valid TOML: {error}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "(dict)") -> "GraderConfig":
        """Build a config from parsed TOML (``[grader]``, ``[<chapter>]``, ``[<chapter>.<exercise>]`` tables)."""
        config = cls(source=source)
        for key, value in data.items():
            if not isinstance(value, dict):
                raise GradingError(f"{source}: top-level key {key!r} must be a table like [grader] or [01_mlp].")
            if key == "grader":
                unknown = set(value) - {"seed"}
                if unknown:
                    raise GradingError(f"{source}: [grader] has unknown keys {sorted(unknown)}; it knows only 'seed'.")
                if "seed" in value:
                    if not isinstance(value["seed"], int) or isinstance(value["seed"], bool) or value["seed"] < 0:
                        raise GradingError(f"{source}: [grader] seed must be a non-negative integer; got {value['seed']!r}.")
                    config.seed = value["seed"]
                continue
            defaults = {k: v for k, v in value.items() if not isinstance(v, dict)}
            config.chapters[key] = _settings(defaults, f"{source}: [{key}]")
            for name, table in value.items():
                if isinstance(table, dict):
                    config.exercises[(key, name)] = _settings(table, f"{source}: [{key}.{name}]")
        return config

    def settings(self, chapter: str, exercise: str) -> ExerciseSettings:
        """The effective settings of one exercise: its own table, else its chapter's, else defaults."""
        own = self.exercises.get((chapter, exercise), ExerciseSettings())
        chapter_defaults = self.chapters.get(chapter, ExerciseSettings())
        return ExerciseSettings(
            points=own.points if own.points is not None else chapter_defaults.points,
            extra_seeds=own.extra_seeds if own.extra_seeds is not None else chapter_defaults.extra_seeds,
            partial=own.partial if own.partial is not None else chapter_defaults.partial,
        )

    def validate(self, chapters: dict[str, list[str]]) -> None:
        """Check every chapter and exercise the config names exists (``chapters``: id -> exercise names)."""
        for chapter in self.chapters:
            if chapter not in chapters:
                raise GradingError(f"{self.source}: [{chapter}] is not a chapter with checkers; known: {sorted(chapters)}.")
        for chapter, name in self.exercises:
            if chapter not in chapters:
                raise GradingError(f"{self.source}: [{chapter}.{name}]: {chapter!r} is not a chapter with checkers; known: {sorted(chapters)}.")
            if name not in chapters[chapter]:
                raise GradingError(f"{self.source}: [{chapter}.{name}]: chapter {chapter} has no exercise {name!r}; its exercises are {chapters[chapter]}.")


def _settings(table: dict, where: str) -> ExerciseSettings:
    unknown = set(table) - {"points", "extra_seeds", "partial"}
    if unknown:
        raise GradingError(f"{where} has unknown keys {sorted(unknown)}; expected 'points', 'extra_seeds' and/or 'partial'.")
    partial = table.get("partial")
    if partial is not None and not isinstance(partial, bool):
        raise GradingError(f"{where}: partial must be true or false; got {partial!r}.")
    points = table.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0):
        raise GradingError(f"{where}: points must be a non-negative number; got {points!r}.")
    seeds = table.get("extra_seeds")
    if seeds is not None:
        if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
            raise GradingError(f"{where}: extra_seeds must be a list of non-negative integers; got {seeds!r}.")
        seeds = tuple(seeds)
    return ExerciseSettings(None if points is None else float(points), seeds, partial)


# ----------------------------------------------------------------------------------------
# Options
# ----------------------------------------------------------------------------------------


@dataclass
class GradeOptions:
    """How ``course grade`` runs. Every field has a CLI option of the same name.

    Attributes:
        mode: run size of the kernels, workers and judges: "ci" (default) or "full".
        cell_timeout: seconds one cell may run (default 180 in ci, 3600 in full);
            also the limit for checking one exercise.
        notebook_timeout: seconds a whole notebook may run (default 900 / 14400);
            the checks get a budget of the same size.
        export_timeout: seconds the export step may take after the last cell.
        memory_mb: resident memory a kernel or checks worker may use before it is killed.
        max_output_mb: output stored per notebook (the rest is dropped).
        max_notebook_mb: larger files are ``invalid``.
        jobs: notebooks graded in parallel (default: number of cores).
        only: chapters to grade ("01" or "01_mlp"); default: every chapter anyone submitted.
        students: student folders to grade; default: all.
        shard: ``(i, n)``: grade only students ``i, i+n, i+2n, ...`` of the sorted list (0 <= i < n).
        cache_dir: where results are cached (default: ``.course-grade-cache`` next to the output).
        use_cache: read cached results (they are always written).
        retry_failed: grade again notebooks whose cached status is timeout or crashed.
        checks: chapter id -> checker module (``course.checks.ch01_mlp``) or ``.py`` file,
            overriding ``course.checks.CHAPTER_MODULES`` (extra chapters, tests).
        config: the teacher's :class:`GraderConfig`.
        kernel_name: the Jupyter kernel that runs the notebooks.
        executed_dir: if set, executed notebooks are saved as ``DIR/<student>/<chapter>.ipynb``.
        temp_dir: where the throw-away folders go (kernel working copies, workers); default: the system's.
        sandbox: "auto" (bubblewrap when it works, else unsandboxed with a warning),
            "required" (refuse to grade without it) or "off" (debugging only).
        layout: how SUBMISSIONS is laid out: "folders" (one folder per student), or "canvas" /
            "moodle": that LMS's "download all submissions" zip, or the folder it was extracted to.
        roster: the LMS's CSV of the class (Canvas: the gradebook export; Moodle: the grading
            worksheet) that maps students to their LMS identities.
        lms: also write the gradebook CSV this LMS imports ("canvas" or "moodle").
        lms_out: where that CSV goes (default: ``--out`` named ``<stem>.<lms>.csv``).
        lms_columns: chapter id -> the LMS's column for it (Canvas: ``"Chapter 1 (12345)"``).

    Example:
        >>> GradeOptions(jobs=2).limits()
        (180.0, 900.0)
    """

    mode: str = "ci"
    cell_timeout: float | None = None
    notebook_timeout: float | None = None
    export_timeout: float = 120
    memory_mb: float = 4096
    max_output_mb: float = 1.0
    max_notebook_mb: float = 50
    jobs: int | None = None
    only: list[str] | None = None
    students: list[str] | None = None
    shard: tuple[int, int] | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    retry_failed: bool = False
    checks: dict[str, str] = field(default_factory=dict)
    config: GraderConfig = field(default_factory=GraderConfig)
    kernel_name: str = "python3"
    executed_dir: Path | None = None
    temp_dir: Path | None = None
    sandbox: str = "auto"
    layout: str = "folders"
    roster: Path | None = None
    lms: str | None = None
    lms_out: Path | None = None
    lms_columns: dict[str, str] = field(default_factory=dict)

    def limits(self) -> tuple[float, float]:
        """``(per cell, per notebook)`` seconds: the options given, else the run size's defaults."""
        cell, notebook = DEFAULT_LIMITS[self.mode]
        return (float(self.cell_timeout or cell), float(self.notebook_timeout or notebook))

    def validate(self) -> None:
        """Raise :class:`GradingError` naming the first option whose value cannot work."""
        if self.mode not in DEFAULT_LIMITS:
            raise GradingError(f"mode {self.mode!r}: expected 'ci' or 'full'.")
        if self.sandbox not in SANDBOX_MODES:
            raise GradingError(f"--sandbox {self.sandbox!r}: expected one of {', '.join(SANDBOX_MODES)}.")
        if self.jobs is not None and self.jobs < 1:
            raise GradingError(f"--jobs {self.jobs}: expected a positive number of notebooks graded in parallel.")
        for name in ("cell_timeout", "notebook_timeout", "export_timeout", "memory_mb", "max_output_mb", "max_notebook_mb"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise GradingError(f"--{name.replace('_', '-')} {value:g}: expected a positive number.")
        self._validate_lms()

    def _validate_lms(self) -> None:
        """The LMS options: known values, a roster that exists, and a roster format that follows from them."""
        from course.arguments import check, check_one_of

        try:
            check_one_of("--layout", self.layout, LAYOUTS)
            if self.lms is not None:
                check_one_of("--lms", self.lms, LMS_EXPORTS)
            if self.layout != "folders" and self.lms is not None:
                check(self.lms == self.layout, "--lms", self.lms, f"the LMS of --layout ({self.layout!r}), or left out")
            if self.roster is not None:
                check(Path(self.roster).is_file(), "--roster", str(self.roster), "an existing CSV file")
                check(self.roster_format() is not None, "--roster", str(self.roster),
                      "given with --lms canvas|moodle or --layout canvas|moodle, which say whose CSV it is")
            if self.lms is not None and self.layout == "folders":
                check(self.roster is not None, "--lms", self.lms,
                      "given with --roster when the submissions are folders (the roster gives each folder's LMS identity)")
            for chapter, column in self.lms_columns.items():
                check(bool(chapter) and bool(str(column).strip()), "--lms-column", f"{chapter}={column}", "CHAPTER=COLUMN with both parts")
            if self.lms_columns:
                check(self.lms is not None, "--lms-column", ",".join(self.lms_columns), "given with --lms")
            if self.lms is not None and self.shard is not None:
                check(False, "--lms", self.lms, "given to the --merge command when grading in shards (each shard holds part of the class)")
        except ValueError as error:
            raise GradingError(str(error)) from None

    def roster_format(self) -> str | None:
        """Whose CSV ``--roster`` is: ``--lms``, else the LMS of ``--layout``, else None."""
        return self.lms or (self.layout if self.layout != "folders" else None)


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"i/n"`` (0 <= i < n), e.g. ``"0/4"``; a Kubernetes indexed Job passes ``$JOB_COMPLETION_INDEX/4``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise GradingError(f"--shard {text!r}: expected i/n with 0 <= i < n, e.g. 0/4.")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise GradingError(f"--shard {text!r}: the index must be between 0 and n-1 (got {index} of {count}).")
    return index, count
