"""``course bench CHAPTER``: accuracy and speed of a chapter's models, as a JSON record.

Each chapter's bench trains the course's recipe (from :mod:`course.recipes`,
the notebooks' own) and, where there is one, the seed tutorial's recipe side
by side, in the same process, on the same data, and records per model: test
accuracy, seconds per epoch, and training seconds until the end of the first
epoch whose test accuracy reaches a threshold. Evaluation time is not counted
as training time.

* :mod:`course.bench.harness` -- timing, the accuracy tracker, partial records, :func:`run_bench`
* ``course.bench.ch01_mlp`` ... ``ch05_transformer`` -- one module per chapter, each with
  its targets and a ``run()`` (registered in :mod:`course.chapters`)

Run it in full mode (the default) to measure the targets; under
``COURSE_MODE=ci`` it runs a tiny version that only shows the plumbing works
(its numbers mean nothing and ``targets_met`` is null).

Example::

    >>> from course.bench import run_bench
    >>> run_bench("01", Path("r01.json"))["targets_met"]
    True
"""

from course.bench.harness import BenchError, run_bench

__all__ = ["BenchError", "run_bench"]
