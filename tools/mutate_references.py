"""Mutation testing of the checkers: does each checker reject small changes to its own reference?

For every function exercise of ``course/checks/chNN_*.py`` whose reference
lives in ``course/references/chNN_*.py``, this script mutates the reference
function's source one site at a time:

* ``operator``: ``+``/``-`` and ``*``/``/`` swapped, ``//`` made ``/``, ``**`` made ``*``
  (also in ``x += ...``), a unary minus or a ``not`` dropped, ``and``/``or`` swapped;
* ``comparison``: ``<``/``<=``, ``>``/``>=``, ``==``/``!=`` swapped;
* ``constant``: a number nudged (an int ``c`` -> ``c + 1``, so ``0`` -> ``1``; a
  float ``c`` -> ``c * 1.01``, ``0.0`` -> ``1.0``), default arguments included;
* ``numpy``: a function swapped for its sibling (``max``/``min``, ``sum``/``mean``,
  ``argmax``/``argmin``, ``exp``/``expm1``, ``log``/``log1p``, ``sin``/``cos``...);
* ``keepdims``: ``keepdims=True``/``False`` flipped;
* ``axis``: an ``axis=`` value changed (``-1`` -> ``0`` and ``1``, ``1`` -> ``0`` and ``-1``...;
  a tuple loses one of its axes).

The module-private helpers a reference calls (``_softmax``, ``_softplus``,
``sigmoid``, ``forward``, ``standardize``) are mutated too; another exercise's
reference that it calls (``dense_forward`` calls ``relu``) is not: its own
exercise mutates it.

Each mutant is the whole reference module with that one change, compiled
under the file name ``<mutant of course.references.chNN_x>`` into a fresh
namespace (so its helpers are copies the checkers' reference guard does not
recognise), and its function is passed to the checker exactly as the
notebook calls it: ``check.<exercise>(mutant)``, quietly, once per seed
(``--seeds``). It is *killed* when the checker fails it on every seed, and
*survives* otherwise. A mutant whose module raises when it is defined, or
that is the same code as the original, is not counted.

A survivor that computes the same thing as the reference on every input the
statement allows is *equivalent*; say why in a comment beside the exercise in
its checks module, in this form (the lines as the JSON record and the
survivors' list print them; a comment may continue on the next comment lines)::

    # mutation softmax: `e = np.exp(z - z.max(axis=-1, keepdims=True))`
    #   -> `e = np.exp(z - z.max(axis=1, keepdims=True))`: equivalent, z is 2-D (the statement says so).

Such mutants are reported as equivalent and left out of the score, which is
killed / (mutants - equivalent). Every other survivor is a gap in the checker.

Usage (the full scan takes minutes; the CPU may be shared)::

    nice -n 19 python tools/mutate_references.py
    python tools/mutate_references.py --chapter 01 --exercise softmax --out softmax.json
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import json
import re
import signal
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

CHAPTERS = ("01_mlp", "02_cnn", "03_rnn", "04_gan", "05_transformer")
#: Exercises not mutated, and why: they train Keras models (minutes per mutant).
SKIP = {"keras_mlp": "trains a model", "small_cnn": "trains a model", "lstm_classifier": "trains a model",
        "gan_train_step": "trains a GAN step", "build_classifier_head": "trains a model"}
#: Seconds one checker call may take before the mutant counts as killed (a learner's hanging answer fails too).
TIMEOUT_S = 120
KINDS = ("operator", "comparison", "constant", "numpy", "keepdims", "axis")

_BINARY = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div, ast.Pow: ast.Mult}
_COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
_BOOL = {ast.And: ast.Or, ast.Or: ast.And}
#: NumPy functions and array methods (``np.max(x)``, ``x.max()``) and their swapped sibling.
_NUMPY = {"max": "min", "min": "max", "maximum": "minimum", "minimum": "maximum", "amax": "amin", "amin": "amax",
          "argmax": "argmin", "argmin": "argmax", "sum": "mean", "mean": "sum", "exp": "expm1", "expm1": "exp",
          "log": "log1p", "log1p": "log", "sin": "cos", "cos": "sin", "tril": "triu", "triu": "tril",
          "floor": "ceil", "ceil": "floor", "any": "all", "all": "any", "zeros": "ones", "ones": "zeros",
          "logaddexp": "logaddexp2", "arccos": "arcsin"}
#: Builtins swapped where they are called (``max(kernel, stride)``).
_BUILTINS = {"max": "min", "min": "max"}


# --------------------------------------------------------------------------
# Mutants
# --------------------------------------------------------------------------


@dataclass
class Mutant:
    """One change to a reference module.

    Attributes:
        function: the function changed (the reference, or a helper it calls).
        line: its line in the reference module.
        kind: one of :data:`KINDS`.
        before, after: the source line before and after the change.
        source: the whole module's source with the change, ready to compile.
    """

    function: str
    line: int
    kind: str
    before: str
    after: str
    source: str = field(repr=False)

    def record(self) -> dict:
        return {"function": self.function, "line": self.line, "kind": self.kind, "before": self.before, "after": self.after}


class _Source:
    """A module's source as bytes, addressed as the AST addresses it (line, UTF-8 column)."""

    def __init__(self, text: str):
        self.data = text.encode()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def start(self, node: ast.AST) -> int:
        return self.starts[node.lineno - 1] + node.col_offset

    def end(self, node: ast.AST) -> int:
        return self.starts[node.end_lineno - 1] + node.end_col_offset

    def text(self, node: ast.AST) -> str:
        return self.data[self.start(node):self.end(node)].decode()

    def between(self, left: ast.AST, right: ast.AST, old: str, new: str) -> tuple[int, int, str]:
        """The edit that replaces the operator ``old`` between two operands by ``new``."""
        a, b = self.end(left), self.start(right)
        gap = self.data[a:b].decode()
        return a, b, gap.replace(old, new, 1)


