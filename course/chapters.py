"""The one registry of the course's chapters, and the one way to name a chapter.

Every tool that takes a chapter (``course run``, ``course bench``, ``course
grade --only``, :func:`course.checks.chapter_exercises`) resolves it here, and
finds the chapter's notebook, checkers and bench through its :class:`Chapter`
entry. ``tests/test_chapters.py`` fails when a notebook, checks module or bench
module exists without an entry here, or an entry names one that does not exist
(see CONTRIBUTING.md, "Adding a chapter").

Example::

    >>> from course.chapters import chapter, resolve
    >>> resolve("1"), resolve("01"), resolve("01_mlp"), resolve("mlp")
    ('01_mlp', '01_mlp', '01_mlp', '01_mlp')
    >>> chapter("05").bench_parts
    ('text', 'images')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One chapter: its notebook, its checkers, its bench and the data it uses.

    Attributes:
        id: ``"NN_name"``, the notebook's file name without ``.ipynb`` (``"01_mlp"``).
        title: the notebook's title, without "Chapter N".
        checks: module of the chapter's graded exercises (it defines ``EXERCISES``).
        bench: module of the chapter's ``course bench`` (it defines ``run``), or None.
        bench_parts: parts of the bench that ``course bench NN --part P`` runs alone; () if it has none.
        datasets: the :mod:`course.data` datasets the chapter trains on (``course data`` names).
    """

    id: str
    title: str
    checks: str
    bench: str | None = None
    bench_parts: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        """The two-digit chapter number: ``"01"``."""
        return self.id.split("_", 1)[0]

    @property
    def name(self) -> str:
        """The id without its number: ``"mlp"``."""
        return self.id.split("_", 1)[1]

    @property
    def notebook(self) -> str:
        """The notebook's file name, the same in ``solutions/`` and ``notebooks/``: ``"01_mlp.ipynb"``."""
        return f"{self.id}.ipynb"


#: Every chapter, in chapter order.
CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        id="01_mlp",
        title="Multilayer perceptrons",
        checks="course.checks.ch01_mlp",
        bench="course.bench.ch01_mlp",
        datasets=("fashion_mnist",),
    ),
    Chapter(
        id="02_cnn",
        title="Convolutional networks",
        checks="course.checks.ch02_cnn",
        bench="course.bench.ch02_cnn",
        datasets=("fashion_mnist",),
    ),
    Chapter(
        id="03_rnn",
        title="Recurrent neural networks",
        checks="course.checks.ch03_rnn",
        bench="course.bench.ch03_rnn",
        datasets=("movie_reviews",),
    ),
    Chapter(
        id="04_gan",
        title="Generative adversarial networks",
        checks="course.checks.ch04_gan",
        bench="course.bench.ch04_gan",
        datasets=("fashion_mnist",),
    ),
    Chapter(
        id="05_transformer",
        title="Attention, Transformers and residual networks",
        checks="course.checks.ch05_transformer",
        bench="course.bench.ch05_transformer",
        bench_parts=("text", "images"),
        datasets=("movie_reviews", "fashion_mnist"),
    ),
)


class UnknownChapterError(ValueError):
    """A chapter name that is not in :data:`CHAPTERS`; the message lists the valid ones."""


def _aliases(entry: Chapter) -> set[str]:
    """Every spelling that names ``entry``: its id, number (with or without the 0), name, file name."""
    return {entry.id, entry.number, str(int(entry.number)), entry.name, entry.notebook}


def resolve(name: str | int) -> str:
    """Return the id of the chapter ``name`` names.

    Accepts the id (``"01_mlp"``), the number with or without its leading zero
    (``"01"``, ``"1"``, ``1``), the name (``"mlp"``) or the notebook's file name
    (``"01_mlp.ipynb"``), in any case and with surrounding spaces.

    Raises:
        UnknownChapterError: no chapter has that name; the message lists the ids.

    Example:
        >>> resolve("05"), resolve("Transformer")
        ('05_transformer', '05_transformer')
    """
    wanted = str(name).strip().lower()
    for entry in CHAPTERS:
        if wanted in _aliases(entry):
            return entry.id
    numbers = f"{CHAPTERS[0].number} to {CHAPTERS[-1].number}"
    raise UnknownChapterError(
        f"Unknown chapter {name!r}: the chapters are {', '.join(ids())} (or their numbers, {numbers})."
    )


def chapter(name: str | int) -> Chapter:
    """Return the :class:`Chapter` that ``name`` names (any spelling :func:`resolve` accepts).

    Example:
        >>> chapter("3").checks
        'course.checks.ch03_rnn'
    """
    wanted = resolve(name)
    return next(entry for entry in CHAPTERS if entry.id == wanted)


def ids() -> list[str]:
    """The chapter ids in chapter order: ``['01_mlp', '02_cnn', ...]``."""
    return [entry.id for entry in CHAPTERS]
