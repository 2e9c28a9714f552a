"""The course's reference answers: one module per chapter (``ch01_mlp``, ...).

The checkers compare learners' answers with these functions, and the
notebooks fall back on them (``check.yours_or_reference``) until a learner's
own answer passes. The contract, enforced by ``course.checks.core`` and by
``course grade``:

* only the trusted side imports this package, lazily: a checker's
  ``make_inputs``/``judge`` and notebook-side helpers, never a checks module
  at import time and never ``Exercise.run`` (the step that calls learner
  code, which the grader runs in a worker that blocks imports of this
  package);
* a graded answer that is, wraps or calls anything defined here scores 0 for
  its exercise ("uses the course's reference implementation `X`; write your
  own"): every exercise forbids its chapter's module;
* narrative cells do not display these functions next to their exercise.
"""