#: Operator symbols, to edit them in the source.
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**", ast.Lt: "<",
           ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.And: "and", ast.Or: "or"}


def _changes(node: ast.AST, parents: dict, src: _Source) -> Iterator[tuple[str, int, int, str]]:
    """(kind, start, end, text) for each mutation of ``node``: replace the source bytes [start, end) by ``text``.

    ``parents`` maps each node of the function to its parent.
    """
    parent = parents.get(node)

    def swap(op, table):
        return _SYMBOL[type(op)], _SYMBOL[table[type(op)]]

    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        yield ("operator", *src.between(node.left, node.right, *swap(node.op, _BINARY)))
    elif isinstance(node, ast.AugAssign) and type(node.op) in _BINARY:
        old, new = swap(node.op, _BINARY)
        yield ("operator", *src.between(node.target, node.value, old + "=", new + "="))
    elif isinstance(node, ast.BoolOp):
        for left, right in zip(node.values, node.values[1:]):
            yield ("operator", *src.between(left, right, *swap(node.op, _BOOL)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)) and not _in_axis(node, parents):
        yield "operator", src.start(node), src.end(node), src.text(node.operand)    # -x -> x, not x -> x
    elif isinstance(node, ast.Compare):
        for op, left, right in zip(node.ops, [node.left, *node.comparators], node.comparators):
            if type(op) in _COMPARE:
                yield ("comparison", *src.between(left, right, *swap(op, _COMPARE)))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not _in_axis(node, parents):
        value = node.value
        nudged = value + 1 if isinstance(value, int) else (float(f"{value * 1.01:.12g}") if value else 1.0)
        yield "constant", src.start(node), src.end(node), repr(nudged)
    elif isinstance(node, ast.Attribute) and node.attr in _NUMPY:
        yield "numpy", src.end(node) - len(node.attr), src.end(node), _NUMPY[node.attr]
    elif isinstance(node, ast.Name) and node.id in _BUILTINS and isinstance(parent, ast.Call) and parent.func is node:
        yield "numpy", src.start(node), src.end(node), _BUILTINS[node.id]
    elif isinstance(node, ast.keyword) and node.arg == "keepdims" and isinstance(node.value, ast.Constant):
        yield "keepdims", src.start(node.value), src.end(node.value), repr(not node.value.value)
    elif isinstance(node, ast.keyword) and node.arg == "axis":
        for axis in _other_axes(node.value):
            yield "axis", src.start(node.value), src.end(node.value), repr(axis)


def _in_axis(node: ast.AST, parents: dict) -> bool:
    """True when ``node`` is (part of) the value of an ``axis=`` argument: it is mutated as an axis there."""
    while isinstance(parents.get(node), (ast.UnaryOp, ast.Tuple, ast.keyword)):
        node = parents[node]
        if isinstance(node, ast.keyword):
            return node.arg == "axis"
    return False


def _other_axes(value: ast.AST) -> list:
    """Other values for an ``axis=`` argument: -1 -> 0, 1; 0 -> 1, -1; 1 -> 0, -1; (1, 2) -> (2,), (1,)."""
    try:
        axis = ast.literal_eval(value)
    except ValueError:
        return []
    if isinstance(axis, int):
        return [a for a in (0, 1, -1) if a != axis][:2]
    if isinstance(axis, tuple) and len(axis) > 1:
        return [axis[:i] + axis[i + 1:] for i in range(len(axis))]
    return []


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise KeyError(f"no function {name!r} at the top of the module")


def _line_around(data: bytes, start: int, end: int) -> str:
    """The line(s) holding data[start:end], on one line."""
    first = data.rfind(b"\n", 0, start) + 1
    last = data.find(b"\n", end)
    return " ".join(data[first:last if last >= 0 else len(data)].decode().split())


