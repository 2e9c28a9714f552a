"""The architecture figures: the committed files are current, the drawings are deterministic, their text is
ASCII English that never overlaps, and the Markdown lines the notebooks use point at committed files."""

from pathlib import Path

import numpy as np
import pytest

from course import figures
from course.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def drawn():
    """Every figure drawn once, in the course's figure style, on an Agg canvas (so text has a size)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with figures.figure_style():
        result = {}
        for spec in figures.FIGURES:
            fig = spec.draw()
            FigureCanvasAgg(fig).draw()
            result[spec.name] = fig
        yield result


def _texts(fig):
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_every_committed_figure_file_is_what_the_code_draws_now():
    stale = figures.stale_figures(ROOT / "figures")
    assert not stale, "stale or missing figure files; run `course figures` and commit them: " + ", ".join(map(str, stale))


def test_the_figure_folder_holds_no_file_the_code_does_not_draw():
    expected = {path.name for path in figures.figure_paths()}
    assert {path.name for path in (ROOT / "figures").iterdir()} == expected


def test_svg_files_carry_no_date_software_version_or_raster_image():
    for path in (ROOT / "figures").glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        assert "<dc:date>" not in text and "Matplotlib v" not in text and "<image" not in text, path


def test_a_figure_drawn_twice_gives_the_same_svg_bytes():
    assert figures.render("03_lstm_cell", "svg") == figures.render("03_lstm_cell", "svg")


def test_all_figure_text_is_ascii_so_no_missing_glyph_box_can_appear(drawn):
    for name, fig in drawn.items():
        texts = [t.get_text() for t in _texts(fig)]
        assert len(texts) >= 5, name
        assert [t for t in texts if not t.isascii()] == [], name


def test_no_two_texts_of_a_figure_overlap_and_all_lie_inside_it(drawn):
    for name, fig in drawn.items():
        renderer = fig.canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
        for text, box in boxes:
            assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1), (name, text)
        for i, (text_a, a) in enumerate(boxes):
            for text_b, b in boxes[i + 1:]:
                overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
                overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
                assert overlap_w <= 0 or overlap_h <= 0, (name, text_a, text_b)


def test_markdown_lines_reach_the_committed_png_from_notebooks_and_from_the_chinese_edition():
    for spec in figures.FIGURES:
        for folder, depth in ((ROOT / "solutions", 1), (ROOT / "notebooks", 1), (ROOT / "notebooks" / "zh", 2)):
            line = figures.markdown_line(spec.name, depth=depth)
            assert line.startswith(f"![{spec.alt}](") and line.endswith(".png)")
            target = (folder / line[line.index("](") + 2:-1]).resolve()
            assert target == (ROOT / "figures" / f"{spec.name}.png").resolve() and target.is_file(), line


def test_an_unknown_figure_name_is_refused_with_the_names_it_knows():
    with pytest.raises(ValueError, match=r"name must be one of .*'01_mlp'.*; got '06_mystery'\."):
        figures.render("06_mystery", "svg")


def test_the_convolution_figure_shows_what_keras_computes():
    import keras

    x = figures.CONV_INPUT.astype("float32")[None, :, :, None]
    conv = keras.layers.Conv2D(1, 3, padding="valid", use_bias=False)
    conv.build(x.shape)
    conv.set_weights([figures.CONV_KERNEL.astype("float32")[:, :, None, None]])
    feature = np.asarray(conv(x))
    np.testing.assert_array_equal(feature[0, :, :, 0], figures._cross_correlate(figures.CONV_INPUT, figures.CONV_KERNEL))
    pooled = np.asarray(keras.layers.MaxPooling2D(2)(feature))[0, :, :, 0]
    np.testing.assert_array_equal(pooled, figures._max_pool(feature[0, :, :, 0]))


def test_course_figures_writes_the_files_and_check_names_a_stale_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(figures, "FIGURES", figures.FIGURES[:2])  # two figures are enough to test the command
    out = tmp_path / "figs"
    assert main(["figures", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01_mlp.png", "01_mlp.svg", "02_conv_pool.png", "02_conv_pool.svg"]
    assert main(["figures", "--check", "--out", str(out)]) == 0
    (out / "02_conv_pool.svg").write_text("<svg/>")
    capsys.readouterr()
    assert main(["figures", "--check", "--out", str(out)]) == 1
    assert capsys.readouterr().out.strip() == f"stale: {out / '02_conv_pool.svg'} (run `course figures` to draw it again)"
