"""Issue 14, second adversarial sweep: report sections with odd figures, warnings or
section lists gave bare ValueError/TypeError from inside the renderer (``too many values to
unpack``, ``'NoneType' object is not iterable``) or, for ``warnings="one string"``, one
warning per character. Now: a TypeError naming the section and what is expected, and a
single string is one warning."""

import pytest

import loyaltyscope as ls


@pytest.mark.parametrize("figures, what", [(("notafig",), "a figure must be"), (None, None),
                                           ("svg", "figures must be a list"), ([("k", "c", 3)], "a figure must be"),
                                           ([("k", "c")], "a figure must be")])
def test_odd_figures(tmp_path, figures, what):
    sec = ls.Section("Odd <figures>", None, figures=figures)
    if what is None:
        assert ls.write_report([sec], tmp_path / "r.html").is_file()
        return
    with pytest.raises(TypeError, match=rf"report section 'Odd <figures>': {what}"):
        ls.write_report([sec], tmp_path / "r.html")


def test_one_string_of_warnings_is_one_warning(tmp_path):
    page = ls.write_report([ls.Section("s", "text", warnings="watch <this>")], tmp_path / "r.html").read_text()
    assert "watch &lt;this&gt;" in page and "<li>w</li>" not in page


@pytest.mark.parametrize("sections", [None, 3, ls.Section("alone"), "text"])
def test_sections_that_are_not_a_list(tmp_path, sections):
    with pytest.raises(TypeError, match="report sections must be a list of Section objects"):
        ls.write_report(sections, tmp_path / "r.html")
