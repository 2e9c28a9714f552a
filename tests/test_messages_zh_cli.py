"""Chapter 5's checker messages and the ``course`` command's messages in Chinese.

With ``COURSE_LANG=zh`` they come from ``course/locale/zh/LC_MESSAGES/course.po``
(through ``course.translation.tr``); unset, they are the English they were.
(The catalogue scan of ``tests/test_messages_zh.py`` checks that each has an entry.)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from course import cli
from course.checks import ch05_transformer as check
from course.checks.core import FAILED

HAN = re.compile(r"[\u4e00-\u9fff]")
SEED = 0


def _upper_triangle(n):
    return np.triu(np.ones((n, n)))


def _mean_over_padding(h, m):
    return np.asarray(h, np.float64).mean(axis=1)


# --- chapter 5 ---------------------------------------------------------------------------


def test_a_chapter_5_hint_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = check.causal_mask.check(_upper_triangle, seed=SEED, quiet=True)
    assert result.status == FAILED
    assert result.message.endswith("。提示：第 i 行是查询 i：它可以看到键 0..i，即下三角（np.tril）。")
    assert result.line().startswith("[未通过] 05_transformer:causal_mask（0/1 分）：")


def test_the_same_chapter_5_hint_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = check.causal_mask.check(_upper_triangle, seed=SEED, quiet=True)
    assert result.message.endswith(". Hint: row i is query i: it may see keys 0..i, the lower triangle (np.tril).")
    assert not HAN.search(result.line())


def test_a_chapter_5_case_description_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = check.mean_pool.check(_mean_over_padding, seed=SEED, quiet=True)
    assert re.match(r"用例 1 \(sequence_output \(2, 5, 4\)，float32，padding_mask \(2, 5\)，int32，每个句子的真实词元数 \[\d, \d\]\)：",
                    result.message), result.message
    assert result.message.endswith("。提示：只对真实词元取平均：乘以掩码，再除以掩码之和。")


def test_the_same_chapter_5_case_description_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = check.mean_pool.check(_mean_over_padding, seed=SEED, quiet=True)
    assert re.match(r"case 1 \(sequence_output \(2, 5, 4\), float32, padding_mask \(2, 5\), int32, real tokens per sentence \[\d, \d\]\): ",
                    result.message), result.message
    assert result.message.endswith(". Hint: average over the real tokens only: multiply by the mask and divide by the mask's sum.")


def test_a_word_list_answer_is_judged_in_chinese_with_its_hint(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def keeps_specials(pieces):
        words = []
        for piece in pieces:
            if piece.startswith("##") and words:
                words[-1] += piece[2:]
            else:
                words.append(piece)
        return words

    result = check.pieces_to_words.check(keeps_specials, seed=SEED, quiet=True)
    pieces = "['[CLS]', 'an', 'un', '##for', '##get', '##table', 'film', '[SEP]']"
    assert result.message.startswith(f"用例 1 (子词 {pieces})：期望 3 个词，得到 5 个：")
    assert result.message.endswith("。提示：去掉特殊词元 [CLS]、[SEP] 和 [PAD]。")


def _head_value(case, smoothing):
    """What the probe path collects from a sigmoid head compiled with BinaryCrossentropy(label_smoothing=smoothing)."""
    import keras

    loss = keras.losses.BinaryCrossentropy(label_smoothing=smoothing)
    got = [float(loss(np.asarray(p["y"], "float32")[:, None], p["p"])) for p in case["loss_probes"]]
    outputs = np.random.default_rng(SEED).uniform(0.1, 0.9, size=(len(case["x"]), 1))
    return {"outputs": outputs.tolist(), "loss": {"integer": got}, "params": 1000}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_head_with_label_smoothing_passes_the_structure_check_in_either_language(monkeypatch, lang):
    monkeypatch.setenv("COURSE_LANG", lang)
    case = check.build_classifier_head.make_inputs(np.random.default_rng(SEED))[0]
    assert check.build_classifier_head.structure_verdict(case, _head_value(case, 0.1)) is None


def test_a_head_with_too_much_label_smoothing_is_refused_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    case = check.build_classifier_head.make_inputs(np.random.default_rng(SEED))[0]
    problem = check.build_classifier_head.structure_verdict(case, _head_value(case, 0.9))
    assert problem.startswith("编译的损失不是")


# --- the course command ------------------------------------------------------------------


def test_a_cli_error_is_chinese_with_course_lang_zh(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_LANG", "zh")
    assert cli.main(["grade", "submissions", "--merge", "shard0.json"]) == 2
    assert capsys.readouterr().err == "错误：--merge 只接受 JSON 文件；请去掉 SUBMISSIONS。\n"


def test_the_same_cli_error_is_english_without_course_lang(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    assert cli.main(["grade", "submissions", "--merge", "shard0.json"]) == 2
    assert capsys.readouterr().err == "error: --merge takes JSON files only; leave out SUBMISSIONS.\n"


def test_a_missing_project_folder_is_named_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=r"^错误：这里（.*）没有 solutions/ 文件夹；请在课程的根文件夹中运行这个命令。$"):
        cli.main(["run"])


@pytest.mark.parametrize("lang, expected", [
    ("zh", "还没有 zh 的翻译目录；用 `course translations --update 01` 开始一个。\n"),
    ("en", "no zh catalogue yet; start one with `course translations --update 01`.\n"),
])
def test_a_cli_note_speaks_the_users_language(tmp_path, monkeypatch, capsys, lang, expected):
    monkeypatch.setenv("COURSE_LANG", lang)
    monkeypatch.chdir(tmp_path)
    Path("solutions").mkdir()
    monkeypatch.setattr(cli, "LOCALE_ROOT", tmp_path)
    assert cli.main(["translations"]) == 0
    assert capsys.readouterr().out == expected


def test_the_data_check_names_missing_datasets_in_chinese(monkeypatch, capsys):
    from course import data

    monkeypatch.setenv("COURSE_LANG", "zh")
    gone = Path("/cache/train-labels-idx1-ubyte.gz")
    status = data.DatasetStatus(name="fashion_mnist", cached=False, paths=(gone,), missing=(gone,))
    monkeypatch.setattr(data, "dataset_status", lambda: [status])
    assert cli.main(["data", "--check"]) == 1
    out = capsys.readouterr().out
    assert "  fashion_mnist   缺失\n      缺失：/cache/train-labels-idx1-ubyte.gz\n" in out
    assert "解决办法：运行 `course data --download`" in out and "Fix:" not in out
