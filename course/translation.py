"""The Chinese (and any other) edition, from the same source: notebook catalogues and learner messages.

``solutions/`` stays the single source. The translation of a chapter's Markdown
lives beside it in a gettext catalogue, ``locale/<lang>/notebooks/NN_name.po``,
one entry per Markdown cell:

* ``msgctxt``: the cell's nbformat id (every solution cell has a stable one);
* ``msgid``: the English Markdown source, exactly (so the catalogue records
  what was translated, and a change to the English shows up as a difference);
* ``msgstr``: the translation. Formulas, code and figure file names stay as
  they are; a figure line keeps the English ``../figures/x.png`` path, and
  :func:`translate_notebook` moves it one folder up for ``notebooks/<lang>/``.

Code cells are shared unchanged: their comments and printed strings stay short
and in English. The setup cell also sets ``COURSE_LANG``, so the checkers'
words a learner reads come from the message catalogue
``course/locale/<lang>/LC_MESSAGES/course.po`` (:func:`tr`), package data, so an installed wheel speaks Chinese too.

Poedit and Weblate open both catalogues as they are. ``course translations
--update NN`` brings a catalogue up to date with the English
(:func:`update_catalogue`); ``course notebooks`` writes ``notebooks/<lang>/``
(:func:`write_translated_notebooks`) and ``course notebooks --check`` fails on
drift (:func:`catalogue_drift`).

Not taught: the course's tooling.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import polib

if TYPE_CHECKING:
    import nbformat

#: The environment variable that picks the language of learner messages ("zh"; unset or "en": English).
LANG_VARIABLE = "COURSE_LANG"
#: Languages with an edition, and the language tag written in their catalogues.
LANGUAGES = {"zh": "zh_CN"}
#: The course's root folder (an editable install keeps ``locale/`` there).
ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = Path("locale")
#: The message domain: ``course/locale/<lang>/LC_MESSAGES/course.po``.
DOMAIN = "course"
#: A figure line of a solution notebook, e.g. ``![The course MLP ...](../figures/01_mlp.png)``.
_FIGURE_LINK = re.compile(r"(!\[[^\]]*\]\()\.\./figures/")


# --------------------------------------------------------------------------
# Learner messages
# --------------------------------------------------------------------------


#: The language that :func:`speaking` sets for this thread or task (None: ``COURSE_LANG`` decides).
_SPOKEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("course_language", default=None)


def known_language(lang: Any) -> str:
    """``lang`` as an edition's code ("zh" for "zh", "zh-CN", "zh_CN"), or "en" for anything else (None, "", "fr", 3).

    Example:
        >>> known_language("zh-CN"), known_language("klingon")
        ('zh', 'en')
    """
    lang = str(lang or "").strip().lower().replace("-", "_")
    lang = lang.split("_")[0] if lang.split("_")[0] in LANGUAGES else lang
    return lang if lang in LANGUAGES else "en"


def language() -> str:
    """The language of learner messages: the one :func:`speaking` set, else ``COURSE_LANG`` when it names an edition, else "en".

    Example (COURSE_LANG=zh-CN):
        >>> language()                                  # doctest: +SKIP
        'zh'
    """
    spoken = _SPOKEN.get()
    return spoken if spoken is not None else known_language(os.environ.get(LANG_VARIABLE))


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Make :func:`tr` speak ``lang`` ("zh", "en"; anything unknown is English) inside the block, whatever ``COURSE_LANG`` says.

    The grader judges each notebook in its own language this way.

    Example:
        >>> with speaking("zh"):                         # doctest: +SKIP
        ...     tr("PASSED")
        '通过'
    """
    token = _SPOKEN.set(known_language(lang))
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def notebook_language(notebook: Any) -> str:
    """The language a notebook was written in: ``metadata["course"]["lang"]`` (stamped by :func:`translate_notebook`), else "en".

    Only a known edition counts; anything else (absent, not a string, an
    unknown code) is English. The language changes wording only, never a grade.

    Example:
        >>> notebook_language({"metadata": {"course": {"lang": "zh"}}}), notebook_language({"metadata": {}})
        ('zh', 'en')
    """
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    course = metadata.get("course") if isinstance(metadata, dict) else None
    return known_language(course.get("lang")) if isinstance(course, dict) and isinstance(course.get("lang"), str) else "en"


