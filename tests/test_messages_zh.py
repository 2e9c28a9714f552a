"""Learner messages in Chinese: the checkers' hints, the grader's feedback, the catalogue that holds them.

``COURSE_LANG=zh`` makes every checker message come from
``course/locale/zh/LC_MESSAGES/course.po`` (through ``course.translation.tr``); unset,
the English is unchanged. ``course grade`` writes each feedback file in the
language of the submitted notebook (``metadata["course"]["lang"]``).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import polib
import pytest

from course.checks import ch02_cnn, ch03_rnn, ch04_gan
from course.grading import GraderConfig, GradeOptions, grade, hide_expected
from course.grading.outputs import render_feedback
from course.translation import message_catalogue, notebook_language, speaking, tr

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = message_catalogue("zh")
FIXTURES = Path(__file__).parent / "fixtures" / "grading"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _no_bias_param_count(k_h, k_w, c_in, c_out):
    return k_h * k_w * c_in * c_out  # forgets the one bias per output channel


def _marked_messages() -> dict[str, str]:
    """Every msgid the code marks: the string literal given to tr(), tr_in() or N_() (both branches of `a if c else b`), with where."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "course").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in ("tr", "tr_in", "N_"):
                continue
            arg = node.args[1] if name == "tr_in" and len(node.args) > 1 else node.args[0]
            for literal in ([arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]):
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                    found.setdefault(literal.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _fstring_calls() -> list[str]:
    """tr()/N_() calls whose message is an f-string: the catalogue could never hold it."""
    bad = []
    for path in sorted((ROOT / "course").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and getattr(node.func, "id", None) in ("tr", "N_") \
                    and isinstance(node.args[0], ast.JoinedStr):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return bad


# --- the checkers --------------------------------------------------------------------------


def test_a_chapter_2_hint_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch02_cnn.conv_param_count.check(_no_bias_param_count, seed=0, quiet=True)
    assert not result.passed
    assert "每个输出通道还有一个偏置：加上 c_out。" in result.message
    assert "提示" in result.message and "Hint" not in result.message
    assert result.line().startswith("[未通过] 02_cnn:conv_param_count（0/1 分）：")


def test_the_same_chapter_2_hint_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = ch02_cnn.conv_param_count.check(_no_bias_param_count, seed=0, quiet=True)
    assert result.message.endswith(". Hint: each output channel also has one bias: add c_out.")
    assert not HAN.search(result.line())


def test_a_chapter_2_case_description_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch02_cnn.conv_param_count.check(_no_bias_param_count, seed=0, quiet=True)
    assert re.match(r"用例 1 \(卷积核 3x3，c_in=1，c_out=32\)：", result.message)


# --- the catalogue -------------------------------------------------------------------------


def test_every_marked_message_has_a_chinese_entry():
    translated = {e.msgid for e in polib.pofile(str(CATALOGUE)) if e.translated()}
    missing = {m: where for m, where in _marked_messages().items() if m not in translated}
    assert not missing, f"tr()/N_() messages without a Chinese entry in {CATALOGUE.name}: {missing}"


def test_every_catalogue_entry_is_still_used_in_the_code():
    marked = _marked_messages()
    dead = [e.msgid for e in polib.pofile(str(CATALOGUE)) if e.msgid not in marked]
    assert not dead, f"entries of {CATALOGUE.name} that no tr()/N_() call uses any more: {dead}"


def test_no_message_is_an_f_string():
    assert _fstring_calls() == []


def test_the_scan_finds_the_messages_of_every_checks_module_and_of_the_grader():
    places = {where.split(":")[0] for where in _marked_messages().values()}
    for module in ("core", "ch01_mlp", "ch02_cnn", "ch03_rnn", "ch04_gan", "ch05_transformer"):
        assert f"course/checks/{module}.py" in places
    assert {"course/grading/judge.py", "course/grading/outputs.py", "course/cli.py"} <= places


# --- hidden cases --------------------------------------------------------------------------


def test_hidden_case_placeholders_are_chinese_in_a_chinese_message():
    message = "用例 2 (参数 (3, 4))：下标 (0, 1) 处的值不对：期望 0.25，得到 0.5（12 个值中有 3 个不同）"
    assert hide_expected(message) == "该用例：下标 (0, 1) 处的值不对：期望 <已隐藏>，得到 0.5（12 个值中有 3 个不同）"


def test_hidden_case_placeholders_stay_english_in_an_english_message():
    message = "case 2 (arguments (3, 4)): wrong value at index (0, 1): expected 0.25, got 0.5 (3 of 12 values differ)."
    with speaking("zh"):  # the learner's language does not matter: the message's does
        assert hide_expected(message) == "this case: wrong value at index (0, 1): expected <hidden>, got 0.5 (3 of 12 values differ)."


# --- the grader's feedback -----------------------------------------------------------------


def test_a_notebook_language_is_read_from_its_course_metadata_and_defaults_to_english():
    assert notebook_language({"metadata": {"course": {"lang": "zh"}}}) == "zh"
    assert notebook_language({"metadata": {"course": {"lang": "zh-CN"}}}) == "zh"
    for spoofed in ({"metadata": {}}, {"metadata": {"course": {"lang": "../../alice"}}}, {"metadata": {"course": "zh"}},
                    {"metadata": {"course": {"lang": ["zh"]}}}, {}):
        assert notebook_language(spoofed) == "en"


RECORD = {
    "status": "graded", "message": "", "notes": ["cell 3 raised ValueError"], "total": 1.0, "max_total": 3.0,
    "exercises": {"relu": {"points": 1.0, "max_points": 1.0, "status": "passed", "message": ""},
                  "softmax": {"points": 0.0, "max_points": 2.0, "status": "failed", "message": "..."}},
}


def test_the_feedback_of_a_chinese_record_is_written_in_chinese():
    text = render_feedback("alice", "01_mlp", {**RECORD, "lang": "zh"})
    assert text.splitlines()[:3] == ["# 01_mlp：给 alice 的反馈", "", "**得分：1 / 3**（状态：已评分）"]
    assert "- **relu**（1/1）：已通过" in text and "运行你的笔记本时：" in text


def test_the_feedback_of_a_record_without_a_language_is_english_as_before():
    text = render_feedback("alice", "01_mlp", RECORD)
    assert text.splitlines()[:3] == ["# 01_mlp: feedback for alice", "", "**Points: 1 / 3** (status: graded)"]
    assert "- **relu** (1/1): passed" in text and not HAN.search(text)


@pytest.fixture(scope="module")
def graded_pair(tmp_path_factory):
    """The fixture student `wrong`'s notebook graded twice: as handed in (English) and stamped as the zh edition."""
    root = tmp_path_factory.mktemp("grading_zh")
    source = FIXTURES / "submissions" / "wrong" / "01_mlp.ipynb"
    for student, lang in (("english", None), ("chinese", "zh")):
        notebook = nbformat.read(source, as_version=4)
        if lang:
            notebook.metadata["course"] = {"lang": lang}
        (root / "submissions" / student).mkdir(parents=True)
        nbformat.write(notebook, root / "submissions" / student / "01_mlp.ipynb")
    options = GradeOptions(checks={"01_mlp": str(FIXTURES / "fake_checks.py")}, cell_timeout=8, notebook_timeout=40, memory_mb=600,
                           max_output_mb=0.5, jobs=2, config=GraderConfig())
    out = root / "out" / "grades.csv"
    grade(root / "submissions", out, options)
    return out


def test_grading_a_zh_notebook_writes_chinese_feedback_with_the_checkers_chinese_message(graded_pair):
    text = (graded_pair.parent / "feedback" / "chinese" / "01_mlp.md").read_text(encoding="utf-8")
    assert text.startswith("# 01_mlp：给 chinese 的反馈\n\n**得分：")
    assert "用例" in text and "期望" in text  # the checker's message, judged in Chinese
    assert "feedback for" not in text and "expected" not in text


def test_grading_an_english_notebook_writes_english_feedback(graded_pair):
    text = (graded_pair.parent / "feedback" / "english" / "01_mlp.md").read_text(encoding="utf-8")
    assert text.startswith("# 01_mlp: feedback for english\n\n**Points: ")
    assert not HAN.search(text)


def test_the_grade_files_stay_machine_readable_whatever_the_language(graded_pair):
    data = json.loads(graded_pair.with_suffix(".json").read_text(encoding="utf-8"))
    chinese, english = (data["students"][s]["chapters"]["01_mlp"] for s in ("chinese", "english"))
    assert chinese["lang"] == "zh" and "lang" not in english
    assert chinese["status"] == english["status"] == "graded"
    assert {e["status"] for e in chinese["exercises"].values()} == {e["status"] for e in english["exercises"].values()}
    assert [c["points"] for c in chinese["exercises"].values()] == [e["points"] for e in english["exercises"].values()]
    header = graded_pair.read_text(encoding="utf-8").splitlines()[0]
    assert not HAN.search(graded_pair.read_text(encoding="utf-8")) and header.startswith("student,")


# --- chapters 3 and 4 ----------------------------------------------------------------------


def _rnn_step_without_bias(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h)


def _lstm_step_returning_c_first(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)
    return c_t, sigmoid(z_o) * np.tanh(c_t)


def _discriminator_loss_averaged(real_logits, fake_logits):
    return (np.mean(np.logaddexp(0, -real_logits)) + np.mean(np.logaddexp(0, fake_logits))) / 2


def _add_noise_from_a_fixed_seed(images, sigma, rng):
    noise = np.random.default_rng(0).standard_normal(images.shape)   # ignores rng
    return np.clip(images + sigma * noise, 0, 1).astype(images.dtype)


def test_a_chapter_3_hint_is_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch03_rnn.rnn_step.check(_rnn_step_without_bias, seed=0, quiet=True)
    assert result.line().startswith("[未通过] 03_rnn:rnn_step（0/1 分）：用例 1 (x_t (1, 3), h_prev (1, 2), ")
    assert result.message.endswith("。提示：缺少偏置 b。") and "Hint" not in result.message


def test_the_same_chapter_3_hint_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = ch03_rnn.rnn_step.check(_rnn_step_without_bias, seed=0, quiet=True)
    assert result.message.startswith("case 1 (x_t (1, 3), h_prev (1, 2), ")
    assert result.message.endswith(". Hint: the bias b is missing.") and not HAN.search(result.line())


def test_lstm_step_names_the_wrong_array_of_the_pair_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch03_rnn.lstm_step.check(_lstm_step_returning_c_first, seed=0, quiet=True)
    assert re.match(r"用例 1 \(批量 1，2 个输入特征，units=1，float64\)：h_t 中下标 \(0, 0\) 处的值不对：期望 ", result.message)
    assert result.message.endswith("提示：按 (h_t, c_t) 的顺序返回：先 h_t，后 c_t。")


def test_lstm_step_names_the_wrong_array_of_the_pair_in_english_as_before(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = ch03_rnn.lstm_step.check(_lstm_step_returning_c_first, seed=0, quiet=True)
    assert re.match(r"case 1 \(batch 1, 2 input features, units=1, float64\): wrong value in h_t at index \(0, 0\): expected ", result.message)
    assert result.message.endswith(". Hint: return the pair in the order (h_t, c_t): h_t first, then c_t.")


def test_a_chapter_4_hint_and_case_are_chinese_with_course_lang_zh(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch04_gan.discriminator_loss.check(_discriminator_loss_averaged, seed=0, quiet=True)
    assert result.line().startswith("[未通过] 04_gan:discriminator_loss（0/1 分）：用例 (logits 的形状为 (16, 1), (5, 1)，float32)：值不对：期望 ")
    assert result.message.endswith("。提示：把两个平均值相加，不要再取平均：(real + fake) / 2 只是 L_D 的一半。")


def test_the_same_chapter_4_hint_is_english_without_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    result = ch04_gan.discriminator_loss.check(_discriminator_loss_averaged, seed=0, quiet=True)
    assert result.message.startswith("case (logits of shapes (16, 1), (5, 1), float32): wrong value: expected ")
    assert result.message.endswith(". Hint: add the two means; do not average them: (real + fake) / 2 is half of L_D.")
    assert not HAN.search(result.line())


def test_add_noise_calls_numpys_rng_a_random_number_generator_in_chinese_not_the_gans_generator(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch04_gan.add_noise.check(_add_noise_from_a_fixed_seed, seed=0, quiet=True)
    assert result.message.startswith("用例 3 (形状为 (64, 28, 28) 的 images，float32，sigma=0.05：另一个随机数生成器)：与用例 1 不同的随机数生成器"
                                     "给出了相同的噪声。提示：用参数 `rng` 抽取噪声")


def test_the_scan_finds_the_messages_of_chapters_3_and_4():
    places = {where.split(":")[0] for where in _marked_messages().values()}
    assert {"course/checks/ch03_rnn.py", "course/checks/ch04_gan.py"} <= places


def test_a_chinese_backprop_hint_follows_its_message_with_one_full_stop():
    from corpus.ch01_mlp import backprop_summed
    from course.checks import ch01_mlp

    with speaking("zh"):
        line = ch01_mlp.backprop_step(backprop_summed, seed=0, quiet=True).line()
    assert "。提示：" in line and "。。" not in line
