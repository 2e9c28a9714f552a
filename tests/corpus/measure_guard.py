"""How much the reference guard (course.checks.core.Guard) adds to a check: run ``python tests/corpus/measure_guard.py``.

Each chapter-1 exercise is checked on a corpus answer with the guard on (as
``check.<exercise>(answer)`` and the grader's ``run()`` do) and off
(``check_reference``'s path), best of 7 repeats; keras_mlp without training
(the guard watches the builder, the probe call and the loss, not training).
Not a test: timings depend on the machine and its load.
"""

import dataclasses
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import ch01_mlp as corpus  # noqa: E402

from course.checks import ch01_mlp as check  # noqa: E402


def measure(exercise, answer, number: int) -> None:
    def best(guarded: bool) -> float:
        return min(timeit.repeat(lambda: exercise._check(answer, 0, True, guarded=guarded), number=number, repeat=7)) / number

    on, off = best(True), best(False)
    print(f"{exercise.name:16s} guard on {on * 1e3:8.2f} ms   off {off * 1e3:8.2f} ms   overhead {(on - off) * 1e3:+7.2f} ms")


if __name__ == "__main__":
    measure(check.relu, corpus.relu_where, 50)
    measure(check.relu_derivative, corpus.relu_derivative_where, 50)
    measure(check.softmax, corpus.softmax_rows_loop, 50)
    measure(check.dense_forward, corpus.dense_rows_loop, 50)
    measure(check.cross_entropy, corpus.cross_entropy_loop, 50)
    measure(check.backprop_step, corpus.backprop_per_example_loop, 20)
    measure(dataclasses.replace(check.keras_mlp, train=None), corpus.mlp_subclassed, 3)