class Message(str):
    """An English message that remembers its msgid and values, so :func:`tr` can still translate it later.

    As a ``str`` it is the English text (byte for byte what the code wrote), so
    it can be stored at import time (hints, case roles) and compared anywhere;
    :func:`tr` turns it into the learner's language when it is shown.
    """

    msgid: str
    values: dict

    def __reduce__(self) -> tuple:  # pickled by the grader's workers and deep-copied with the cases
        return Message, (self.msgid, self.values)

    def __new__(cls, msgid: str, values: dict) -> "Message":
        english = msgid.format(**values) if values else msgid
        made = super().__new__(cls, english)
        made.msgid, made.values = msgid, dict(values)
        return made


def N_(message: str, /, **values: Any) -> str:
    """Mark ``message`` for translation without translating it now (gettext's ``gettext_noop``): :func:`tr` translates it when shown.

    Use it for text made at import time (a hint list, a role name). With
    ``values``, the ``{name}`` fields are filled (and translated again later).

    Example:
        >>> hint = N_("add {n}: the first window counts too.", n=1)
        >>> hint
        'add 1: the first window counts too.'
        >>> tr(hint)                                     # doctest: +SKIP
        '加 1：第一个窗口位置也要算上。'
    """
    return Message(message, values)


@functools.lru_cache(maxsize=None)
def _messages(lang: str, path: str) -> dict[str, str]:
    """``{msgid: msgstr}`` of the translated, not fuzzy entries of a message catalogue ({} when it is absent)."""
    if not Path(path).exists():
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(path) if e.translated() and not e.obsolete}


#: The runtime message catalogues, inside the package (package data in pyproject.toml).
MESSAGES_DIR = Path(__file__).resolve().parent / "locale"


def message_catalogue(lang: str) -> Path:
    """Where the message catalogue of ``lang`` lives: ``course/locale/<lang>/LC_MESSAGES/course.po`` (package data)."""
    return MESSAGES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def tr(message: str, /, **values: Any) -> str:
    """``message`` in the learner's language (:func:`language`), its ``{name}`` fields filled from ``values``.

    The English text is the key (gettext's msgid, ``python-brace-format``);
    a message with no translation stays English. Values are filled in after
    translating, so a translation may reorder them; a value marked with
    :func:`N_` is translated too. ``message`` may itself come from :func:`N_`.

    Example (COURSE_LANG unset, then COURSE_LANG=zh):
        >>> tr("`{target}` raised {error}: {detail}", target="relu", error="ValueError", detail="bad shape")   # doctest: +SKIP
        '`relu` raised ValueError: bad shape'
        >>> tr("`{target}` raised {error}: {detail}", target="relu", error="ValueError", detail="bad shape")   # doctest: +SKIP
        '`relu` 抛出了 ValueError：bad shape'
    """
    lang = language()
    if isinstance(message, Message):
        if lang == "en" and not values:
            return str.__str__(message)
        message, values = message.msgid, {**message.values, **values}
    values = {k: tr(v) if isinstance(v, Message) else v for k, v in values.items()}
    if lang != "en":
        message = _messages(lang, str(message_catalogue(lang))).get(message, message)
    return message.format(**values) if values else str(message)


def tr_in(lang: str, message: str, /, **values: Any) -> str:
    """:func:`tr` in ``lang``, whatever the learner's language is (e.g. the grader writing a zh student's feedback)."""
    with speaking(lang):
        return tr(message, **values)


def translations_of(message: str) -> dict[str, str]:
    """``{lang: translation}`` of a message in every edition that translates it (to recognise a verdict word in any language).

    Example:
        >>> translations_of("PASSED")      # doctest: +SKIP
        {'zh': '通过'}
    """
    found = {lang: _messages(lang, str(message_catalogue(lang))).get(message) for lang in LANGUAGES}
    return {lang: text for lang, text in found.items() if text}


# --------------------------------------------------------------------------
# Notebook catalogues
# --------------------------------------------------------------------------


def catalogue_path(chapter: str, lang: str = "zh", root: Path = ROOT) -> Path:
    """The catalogue of a chapter's Markdown: ``locale/<lang>/notebooks/<chapter>.po``.

    Example:
        >>> catalogue_path("01_mlp", root=Path(".")).as_posix()
        'locale/zh/notebooks/01_mlp.po'
    """
    return Path(root) / LOCALE_DIR / lang / "notebooks" / f"{chapter}.po"


def translated_chapters(lang: str = "zh", root: Path = ROOT) -> list[str]:
    """The chapters that have a catalogue in ``lang``, in chapter order."""
    return sorted(path.stem for path in (Path(root) / LOCALE_DIR / lang / "notebooks").glob("*.po"))


