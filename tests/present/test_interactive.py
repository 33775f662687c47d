"""The overview's plotly figures: one cell per pair, customdata that opens the reader at a verbatim
span, every piece of document text escaped for plotly's HTML subset.

The overview here is a small stand-in with the accessors the figures use (documents, alignment
rows with their counterparts and opaque status strings, the cosine matrix, topics), so these tests
do not depend on how the alignment decides a status.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import numpy as np

from qa.present.interactive import (
    alignment_figure,
    hover_passage,
    plot_escape,
    shorten,
    status_kind,
    topics_figure,
)
from qa.types import TextSpan

EVIL = '<a href="javascript:window.__xss=1">x</a> <b>bold</b> & <img src=x onerror=alert(1)> %{z} "q" \'s'


@dataclass(frozen=True)
class Doc:
    doc_id: str
    label: str
    title: str


@dataclass(frozen=True)
class Cp:
    passage: TextSpan
    score: float
    shared: bool
    status: str


@dataclass(frozen=True)
class Row:
    passage: TextSpan
    counterparts: tuple
    status: str

    def counterpart_in(self, doc_id):
        return next((c for c in self.counterparts if c.passage.doc_id == doc_id), None)


@dataclass
class Al:
    paragraphs: tuple
    m: np.ndarray

    def rows_for(self, doc_id):
        return [p for p in self.paragraphs if p.passage.doc_id == doc_id]

    def matrix(self, a, b):
        return self.m if a == "da" else self.m.T


@dataclass(frozen=True)
class InDoc:
    doc_id: str
    paragraphs: tuple
    share: float
    position: str


@dataclass(frozen=True)
class Topic:
    topic_id: int
    words: tuple
    documents: tuple
    coverage: str

    def in_doc(self, doc_id):
        return next(d for d in self.documents if d.doc_id == doc_id)


@dataclass
class Ov:
    documents: tuple
    alignment: Al
    topics: object = field(default=None)


def spans(doc_id: str, texts: list[str]) -> list[TextSpan]:
    out, pos = [], 0
    for i, t in enumerate(texts, 1):
        out.append(TextSpan(doc_id, i, pos, pos + len(t), t))
        pos += len(t) + 2
    return out


def make_overview() -> Ov:
    a = spans("da", ["Zebras have stripes " + EVIL, "Lions sleep all day long in the shade.", "x" * 600])
    b = spans("db", ["Stripes on zebras " + EVIL, "Rain falls on the plains."])
    m = np.array([[0.9, 0.1], [0.2, 0.3], [0.15, 0.25]])
    statuses_a = ["shared with B", "partly shared with B", "only in A " + EVIL]
    rows = [Row(p, (Cp(b[int(np.argmax(m[i]))], float(m[i].max()), i == 0, "x"),), statuses_a[i])
            for i, p in enumerate(a)]
    rows += [Row(p, (Cp(a[int(np.argmax(m[:, j]))], float(m[:, j].max()), j == 0, "x"),),
                 ["shared with A", "only in B"][j]) for j, p in enumerate(b)]
    docs = (Doc("da", "A", "Title <b>A</b>"), Doc("db", "B", "Title B"))
    topics = type("TM", (), {"topics": (
        Topic(1, ("zebras", "<b>stripes</b>"), (InDoc("da", (1,), 0.4, "lead"), InDoc("db", (1,), 0.6, "lead")),
              "all documents"),
        Topic(2, ("lions",), (InDoc("da", (2, 3), 0.6, "later"), InDoc("db", (), 0.0, "absent")), "only A"),
    )})()
    return Ov(docs, Al(tuple(rows), m), topics)


def raw_markup(s: str) -> list[str]:
    """Tags plotly would interpret (anything but the figure's own <br>, <b>, <i>, <sup>)."""
    return [t for t in re.findall(r"<\s*/?\s*([a-zA-Z]+)", s) if t.lower() not in ("br", "b", "i", "sup", "extra")]


def all_strings(fig) -> list[str]:
    out = []

    def walk(x):
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.loads(fig.to_json()))
    return out


