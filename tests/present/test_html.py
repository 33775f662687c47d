"""HTML renderings: document text is escaped, citations numbered and linked, no newline emitted."""
from __future__ import annotations

from qa import Answer, Block, Comparison, DocCoverage, Document, TextSpan
from qa.present import html as render
from qa.present.links import open_href, span_href
from qa.present.text import ANSWERED, CLOSEST, NOT_ANSWERED, RELATED
from tests.conftest import make_hit


def test_answer_html_escapes_and_numbers_citations():
    ans = Answer("q", True, (make_hit(), make_hit(2, text="<img src=x onerror=alert(1)>", start=0, highlight=())))
    out = render.answer_html(ans, href=open_href)
    assert ANSWERED in out and NOT_ANSWERED not in out
    assert "[1]" in out and "[2]" in out
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "Title &lt;i&gt;A&lt;/i&gt;" in out and "Src &amp; co" in out and "paragraph 3" in out
    assert '<mark class="qa-hl">Second &lt;b&gt;one&lt;/b&gt;.</mark>' in out
    assert "\n" not in out  # a blank line would end the HTML block inside the chat's Markdown


def test_answer_html_not_answered_uses_fixed_wording():
    out = render.answer_html(Answer("q", False, (make_hit(),), verdict="not_found", reason="No <x>."), href=open_href)
    assert NOT_ANSWERED in out and CLOSEST in out and ANSWERED not in out and "No &lt;x&gt;." in out
    related = render.answer_html(Answer("q", False, (make_hit(),), reason="Why."), href=open_href)
    assert "qa-related" in related and RELATED in related and "Why." in related
    assert NOT_ANSWERED not in related and ANSWERED not in related


def test_spans_html_keeps_text_verbatim_and_clips_spans():
    text = "ab<c>\nde"
    out = render.spans_html(text, 10, [(12, 15), (0, 11), (17, 99)])
    assert out == ('<mark class="qa-hl">a</mark>b<mark class="qa-hl">&lt;c&gt;</mark><br>d'
                   '<mark class="qa-hl">e</mark>')


def test_document_html_numbers_paragraphs_marks_captions_and_focus():
    text = "Title\n\nCredit: AP\n\nOne <two>.\n\nThree."
    blocks = [Block("d", "title", 0, 5, "Title"), Block("d", "caption", 7, 17, "Credit: AP"),
              Block("d", "body", 19, 30, "One <two>.", 1, ((19, 30),)),
              Block("d", "body", 32, 38, "Three.", 2, ((32, 38),))]
    doc = Document("d", "Title", "src", "/x", "0", text, blocks)
    out = render.document_html(doc, focus=(19, 30), highlight=[(23, 28)])
    assert '<p class="qa-caption"><em>Credit: AP</em></p>' in out
    assert 'id="qa-p-1"' in out and 'id="qa-p-2"' in out
    assert '<div class="qa-para qa-focus" id="qa-p-1">' in out
    assert '<mark class="qa-hl">&lt;two&gt;</mark>' in out
    assert out.count("qa-focus") == 1


def test_comparison_html_has_a_column_and_badge_per_document():
    comp = Comparison("mobilisation", (DocCoverage("a", "A <x>", True, 0.9, (make_hit(),)),
                                       DocCoverage("b", "B", False, 0.1, ())))
    out = render.comparison_html(comp, href=open_href)
    assert out.count('class="qa-column"') == 2
    assert ">covered<" in out and ">not covered<" in out
    assert "A &lt;x&gt;" in out and "<x>" not in out


def test_documents_table_escapes_metadata():
    doc = Document("d1", "<script>x</script>", "s & t", "/p", "0", "text", [], added="2026-01-01T00:00:00+00:00")
    out = render.documents_table_html([doc])
    assert "<script>" not in out and "&lt;script&gt;" in out and "2026-01-01 00:00:00 UTC" in out


def _span(doc_id="a", paragraph=1, start=0, text="x"):
    return TextSpan(doc_id, paragraph, start, start + len(text), text)


def test_side_by_side_html_escapes_links_and_labels_rows():
    from qa.analysis import Bar, DocInfo, PairRow

    da, db = DocInfo("a", "A", "Alpha <i>", "s", 2), DocInfo("b", "B", "Beta", "s", 2)
    rows = [PairRow(_span("a", 1, 0, "<script>x</script>"), _span("b", 2, 50, "same point"), 0.61, 0.9,
                    "shared", "a->b"),
            PairRow(_span("a", 2, 30, "only here"), _span("b", 1, 0, "far away"), 0.2, 0.1, "only in A", "a->b"),
            PairRow(None, _span("b", 1, 0, "far away"), None, None, "only in B", "b->a")]
    out = render.side_by_side_html(rows, da, db, Bar("a", "b", 0.3, 0.6, 0.45), link=span_href)
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out and "Alpha &lt;i&gt;" in out
    assert out.count('class="qa-ov-row"') == 3 and out.count("qa-ov-section") == 2
    assert ">shared<" in out and ">only in A<" in out and ">only in B<" in out and "0.61" in out
    assert "A</b>: 1 of 2 paragraphs share claims with B" in out and "does not mean they agree" in out
    assert 'href="#qa-open:a/0-18/"' in out and ">A ¶1<" in out and ">B ¶2<" in out
    assert out.count("qa-ov-below") == 1 and "closest in B, no claim in common" in out  # set apart
    assert "\n" not in out
    only = render.side_by_side_html(rows, da, db, link=span_href, show="only-a")
    assert only.count('class="qa-ov-row"') == 1 and "only here" in only and "same point" not in only
    only_b = render.side_by_side_html(rows, da, db, link=span_href, show="only-b")
    assert "Paragraphs of B in reading order" in only_b and "not shown above" not in only_b