def markdown_cells(notebook: "nbformat.NotebookNode", name: str = "notebook") -> list["nbformat.NotebookNode"]:
    """The Markdown cells of a notebook, each with its id.

    Raises:
        ValueError: a Markdown cell without an id (nbformat 4.5 ids; ``course notebooks`` keeps them).
    """
    cells = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    for index, cell in enumerate(cells):
        if not cell.get("id"):
            raise ValueError(f"{name}: Markdown cell {index + 1} has no id; upgrade the notebook to nbformat 4.5 "
                             "(nbformat.validator.normalize gives each cell one) before translating it.")
    return cells


def load_catalogue(path: Path) -> polib.POFile:
    """Read a catalogue with polib, with a clear error when it is missing or not a .po file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no catalogue {path}; create it with `course translations --update {path.stem}`.")
    try:
        return polib.pofile(str(path), wrapwidth=0)
    except (OSError, IOError, ValueError) as error:
        raise ValueError(f"{path} is not a readable gettext catalogue: {error}") from error


def new_catalogue(chapter: str, lang: str = "zh") -> polib.POFile:
    """An empty catalogue for a chapter, with the header translators' tools expect."""
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": f"course {chapter}",
        "Language": LANGUAGES.get(lang, lang),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    po.header = (f"Markdown cells of solutions/{chapter}.ipynb. msgctxt: the cell's id; msgid: its English source.\n"
                 f"Update from the English with `course translations --update {chapter}`; terms: locale/{lang}/TERMINOLOGY.md.")
    return po


def _first_words(text: str, words: int = 8) -> str:
    """The first words of a cell, on one line: ``"## 1. The data: Fashion-MNIST as vectors…"``."""
    split = text.split()
    return " ".join(split[:words]) + ("…" if len(split) > words else "")


def short_diff(old: str, new: str, limit: int = 3, width: int = 80) -> str:
    """What changed between two texts, word by word: ``-"old words" +"new words"``, at most ``limit`` changes.

    Example:
        >>> short_diff("It stops near 90% here.", "It stops near 89% here.")
        '-"90%" +"89%"'
    """
    a, b = old.split(), new.split()
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        parts = []
        if i2 > i1:
            parts.append(f'-"{_cut(" ".join(a[i1:i2]), width)}"')
        if j2 > j1:
            parts.append(f'+"{_cut(" ".join(b[j1:j2]), width)}"')
        changes.append(" ".join(parts))
    if not changes:
        return "only the spacing or line breaks changed"
    more = f" (and {len(changes) - limit} more changes)" if len(changes) > limit else ""
    return "; ".join(changes[:limit]) + more


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Drift:
    """One way a catalogue and its English notebook disagree.

    Attributes:
        notebook: the notebook's name, e.g. ``"01_mlp.ipynb"``.
        cell: the cell's id.
        words: the cell's first words (English).
        kind: "missing", "untranslated", "changed", "fuzzy" or "obsolete".
        detail: what changed, or what to do.
    """

    notebook: str
    cell: str
    words: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.notebook}, cell {self.cell} (\"{self.words}\"): {self.detail}"


def catalogue_drift(solution: "nbformat.NotebookNode", po: polib.POFile, notebook: str, catalogue: str = "the catalogue") -> list[Drift]:
    """Every disagreement between a solution notebook's Markdown and its catalogue, in cell order.

    * a Markdown cell with no entry: "missing";
    * an entry with an empty translation: "untranslated";
    * an entry whose English differs from the cell's: "changed" (the English
      changed after it was translated), with a word diff;
    * an entry marked fuzzy by ``--update``: "fuzzy", with the diff from the
      English it was translated from;
    * an entry for a cell that is no longer there: "obsolete".

    Example:
        >>> [str(d) for d in catalogue_drift(solution, po, "01_mlp.ipynb")]     # doctest: +SKIP
        ['01_mlp.ipynb, cell 5c5d0290 ("## 1. The data: …"): the English changed after it was translated: -"90%" +"89%"; ...']
    """
    entries = {e.msgctxt: e for e in po if not e.obsolete}
    cells = markdown_cells(solution, notebook)
    found: list[Drift] = []
    fix = f"run `course translations --update {Path(notebook).stem}`, then translate it in {catalogue}"
    for cell in cells:
        words = _first_words(cell.source)
        entry = entries.get(cell.id)
        if entry is None:
            found.append(Drift(notebook, cell.id, words, "missing", f"missing: no translation of this Markdown cell ({fix})"))
        elif entry.msgid != cell.source:
            found.append(Drift(notebook, cell.id, words, "changed",
                               f"the English changed after it was translated: {short_diff(entry.msgid, cell.source)} "
                               f"(run `course translations --update {Path(notebook).stem}`, then review the fuzzy entry)"))
        elif "fuzzy" in entry.flags:
            previous = entry.previous_msgid or ""
            change = short_diff(previous, entry.msgid) if previous else "see the cell"
            found.append(Drift(notebook, cell.id, words, "fuzzy",
                               f"the English changed after it was translated: {change} (review the translation in "
                               f"{catalogue}, then remove its fuzzy flag)"))
        elif not entry.msgstr.strip():
            found.append(Drift(notebook, cell.id, words, "untranslated", f"missing: the entry is not translated yet ({catalogue})"))
    ids = {cell.id for cell in cells}
    for entry in po:
        if not entry.obsolete and entry.msgctxt not in ids:
            found.append(Drift(notebook, entry.msgctxt or "?", _first_words(entry.msgid), "obsolete",
                               f"obsolete: the catalogue translates a cell that is no longer in the notebook "
                               f"(`course translations --update {Path(notebook).stem}` marks it obsolete, keeping the text)"))
    return found


@dataclass
class CatalogueUpdate:
    """What :func:`update_catalogue` did: cell ids added, marked fuzzy, marked obsolete."""

    added: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.fuzzy or self.obsolete)