def mutants(source: str, functions: list[str]) -> list[Mutant]:
    """Every single-site mutant of ``functions`` (top-level functions of the module ``source``), in source order.

    Mutants that do not parse, that leave the function's code unchanged, or that repeat another, are dropped.

    Example:
        >>> [m.after for m in mutants("def f(x):\\n    return x + 1\\n", ["f"])]
        ['return x - 1', 'return x + 2']
    """
    tree = ast.parse(source)
    src = _Source(source)
    found, seen = [], set()
    for name in functions:
        original = _function(tree, name)
        parents = {child: node for node in ast.walk(original) for child in ast.iter_child_nodes(node)}
        unchanged = ast.dump(original)
        for node in ast.walk(original):
            for kind, start, end, text in _changes(node, parents, src):
                changed = src.data[:start] + text.encode() + src.data[end:]
                try:
                    key = ast.dump(_function(ast.parse(changed), name))
                except SyntaxError:
                    continue
                if key == unchanged or key in seen:
                    continue
                seen.add(key)
                before = _line_around(src.data, start, end)
                after = _line_around(changed, start, start + len(text.encode()))
                found.append(Mutant(name, node.lineno, kind, before, after, changed.decode()))
    return sorted(found, key=lambda m: (functions.index(m.function), m.line))


def load(mutant: Mutant, module: str) -> Callable | None:
    """The mutated function, compiled with its whole module in a fresh namespace; None if the module does not run."""
    namespace = {"__name__": f"mutant_of_{module.rsplit('.', 1)[-1]}", "__builtins__": builtins}
    try:
        exec(compile(mutant.source, f"<mutant of {module}>", "exec"), namespace)
    except Exception:
        return None
    return namespace[mutant.function]


# --------------------------------------------------------------------------
# Exercises and their references
# --------------------------------------------------------------------------


@dataclass
class Target:
    """One exercise to mutate: its checks module, exercise name, reference module and the functions mutated."""

    chapter: str
    exercise: str
    check: object
    module: str
    functions: list[str]

    @property
    def id(self) -> str:
        return f"{self.chapter}:{self.exercise}"