def test_side_by_side_html_marks_and_links_the_shared_sentence_pair():
    from qa.analysis import DocInfo, PairRow
    from qa.analysis.claims import SentencePair

    da, db = DocInfo("a", "A", "Alpha", "s", 1), DocInfo("b", "B", "Beta", "s", 1)
    a_text, b_text = "Kharkiv fell. Then <b>rain</b> came.", "Rain, it said. Kharkiv has fallen."
    pa, pb = _span("a", 1, 100, a_text), _span("b", 1, 200, b_text)
    pair = SentencePair(_span("a", 1, 100, "Kharkiv fell."), _span("b", 1, 215, "Kharkiv has fallen."),
                        0.6, 0.5, 1.1, 1.2, True, "", True, True)
    rows = [PairRow(pa, pb, 0.5, 0.8, "partly shared", "a->b", (pair,))]
    out = render.side_by_side_html(rows, da, db, link=span_href, show="shared")
    assert ">partly shared<" in out and "qa-ov-partly" in out and "the same claim in B" in out
    assert "<mark>Kharkiv fell.</mark> Then &lt;b&gt;rain&lt;/b&gt; came." in out
    assert "Rain, it said. <mark>Kharkiv has fallen.</mark>" in out
    assert 'href="#qa-open:a/100-136/100-113"' in out and 'href="#qa-open:b/200-234/215-234"' in out
    assert "same claim 0." not in out and "rarer words" in out  # judged by the evidence bars


def test_side_by_side_html_shows_the_claim_models_probability():
    from qa.analysis import DocInfo, PairRow
    from qa.analysis.claims import SentencePair

    da, db = DocInfo("a", "A", "Alpha", "s", 1), DocInfo("b", "B", "Beta", "s", 1)
    pa, pb = _span("a", 1, 100, "Kharkiv fell."), _span("b", 1, 200, "Kharkiv has fallen.")
    pair = SentencePair(pa, pb, 0.6, 0.5, 1.1, 1.2, True, "", True, True, 0.874)
    out = render.side_by_side_html([PairRow(pa, pb, 0.5, 0.8, "shared", "a->b", (pair,))], da, db, link=span_href)
    assert "same claim 0.87" in out and "the claim model reads them as the same claim" in out


def test_markdown_renders_in_the_reader_with_the_highlight_on_the_same_characters():
    """A Markdown document's reader shows **bold**, *italics*, `code` and a link's text without their
    markers; the highlight covers exactly the characters of the cited span that are shown."""
    import html
    import re as _re

    from hypothesis import given
    from hypothesis import strategies as st

    from qa.present.html import markdown_html, markdown_marks

    def shown(text, out):
        return html.unescape(_re.sub(r"<[^>]+>", "", out.replace("<br>", "\n")))

    def check(text, s, e):
        out = markdown_html(text, 50, [(50 + s, 50 + e)])
        hidden, _ = markdown_marks(text)
        keep = [i for i in range(len(text)) if not any(a <= i < b for a, b in hidden)]
        assert shown(text, out) == "".join(text[i] for i in keep)
        marked = "".join(shown(text, m) for m in _re.findall(r'<mark class="qa-hl">(.*?)</mark>', out))
        assert marked == "".join(text[i] for i in keep if s <= i < e)

    text = "Bees **shiver** their *flight* muscles; see [the guide](http://x.org/a) and `code`. 2*3*4, snake_case."
    out = markdown_html(text, 0, [(5, 20)])
    assert "<strong><mark class=\"qa-hl\">shiver</mark></strong>" in out and "<em>flight</em>" in out
    assert "<u>the guide</u>" in out and "http://x.org" not in out and "<code>code</code>" in out
    assert "2*3*4, snake_case." in out  # not emphasis
    check(text, 5, 20)

    @given(st.text(alphabet="ab *_`[]()\n<&", max_size=40), st.integers(0, 40), st.integers(0, 40))
    def prop(text, s, e):
        check(text, min(s, e, len(text)), min(max(s, e), len(text)))

    prop()