def update_catalogue(solution: "nbformat.NotebookNode", po: polib.POFile, notebook: str = "notebook") -> CatalogueUpdate:
    """Bring ``po`` up to date with the solution's Markdown, in place; never delete a translation.

    * a new cell becomes an untranslated entry;
    * a cell whose English changed keeps its translation, marked fuzzy, with
      the English it was translated from as ``#| msgid`` (gettext's previous msgid);
    * an entry whose cell is gone is marked obsolete (``#~``), its text kept.

    Entries follow the notebook's cell order. Example::

        update = update_catalogue(nbformat.read("solutions/01_mlp.ipynb", 4), po)
        update.added, update.fuzzy, update.obsolete
    """
    report = CatalogueUpdate()
    by_id = {e.msgctxt: e for e in po}
    ordered = []
    for cell in markdown_cells(solution, notebook):
        entry = by_id.pop(cell.id, None)
        if entry is None:
            entry = polib.POEntry(msgctxt=cell.id, msgid=cell.source, msgstr="")
            report.added.append(cell.id)
        elif entry.obsolete or entry.msgid != cell.source:
            if entry.msgstr.strip():
                if "fuzzy" not in entry.flags:
                    entry.flags.append("fuzzy")
                entry.previous_msgid = entry.previous_msgid or entry.msgid
                report.fuzzy.append(cell.id)
            entry.obsolete = False
            entry.msgid = cell.source
        ordered.append(entry)
    for entry in by_id.values():
        if not entry.obsolete:
            entry.obsolete = True
            report.obsolete.append(entry.msgctxt or "?")
        ordered.append(entry)
    po[:] = ordered
    return report


def update_chapter_catalogue(chapter: str, solutions_dir: Path, lang: str = "zh", root: Path = ROOT) -> tuple[Path, CatalogueUpdate]:
    """:func:`update_catalogue` on ``locale/<lang>/notebooks/<chapter>.po`` (created when absent); save it."""
    import nbformat

    path = catalogue_path(chapter, lang, root)
    source = Path(solutions_dir) / f"{chapter}.ipynb"
    solution = nbformat.read(source, as_version=4)
    po = load_catalogue(path) if path.exists() else new_catalogue(chapter, lang)
    report = update_catalogue(solution, po, source.name)
    if report.changed or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        po.save(str(path))
    return path, report


# --------------------------------------------------------------------------
# The translated notebooks
# --------------------------------------------------------------------------


def setup_cell_source(source: str, lang: str) -> str:
    """The setup cell of the ``lang`` edition: the English one, with ``COURSE_LANG`` set first.

    Example:
        >>> print(setup_cell_source("from course.setup import setup_notebook\\n\\nsetup_notebook();", "zh"))
        import os
        <BLANKLINE>
        os.environ["COURSE_LANG"] = "zh"  # the checkers speak Chinese
        from course.setup import setup_notebook
        <BLANKLINE>
        setup_notebook();
    """
    said = {"zh": "the checkers speak Chinese"}.get(lang, f"the checkers speak {lang}")
    return f'import os\n\nos.environ["{LANG_VARIABLE}"] = "{lang}"  # {said}\n' + source