def _calls(function: ast.FunctionDef) -> set[str]:
    return {node.func.id for node in ast.walk(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def targets(chapter: str | None = None, exercise: str | None = None) -> list[Target]:
    """The function exercises to mutate, in chapter and notebook order (``chapter``: "01" or "01_mlp")."""
    found = []
    for name in CHAPTERS:
        if chapter and not name.startswith(chapter):
            continue
        check = importlib.import_module(f"course.checks.ch{name}")
        references = {e.reference.partition(":")[2] for e in check.EXERCISES if isinstance(getattr(e, "reference", None), str)}
        for ex in check.EXERCISES:
            reference = getattr(ex, "reference", None)
            if (exercise and ex.name != exercise) or ex.name in SKIP or not isinstance(reference, str):
                continue
            module, _, function = reference.partition(":")
            tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
            top = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
            functions, todo = [function], [function]
            while todo:     # the helpers it calls, transitively, that are not another exercise's reference
                for called in sorted(_calls(top[todo.pop()])):
                    if called in top and called not in functions and called not in references:
                        functions.append(called)
                        todo.append(called)
            found.append(Target(name, ex.name, check, module, functions))
    return found


_EQUIVALENT = re.compile(r"mutation (\w+): `(.+?)`\s*->\s*`(.+?)`:?\s*(is )?equivalent\W*(.*)")


def equivalents(check) -> dict[tuple[str, str, str], str]:
    """The mutants a checks module declares equivalent: (exercise, before, after) -> the reason given.

    Comment blocks (consecutive ``#`` lines) are joined before they are read, so a declaration may span lines.
    """
    blocks, block = [], []
    for line in Path(check.__file__).read_text().splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#: ").strip())
        elif block:
            blocks.append(" ".join(block))
            block = []
    found = {}
    for text in blocks:
        for piece in re.split(r"(?=\bmutation \w+: `)", text):
            match = _EQUIVALENT.match(piece.strip())
            if match:
                exercise, before, after, _, reason = match.groups()
                found[exercise, before, after] = reason.strip()
    return found


# --------------------------------------------------------------------------
# Running the checkers
# --------------------------------------------------------------------------


@contextmanager
def _time_limit(seconds: int):
    def stop(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def verdicts(target: Target, function: Callable, seeds: list[int]) -> list[tuple[int, bool, str]]:
    """(seed, passed, message) of ``check.<exercise>(function)`` with each seed, quietly, as the notebook calls it."""
    out = []
    for seed in seeds:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with _time_limit(TIMEOUT_S):
                    result = getattr(target.check, target.exercise)(function, seed=seed, quiet=True)
                out.append((seed, result.passed, result.message))
            except TimeoutError as error:
                out.append((seed, False, f"timed out: {error}"))
    return out


def scan(target: Target, seeds: list[int], log: Callable[[str], None] = lambda s: None) -> list[dict]:
    """Every counted mutant of ``target`` with its verdict: "killed", "survived" or "equivalent" (declared, and it survived)."""
    source = Path(importlib.import_module(target.module).__file__).read_text()
    declared = equivalents(target.check)
    copy_of_reference = Mutant(target.exercise, 0, "none", "", "", source)
    sanity = verdicts(target, load(copy_of_reference, target.module), seeds)
    if not all(passed for _, passed, _ in sanity):
        raise RuntimeError(f"{target.id}: an unchanged copy of the reference fails its checker: {sanity}")
    records = []
    for mutant in mutants(source, target.functions):
        function = load(mutant, target.module)
        if function is None:
            continue
        results = verdicts(target, function, seeds)
        passed = [seed for seed, ok, _ in results if ok]
        reason = declared.get((target.exercise, mutant.before, mutant.after))
        verdict = "killed" if not passed else ("equivalent" if reason is not None else "survived")
        failing = [message for _, ok, message in results if not ok]
        records.append({"exercise": target.id, **mutant.record(), "verdict": verdict, "passed_with_seeds": passed,
                        "message": failing[0] if failing else None, "equivalent_because": reason if verdict == "equivalent" else None,
                        "declared_equivalent_but_killed": reason is not None and not passed})
        log(f"  {verdict:10s} {mutant.function}:{mutant.line} {mutant.kind}: {mutant.before}  ->  {mutant.after}")
    made = {(target.exercise, r["before"], r["after"]) for r in records}
    for exercise, before, after in declared:
        if exercise == target.exercise and (exercise, before, after) not in made:
            print(f"  {target.id}: declared equivalent, but no mutant changes `{before}` into `{after}` (stale comment?)")
    return records


def summary(records: list[dict], exercise: str) -> dict:
    """mutants, killed, equivalent, survived and score (killed / non-equivalent mutants) of one exercise's records."""
    mine = [r for r in records if r["exercise"] == exercise]
    counts = {v: sum(r["verdict"] == v for r in mine) for v in ("killed", "equivalent", "survived")}
    counted = len(mine) - counts["equivalent"]
    return {"mutants": len(mine), **counts, "score": counts["killed"] / counted if counted else 1.0}


def table(records: list[dict], exercises: list[str]) -> str:
    """The per-exercise table and the total, as text."""
    rows = [f"{'exercise':44s} {'mutants':>7s} {'killed':>7s} {'equiv.':>7s} {'survived':>8s} {'score':>7s}"]
    for name in exercises + ["total"]:
        s = summary([{**r, "exercise": "total"} for r in records] if name == "total" else records, name)
        rows.append(f"{name:44s} {s['mutants']:7d} {s['killed']:7d} {s['equivalent']:7d} {s['survived']:8d} {s['score']:7.1%}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", help='only this chapter, e.g. "01" or "01_mlp"')
    parser.add_argument("--exercise", help='only this exercise, e.g. "softmax"')
    parser.add_argument("--seeds", type=int, default=3, help="checker seeds per mutant (killed = failed with every seed; default 3)")
    parser.add_argument("--out", help="write every mutant's record (function, line, kind, before, after, verdict) to this JSON file")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every mutant's verdict as it comes")
    args = parser.parse_args(argv)
    chosen = targets(args.chapter, args.exercise)
    if not chosen:
        parser.error(f"no function exercise matches --chapter {args.chapter} --exercise {args.exercise}")
    records, start = [], time.time()
    for target in chosen:
        began = time.time()
        found = scan(target, list(range(args.seeds)), print if args.verbose else lambda s: None)
        records += found
        s = summary(found, target.id)
        print(f"{target.id}: {s['mutants']} mutants, {s['killed']} killed, {s['equivalent']} equivalent, "
              f"{s['survived']} survived ({time.time() - began:.1f} s; mutated: {', '.join(target.functions)})", flush=True)
    print()
    print(table(records, [t.id for t in chosen]))
    survivors = [r for r in records if r["verdict"] == "survived"]
    if survivors:
        print("\nSurvivors (gaps, or equivalent mutants to declare beside the exercise):")
        for r in survivors:
            print(f"  {r['exercise']} {r['function']}:{r['line']} [{r['kind']}] `{r['before']}` -> `{r['after']}` "
                  f"(passed with seeds {r['passed_with_seeds']})")
    stale = [r for r in records if r["declared_equivalent_but_killed"]]
    for r in stale:
        print(f"  declared equivalent but killed: {r['exercise']} `{r['before']}` -> `{r['after']}`")
    print(f"\n{len(records)} mutants in {time.time() - start:.0f} s, {args.seeds} seeds each.")
    if args.out:
        Path(args.out).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
