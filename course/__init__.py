"""Helpers for the deep-learning course notebooks.

One module per concern:

* :mod:`course.chapters` -- the registry of chapters and ``resolve("01") -> "01_mlp"``
* :mod:`course.config`   -- the run-size switch (``COURSE_MODE=full|ci``)
* :mod:`course.setup`    -- the first cell of every notebook: versions, device, seeds
* :mod:`course.data`     -- Fashion-MNIST, the movie-review polarity set (and MNIST/IMDB)
* :mod:`course.models`   -- model builders for every chapter
* :mod:`course.training` -- one ``fit()`` helper: seeds, device, mixed precision, XLA
* :mod:`course.recipes`  -- the training recipes the notebooks teach and the benches measure
* :mod:`course.plots`    -- activation curves, training curves and more
* :mod:`course.checks`   -- exercise checkers, one module per chapter
* :mod:`course.notebooks`-- writes the student notebooks from the solutions
* :mod:`course.bench`    -- ``course bench``: the harness and one module per chapter
* :mod:`course.files`    -- atomic file writes
* :mod:`course.cli`      -- the ``course`` command

Heavy modules (TensorFlow) are imported by the modules that need them, not here,
so ``import course`` is instant.
"""

from course.config import is_ci, mode, sized

__version__ = "0.1.0"
__all__ = ["__version__", "is_ci", "mode", "sized"]
