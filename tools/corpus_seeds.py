"""Run every function-exercise answer of the corpus through its checker over several seeds.

The corpus test (tests/test_corpus.py) calls each checker once; a checker whose
verdict or hint depends on its random cases can still be wrong on another seed.
This script finds such answers:

    COURSE_MODE=ci python tools/corpus_seeds.py --seeds 1-8

It prints each answer whose verdict or hint differs from its label, and a total
(0 false verdicts for 328 answers x 8 seeds on 2026-12-03, about 20 s on 2 cores).
Model, training and random exercises are left out: their checkers train or draw.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the corpus package lives in tests/
from corpus import all_cases  # noqa: E402

SKIPPED = {"keras_mlp", "small_cnn", "lstm_classifier", "build_classifier_head", "gan_train_step", "residual_block", "dropout"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-8", help="a range FIRST-LAST (default: %(default)s)")
    args = parser.parse_args(argv)
    first, last = (int(s) for s in args.seeds.split("-"))
    cases = [c for c in all_cases() if c.exercise not in SKIPPED]
    start, bad = time.perf_counter(), 0
    for seed in range(first, last + 1):
        for case in cases:
            checks = importlib.import_module(f"course.checks.ch{case.chapter}")
            result = getattr(checks, case.exercise).check(case.answer, seed=seed, quiet=True)
            if result.passed != case.correct or (not case.correct and case.hint and case.hint not in result.message):
                bad += 1
                print(f"seed {seed} {case.id}: expected hint {case.hint!r}; got {result.line()}", flush=True)
    print(f"{bad} false verdicts or hints: {len(cases)} answers x {last - first + 1} seeds in {time.perf_counter() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
