"""tools/mutate_references.py: the mutants it makes, and a checker that kills every one that is not equivalent.

The full scan (every function exercise, minutes) is a command, not a test:
``nice -n 19 python tools/mutate_references.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "mutate_references.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("mutate_references", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _source():
    from course.references import ch01_mlp

    return Path(ch01_mlp.__file__).read_text()


def test_chapter_1s_references_give_mutants_of_every_kind(tool):
    functions = ["relu_derivative", "softmax", "cross_entropy", "dropout"]
    kinds = {mutant.kind for mutant in tool.mutants(_source(), functions)}
    assert kinds == set(tool.KINDS)


def test_a_mutant_changes_one_site_and_shows_its_line_before_and_after(tool):
    softmax = tool.mutants(_source(), ["softmax"])
    changed = {(m.kind, m.before, m.after) for m in softmax}
    assert ("axis", "return e / e.sum(axis=-1, keepdims=True)", "return e / e.sum(axis=0, keepdims=True)") in changed
    assert ("keepdims", "return e / e.sum(axis=-1, keepdims=True)", "return e / e.sum(axis=-1, keepdims=False)") in changed
    assert ("numpy", "return e / e.sum(axis=-1, keepdims=True)", "return e / e.mean(axis=-1, keepdims=True)") in changed
    assert ("operator", "return e / e.sum(axis=-1, keepdims=True)", "return e * e.sum(axis=-1, keepdims=True)") in changed
    assert len(changed) == len(softmax)


def test_the_softmax_checker_kills_every_mutant_not_declared_equivalent(tool):
    target, = tool.targets("01", "softmax")
    records = tool.scan(target, seeds=[0])
    survivors = [(r["before"], r["after"]) for r in records if r["verdict"] == "survived"]
    assert len(records) >= 10
    assert not survivors, survivors
    assert all(r["equivalent_because"] for r in records if r["verdict"] == "equivalent")


def test_a_mutant_declared_equivalent_is_counted_apart_from_the_score(tool):
    records = [{"exercise": "x", "verdict": verdict} for verdict in ("killed", "killed", "killed", "equivalent", "survived")]
    assert tool.summary(records, "x") == {"mutants": 5, "killed": 3, "equivalent": 1, "survived": 1, "score": 0.75}