def test_escape_keeps_text_verbatim_for_plotly_and_shortens_at_a_word():
    assert plot_escape(EVIL).count("<") == 0 and plot_escape(EVIL).count('"') == 0
    # plotly decodes numeric entities and &amp; &lt; &gt; (not &quot;): html.unescape is the same here
    assert html.unescape(plot_escape(EVIL)) == EVIL
    assert shorten("one two three four", 9) == "one two …"
    assert shorten("a  b\n c") == "a b c"
    text = "word " * 100
    assert all(len(line) <= 80 for line in hover_passage(text).split("<br>"))
    assert [status_kind(s) for s in ("shared", "shared with B", "partly shared with A", "only in A", "", None)] == \
        ["shared", "shared", "partly", "only", "other", "other"]


def test_alignment_figure_one_cell_per_pair_with_reader_targets():
    ov = make_overview()
    fig = alignment_figure(ov, "da", "db")
    cells = fig.data[0]
    assert np.asarray(cells.z).shape == (3, 2) and len(cells.y) == 3 and len(cells.x) == 2
    custom = np.asarray(cells.customdata, dtype=object)
    assert custom.shape == (3, 2, 4)
    rows_a = ov.alignment.rows_for("da")
    for i, row in enumerate(rows_a):
        for j in range(2):
            doc_id, start, end, paragraph = custom[i, j]
            assert (doc_id, start, end, paragraph) == ("da", row.passage.start, row.passage.end, row.passage.paragraph)
    # hover: each paragraph's shortened text and status, held once as its axis category
    assert "<b>A ¶1</b> (shared with B): Zebras have stripes" in cells.y[0]
    assert "(partly shared with B)" in cells.y[1] and "(only in B)" in cells.x[1]
    assert "x" * 60 in cells.y[2] and cells.y[2].endswith("…") and len(cells.y[2]) < 400
    assert "%{y}" in cells.hovertemplate and "%{x}" in cells.hovertemplate
    # markers: each paragraph's best counterpart, coloured by the kind of its status, opening that paragraph
    sq, dots = fig.data[1], fig.data[2]
    assert len(sq.x) == 3 and len(dots.x) == 2
    assert list(sq.marker.color) == ["#d62728", "#ff9f1c", "#ffffff"]
    assert [tuple(c[:3]) for c in dots.customdata] == [("db", r.passage.start, r.passage.end)
                                                        for r in ov.alignment.rows_for("db")]
    assert (sq.x[0], sq.y[0]) == (cells.x[0], cells.y[0])


def test_alignment_figure_other_way_round_transposes():
    ov = make_overview()
    fig = alignment_figure(ov, "db", "da")
    assert np.asarray(fig.data[0].z).shape == (2, 3)
    assert {c[0] for row in fig.data[0].customdata for c in row} == {"db"}


def test_topics_figure_one_cell_per_topic_and_document():
    ov = make_overview()
    fig = topics_figure(ov)
    cells = fig.data[0]
    assert np.asarray(cells.z).shape == (2, 2)
    assert list(cells.x) == ["A", "B"] and cells.y[0].startswith("T1 ")
    first_a = ov.alignment.rows_for("da")[0].passage
    assert list(cells.customdata[0][0]) == ["da", first_a.start, first_a.end, 1]
    assert list(cells.customdata[1][0])[:3] == ["da", ov.alignment.rows_for("da")[1].passage.start,
                                                ov.alignment.rows_for("da")[1].passage.end]
    assert list(cells.customdata[1][1]) == ["", -1, -1, 0]  # topic 2 is not in B: nothing to open
    hover = cells.hovertext[0][0]
    assert "Zebras have stripes" in hover and "(shared with A)" not in hover and "(shared with B)" in hover
    assert "40% of A" in hover and "not in B" in cells.hovertext[1][1]


def test_document_text_is_escaped_everywhere_in_both_figures():
    ov = make_overview()
    for fig in (alignment_figure(ov, "da", "db"), topics_figure(ov)):
        strings = all_strings(fig)
        joined = "\n".join(strings)
        assert "&lt;a href=&#34;javascript:" in joined and "&lt;b&gt;bold&lt;/b&gt;" in joined
        assert "&amp; &lt;img" in joined
        for s in strings:
            assert not raw_markup(s), s
            assert "javascript:" not in s.replace("&#34;javascript:", "")
        # document text never reaches a hover template, where %{...} would be substituted
        templates = [t.hovertemplate for t in fig.data if t.hovertemplate]
        flat = [x for t in templates for x in (t if isinstance(t, (list, tuple)) else [t])]
        assert not any("Zebras" in t or "%{z} " in t for t in flat)