def translate_markdown(text: str, depth: int = 2) -> str:
    """A translated Markdown cell for a notebook ``depth`` folders below the course root: figure paths moved.

    Example:
        >>> translate_markdown("![课程的 MLP](../figures/01_mlp.png)")
        '![课程的 MLP](../../figures/01_mlp.png)'
    """
    return _FIGURE_LINK.sub(lambda m: m.group(1) + "../" * depth + "figures/", text)


def translate_notebook(solution: "nbformat.NotebookNode", po: polib.POFile, lang: str = "zh") -> "nbformat.NotebookNode":
    """The ``lang`` solution notebook: Markdown from the catalogue, code shared, the setup cell setting ``COURSE_LANG``.

    A cell whose entry is missing, untranslated or fuzzy stays English (as
    gettext does); :func:`catalogue_drift` reports it. The input is not changed.
    """
    import nbformat

    notebook = nbformat.from_dict(solution)
    translations = {e.msgctxt: e for e in po if e.translated() and not e.obsolete}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            entry = translations.get(cell.get("id"))
            text = entry.msgstr if entry is not None and entry.msgid == cell.source else cell.source
            cell.source = translate_markdown(text)
        elif cell.cell_type == "code" and "setup_notebook(" in cell.source:
            cell.source = setup_cell_source(cell.source, lang)
    notebook.metadata["language_info"] = dict(notebook.metadata.get("language_info", {}), name="python")
    notebook.metadata["course"] = {"lang": lang}
    return notebook


@dataclass(frozen=True)
class TranslationReport:
    """What :func:`write_translated_notebooks` found: files written or stale, drift, untranslated chapters."""

    written: tuple[Path, ...]
    stale: tuple[Path, ...]
    drift: tuple[Drift, ...]
    untranslated: tuple[str, ...]


def write_translated_notebooks(solutions_dir: Path, notebooks_dir: Path, lang: str = "zh", root: Path = ROOT,
                               check_only: bool = False) -> TranslationReport:
    """Write (or, with ``check_only``, compare) ``notebooks/<lang>/NN.ipynb`` for every chapter with a catalogue.

    The student versions come from the translated solutions through
    :func:`course.notebooks.make_student_notebook`, as the English ones do.

    Args:
        solutions_dir: the English solution notebooks.
        notebooks_dir: the English student notebooks' folder; ``<lang>/`` goes inside it.
        lang: the edition.
        root: the folder holding ``locale/``.
        check_only: write nothing.

    Returns:
        A :class:`TranslationReport`; ``untranslated`` names the solution
        notebooks without a catalogue (not an error: a chapter not translated yet).
    """
    import nbformat

    from course.files import sync_text
    from course.notebooks import NBFORMAT_VERSION, make_student_notebook, serialise

    target_dir = Path(notebooks_dir) / lang
    written, stale, drift, untranslated = [], [], [], []
    for source in sorted(Path(solutions_dir).glob("*.ipynb")):
        path = catalogue_path(source.stem, lang, root)
        if not path.exists():
            untranslated.append(source.stem)
            continue
        solution = nbformat.read(source, as_version=NBFORMAT_VERSION)
        po = load_catalogue(path)
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        drift.extend(catalogue_drift(solution, po, f"{lang}/{source.name}", shown))
        text = serialise(make_student_notebook(translate_notebook(solution, po, lang), name=f"{lang}/{source.name}"))
        target = target_dir / source.name
        if sync_text(target, text, check_only):
            stale.append(target)
            if not check_only:
                written.append(target)
    return TranslationReport(tuple(written), tuple(stale), tuple(drift), tuple(untranslated))


def write_translated_solutions(paths: list[Path], out_dir: Path, lang: str = "zh", root: Path = ROOT) -> list[Path]:
    """Build the ``lang`` solution notebook of each path into ``out_dir`` (for ``course run --lang``); return the new paths.

    Raises:
        FileNotFoundError: a chapter with no catalogue in ``lang``.
    """
    import nbformat

    from course.notebooks import NBFORMAT_VERSION, serialise

    built = []
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for source in paths:
        po = load_catalogue(catalogue_path(Path(source).stem, lang, root))
        solution = nbformat.read(source, as_version=NBFORMAT_VERSION)
        target = Path(out_dir) / Path(source).name
        target.write_text(serialise(translate_notebook(solution, po, lang)), encoding="utf-8")
        built.append(target)
    return built
