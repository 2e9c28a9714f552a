"""The bench harness (course.bench.harness) and chapter 5's two-part bench."""

import json
import os

import pytest

from course.bench import BenchError, run_bench
from course.bench.harness import bench_runner


def test_a_bench_is_found_by_any_name_the_registry_accepts():
    assert bench_runner("1")[0] == bench_runner("01_mlp")[0] == bench_runner("01")[0] == "01"


def test_an_unknown_chapter_is_a_bench_error_that_lists_the_benches():
    with pytest.raises(BenchError, match=r"no benchmark for chapter '09'; the chapters with one are 01 \(01_mlp\)"):
        run_bench("09")


def test_a_part_the_chapter_does_not_register_is_a_bench_error():
    with pytest.raises(BenchError, match="chapter 05's parts are text, images"):
        run_bench("05", None, part="audio")


def test_targets_met_is_null_when_the_bench_has_no_targets(fake_bench):
    fake_bench(lambda: {"models": [], "targets": None})
    assert run_bench("99")["targets_met"] is None


def test_targets_met_is_false_when_one_target_is_missed(fake_bench):
    fake_bench(lambda: {"models": [], "targets": {"a": True, "b": False}})
    assert run_bench("99")["targets_met"] is False


def test_a_bench_stopped_halfway_keeps_the_models_it_finished(tmp_path, fake_bench):
    import keras
    import numpy as np

    from course.bench.harness import time_training

    def half_a_bench():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x, y = np.zeros((8, 3), "float32"), np.zeros(8, "int32")
        time_training("first model", model, (x, y), (x, y), epochs=1, batch_size=4)
        raise KeyboardInterrupt  # stopped before the second model

    fake_bench(half_a_bench)
    out = tmp_path / "bench.json"
    with pytest.raises(KeyboardInterrupt):
        run_bench("99", out)
    partial = json.loads((tmp_path / "bench.partial.json").read_text())
    assert not out.exists()
    assert partial["partial"] is True and [m["name"] for m in partial["models"]] == ["first model"]


# --- chapter 5: two parts -------------------------------------------------------------


def test_bench_05_images_part_ci_sized_trains_both_twins(tmp_path, ci_mode):
    run_bench("05", tmp_path / "b.json", part="images")
    record = json.loads((tmp_path / "b.json").read_text())
    assert record["part"] == "images" and record["targets_met"] is None
    assert [(m["skip"], m["architecture"]["depth"]) for m in record["models"]] == [(True, 8), (False, 8)]
    assert record["resnet_gain_over_plain"] == round(record["models"][0]["test_accuracy"] - record["models"][1]["test_accuracy"], 4)
    assert all(0 <= m["val_accuracy"] <= 1 for m in record["models"]), "each twin is also scored on the notebook's validation split"


def test_bench_05_trains_the_twins_side_by_side_in_two_processes(tmp_path, ci_mode, monkeypatch):
    from course.bench import ch05_transformer

    monkeypatch.setattr(ch05_transformer, "_twins_in_parallel", lambda: True)  # the full-mode CPU path, CI-sized in the workers
    run_bench("05", tmp_path / "b.json", part="images")
    record = json.loads((tmp_path / "b.json").read_text())
    threads = max(1, (os.cpu_count() or 2) // 2)
    assert [(m["skip"], m["threads"]) for m in record["models"]] == [(True, threads), (False, threads)], \
        "each twin should train in its own worker with half the cores"
    assert not (tmp_path / "b.partial.json").exists()


def test_bench_05_run_refuses_an_unknown_part():
    from course.bench import ch05_transformer

    with pytest.raises(ValueError, match="part must be one of"):
        ch05_transformer.run("audio")
