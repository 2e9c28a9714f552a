"""The plain-data format in which the checks worker hands outcomes to the judge.

The worker (learner code runs there) writes, per exercise, ``<name>.json``
(values as tagged JSON), ``<name>.npz`` (arrays, no pickle) and
``<name>.<k>.keras`` (models). The judge reads them back with
:func:`decode_outcomes` without running any code: ``np.load(allow_pickle=False)``,
``keras.saving.load_model(safe_mode=True)``, and only regular files (a
symbolic link planted by learner code is refused, so it cannot make the
grader read a file of its own).
"""

from __future__ import annotations

import json
import math
import stat
import sys
from pathlib import Path
from typing import Any

#: Longest message kept from learner-controlled text.
MAX_TEXT = 2000
#: Largest outcome file the grader reads back (bytes).
MAX_OUTCOME_BYTES = 200 * 2**20


def clip(text: Any, limit: int = MAX_TEXT) -> str:
    """``str(text)`` cut to ``limit`` characters (ending in "...")."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class OutcomeFormatError(ValueError):
    """The worker's files are not what a grading worker writes."""


# --------------------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------------------


class Encoder:
    """Turn Outcome values into JSON + arrays + .keras files; nothing that needs pickle to read.

    Example:
        >>> encoder = Encoder(Path("out"), "softmax")                     # doctest: +SKIP
        >>> encoder.encode_outcome(Outcome(value=np.ones(3)))             # doctest: +SKIP
        {'value': {'__array__': 'a0'}, 'error': None, 'detail': ''}
    """

    def __init__(self, folder: Path, stem: str):
        self.folder, self.stem = folder, stem
        self.arrays: dict[str, Any] = {}
        self.models = 0

    def encode(self, value: Any, depth: int = 0) -> Any:
        import numpy as np

        if depth > 20:
            return {"__repr__": "<nested too deeply>"}
        if value is None or isinstance(value, (bool, str)):
            return clip(value, 100_000) if isinstance(value, str) else value
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value) if abs(int(value)) < 2**53 else float(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"__array__": key}
        if hasattr(value, "numpy") and callable(value.numpy) and not _is_keras_model(value):
            try:
                return self.encode(np.asarray(value.numpy()), depth + 1)
            except Exception:
                pass
        if _is_keras_model(value):
            name = f"{self.stem}.{self.models}.keras"
            self.models += 1
            value.save(self.folder / name)
            return {"__keras__": name}
        if isinstance(value, (list, tuple)):
            return {"__list__" if isinstance(value, list) else "__tuple__": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.encode(v, depth + 1) for k, v in value.items()}}
        return {"__repr__": clip(repr(value), 200)}

    def encode_outcome(self, outcome: Any) -> dict:
        try:
            value = self.encode(outcome.value)
        except Exception as error:  # e.g. a model that cannot be saved
            return {"value": None, "error": type(error).__name__, "detail": clip(f"the result could not be handed to the grader: {error}")}
        return {"value": value, "error": None if outcome.error is None else clip(outcome.error, 200), "detail": clip(outcome.detail)}

    def save_arrays(self) -> None:
        import numpy as np

        if self.arrays:
            with open(self.folder / f"{self.stem}.npz", "wb") as handle:
                np.savez(handle, **self.arrays)


def _is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")  # a learner answer that builds a model has imported it
    return keras is not None and isinstance(value, getattr(keras, "Model", ()))


# --------------------------------------------------------------------------------------
# Judge side
# --------------------------------------------------------------------------------------


def _regular_file(path: Path) -> Path:
    """``path`` if it is a regular file (not a link) of acceptable size; else OutcomeFormatError."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise
    if not stat.S_ISREG(info.st_mode):
        raise OutcomeFormatError(f"{path.name} is not a regular file")
    if info.st_size > MAX_OUTCOME_BYTES:
        raise OutcomeFormatError("the results are too large")
    return path


def _read_json(folder: Path, name: str) -> dict:
    data = json.loads(_regular_file(folder / f"{name}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise OutcomeFormatError("no outcome sets")
    return data


def reference_used(folder: Path, name: str) -> str | None:
    """The ``course.references`` module the worker saw an exercise's answer try to import, if any."""
    value = _read_json(folder, name).get("reference")
    return clip(value, 200) if isinstance(value, str) and value else None


def decode_outcomes(folder: Path, name: str) -> list[list[Any]]:
    """Read the outcome sets of one exercise written by a worker, without running any code.

    Arrays come from ``np.load(allow_pickle=False)``; models from
    ``keras.saving.load_model(safe_mode=True)``. Anything unexpected raises
    :class:`OutcomeFormatError`.
    """
    import numpy as np

    from course.checks.core import Outcome

    data = _read_json(folder, name)
    arrays_path = folder / f"{name}.npz"
    arrays = {}
    if arrays_path.exists() or arrays_path.is_symlink():
        with np.load(_regular_file(arrays_path), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}

    def decode(value: Any, depth: int = 0) -> Any:
        if depth > 25:
            raise OutcomeFormatError("nested too deeply")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (tag, inner), = value.items()
            if tag == "__array__" and isinstance(inner, str) and inner in arrays:
                return arrays[inner]
            if tag == "__float__" and inner in ("nan", "inf", "-inf"):
                return float(inner)
            if tag in ("__list__", "__tuple__") and isinstance(inner, list):
                items = [decode(v, depth + 1) for v in inner]
                return items if tag == "__list__" else tuple(items)
            if tag == "__dict__" and isinstance(inner, dict):
                return {str(k): decode(v, depth + 1) for k, v in inner.items()}
            if tag == "__repr__" and isinstance(inner, str):
                return clip(inner, 200)
            if tag == "__keras__" and isinstance(inner, str) and "/" not in inner and inner.endswith(".keras"):
                return _load_model(_regular_file(folder / inner))
        raise OutcomeFormatError(f"unexpected value {str(value)[:80]}")

    if not isinstance(data.get("sets"), list):
        raise OutcomeFormatError("no outcome sets")
    sets = []
    for raw_set in data["sets"]:
        if not isinstance(raw_set, list):
            raise OutcomeFormatError("an outcome set is not a list")
        outcomes = []
        for raw in raw_set:
            if not isinstance(raw, dict):
                raise OutcomeFormatError("an outcome is not a dict")
            error = raw.get("error")
            if error is not None and not isinstance(error, str):
                raise OutcomeFormatError("bad error field")
            value = None
            if error is None:
                try:
                    value = decode(raw.get("value"))
                except OutcomeFormatError:
                    raise
                except Exception as failure:  # e.g. a .keras file that safe mode refuses
                    error, raw = type(failure).__name__, {"detail": f"the model could not be loaded safely for grading: {clip(failure, 300)}"}
            outcomes.append(Outcome(value=value, error=error, detail=clip(raw.get("detail", ""))))
        sets.append(outcomes)
    return sets


def _load_model(path: Path) -> Any:
    import keras

    return keras.saving.load_model(path, safe_mode=True)
