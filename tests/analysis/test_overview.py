"""Corpus overview: alignment and its bar, cache with the index, CLI JSON/Markdown/CSV/PNG, N != 2."""
from __future__ import annotations

import csv
import json
import shutil
import time

import numpy as np
import pytest

from qa import Engine, Settings
from qa.analysis import overview as ovm
from qa.analysis.alignment import calibrate
from qa.analysis.claims import MIN_COSINE, MIN_EVIDENCE
from qa.analysis.overview import compute_overview
from qa.cli import main
from tests.conftest import CORPUS, FakeEmbedder

ROOT = CORPUS.parent
A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"
THIRD = """Harvest season in the Volga region

Farmers along the Volga say the wheat harvest this autumn is larger than expected.

“We have never filled the silos so early,” said Olga Petrova, the head of a cooperative near Saratov.

Mobilisation has taken tractor drivers from several villages, one regional official said.

Prices for bread in local shops have stayed flat since the spring.
"""


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The two articles indexed with the real bundled model (built once for this module)."""
    root = tmp_path_factory.mktemp("overview-real")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    return Engine.open(settings)


@pytest.fixture
def three(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    (tmp_path / "corpus" / "zz_third.txt").write_text(THIRD, encoding="utf-8")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", model="fake")
    return Engine.open(settings, embedder=FakeEmbedder())


def _all_spans(ov):
    for row in ov.alignment.paragraphs:
        yield row.passage
        for c in row.counterparts:
            yield c.passage
            for pair in c.sentences:
                yield pair.sentence
                yield pair.other
    for t in ov.topics.topics:
        yield t.sentence
    for s in ov.ledger.sources:
        for m in s.mentions:
            yield m.name
            yield m.sentence
            yield from m.quotes


def _check_verbatim(engine, ov):
    docs = {d.doc_id: d for d in engine.documents}
    n = 0
    for span in _all_spans(ov):
        assert docs[span.doc_id].text[span.start:span.end] == span.text
        n += 1
    assert n > 100


def test_calibrate_levels():
    x = np.array([[1, 0, 0], [0.8, 0.6, 0]], dtype=np.float32)
    y = np.array([[0, 1, 0], [0, 0, 1], [0.6, 0.8, 0]], dtype=np.float32)
    low, high = calibrate(x, y, {"x": x, "y": y})
    assert low == pytest.approx(0.3)  # median of the cross pairs [0, 0, 0.6, 0.6, 0, 0.96]
    assert high == pytest.approx(0.8)  # median of the nearest neighbours [0.8, 0.8 | 0.8, 0, 0.8]
    low, high = calibrate(x[:1], y[:1], {"x": x[:1], "y": y[:1], "z": x})
    assert (low, high) == (pytest.approx(0.0), pytest.approx(0.8))  # from the corpus's other documents
    low, high = calibrate(x[:1], y[:1], {"x": x[:1], "y": y[:1]})
    assert high == pytest.approx(1.0)  # no document has two paragraphs


def test_two_articles_alignment(real):
    ov = compute_overview(real.version.table)
    _check_verbatim(real, ov)
    (bar,) = ov.alignment.bars
    assert bar.low < bar.bar < bar.high and bar.bar == pytest.approx((bar.low + bar.high) / 2)
    for doc, other in ((A, B), (B, A)):
        rows = ov.alignment.rows_for(doc)
        assert [r.passage.paragraph for r in rows] == list(range(1, len(real.document(doc).passages) + 1))
        for r in rows:
            (c,) = r.counterparts
            assert c.passage.doc_id == other and c.relative == pytest.approx(bar.relative(c.score))
            # one sentence pair per sentence of the paragraph, judged claim by claim
            passage = real.document(doc).passages[r.passage.paragraph - 1]
            assert len(c.sentences) == max(len(passage.sentences), 1)
            assert all(r.passage.start <= p.sentence.start and p.sentence.end <= r.passage.end for p in c.sentences)
            for p in c.sentences:
                assert p.shared == (p.claim and p.evidence >= MIN_EVIDENCE and p.cosine >= MIN_COSINE and not p.conflict)
                assert p.evidence == pytest.approx(p.cosine + p.distinctive)
            claims = [p for p in c.sentences if p.claim] or list(c.sentences)
            n = sum(p.shared for p in claims)
            assert c.status == ("only" if n == 0 else "shared" if n == len(claims) else "partly shared")
            assert c.shared == (c.status != "only")
            if c.shared:  # the counterpart paragraph holds the strongest same-claim sentence
                best = max(c.shared_sentences, key=lambda p: p.evidence)
                assert c.passage.start <= best.other.start and best.other.end <= c.passage.end
            expected = {"shared": f"shared with {ov.label(other)}", "partly shared": f"partly shared with {ov.label(other)}",
                        "only": f"only in {ov.label(doc)}"}[c.status]
            assert r.status == expected
        assert {r.status.split(" with ")[0] for r in rows} == {"shared", "partly shared", f"only in {ov.label(doc)}"}
    status = {(r.passage.doc_id, r.passage.paragraph): r.status for r in ov.alignment.paragraphs}
    assert status[(A, 15)] == "only in A"  # President Biden's daily intelligence briefing
    assert status[(A, 8)] == "only in A"  # the commander Swat at the front
    assert status[(A, 12)] == "only in A"  # the Washington Post report (v1: "shared" with B's NATO mantra)
    assert status[(B, 17)] == "only in B"  # Putin resting at Valdai (v1: "shared" with Khodorkovsky in A)
    assert status[(B, 24)] == "only in B"  # exemptions for officials' families
    assert status[(B, 37)] == "only in B"  # a one-way ticket out of the country
    pairs = ov.alignment.shared_pairs(A, B)
    assert pairs and all(c.shared for _, c in pairs)
    coverage = {t.coverage for t in ov.topics.topics}
    assert {"all documents", "only A", "only B"} <= coverage


def test_alignment_on_article_a_labels_beats_the_paragraph_bar(real):
    """The A-side hand labels (../shared/eval/alignment.jsonl, which set MIN_EVIDENCE): claim-level
    alignment finds every shared paragraph and more of the unique ones than v1's cosine bar (0.667)."""
    from qa.eval.alignment import score_alignment
    from qa.text import read_jsonl

    ov = compute_overview(real.version.table)
    gold = read_jsonl(ROOT.parent / "shared" / "eval" / "alignment.jsonl")
    score = score_alignment(ov.alignment, gold, {"A": A, "B": B})
    assert len(score.rows) == 17 and score.shared_recall == 1.0
    assert score.balanced_accuracy >= 0.78


def distinctive_share(a, b, voc) -> float:
    """The definition, pair by pair: what ``claims.distinctive_shares`` computes for every pair."""
    weight = lambda terms: sum(voc.idf.get(t, 0.0) for t in terms)  # noqa: E731
    lighter = min(weight(a.terms), weight(b.terms))
    return 0.0 if lighter <= 0 else min(1.0, weight(a.terms & b.terms) / lighter)


def test_sentence_pair_evidence():
    from qa.analysis.claims import Unit, Vocabulary, conflict, distinctive_shares, ratio_margin
    from qa.types import TextSpan

    def unit(text, numbers=(), names=()):
        from qa.text import tokenize

        return Unit(TextSpan("x", 1, 0, len(text), text), frozenset(tokenize(text)), frozenset(numbers),
                    frozenset(names))

    voc = Vocabulary({"putin": 0.1, "nuclear": 2.0, "threat": 1.5, "kharkiv": 2.5, "war": 0.1}, frozenset(), 10)
    a, b = unit("Putin's nuclear threat in the war"), unit("The nuclear threat, Putin said")
    share = lambda x, y: distinctive_shares([x], [y], voc)[0, 0]  # noqa: E731
    assert share(a, b) == pytest.approx(1.0)  # all of b's weight is shared
    c = unit("Putin and the war in Kharkiv")
    assert share(a, c) == pytest.approx(0.2 / 2.7)  # only the common words are shared
    assert share(unit("Kharkiv fell"), b) == 0.0
    assert conflict(unit("x", numbers={"30"}), unit("y", numbers={"40"})) == "numbers 30 / 40"
    assert conflict(unit("x", numbers={"30"}), unit("y", numbers={"30", "40"})) == ""
    assert conflict(unit("x", names={"kozak"}), unit("y", names={"kudrin"})) == "names kozak / kudrin"
    assert conflict(unit("x", names={"kozak"}), unit("y")) == ""
    sim = np.array([[0.9, 0.5], [0.5, 0.5]])
    m = ratio_margin(sim, k=2)
    assert m[0, 0] == pytest.approx(0.9 / 0.7) and m[1, 1] == pytest.approx(1.0)


def test_side_by_side_rows(real):
    ov = real.overview()
    rows = ovm.side_by_side(ov, A, B)
    a_rows = [r for r in rows if r.direction == "a->b"]
    assert [r.a.paragraph for r in a_rows] == list(range(1, 24))
    shared_b = {r.b.paragraph for r in a_rows if r.status in ("shared", "partly shared")}
    b_rows = [r for r in rows if r.direction == "b->a"]
    assert {r.b.paragraph for r in b_rows} == set(range(1, 42)) - shared_b
    assert {r.status for r in rows} == {"shared", "partly shared", "only in A", "only in B"}
    texts = {d.doc_id: d.text for d in real.documents}
    for r in rows:
        for span in (r.a, r.b):
            assert texts[span.doc_id][span.start:span.end] == span.text
        assert bool(r.sentences) == (r.status in ("shared", "partly shared"))
        for pair in r.sentences:  # the cited sentence pair: verbatim in both documents
            assert pair.shared and {pair.sentence.doc_id, pair.other.doc_id} == {A, B}
            for span in (pair.sentence, pair.other):
                assert texts[span.doc_id][span.start:span.end] == span.text


def test_cache_written_reused_and_fast(real, monkeypatch):
    from qa.index import store

    path = store.live_version(real.settings.index_dir) / f"{ovm.CACHE_NAME}.json"
    path.unlink(missing_ok=True)
    first = real.overview()
    assert path.exists()
    cached = json.loads(path.read_text(encoding="utf-8"))
    assert cached["key"]["documents"] == real.manifest.document_hashes()
    t0 = time.perf_counter()
    compute_overview(real.version.table)  # imports are warm now: the computation itself
    assert time.perf_counter() - t0 <= 2.0
    monkeypatch.setattr(ovm, "compute_overview", lambda *a, **k: pytest.fail("cache not used"))
    t0 = time.perf_counter()
    again = real.overview()
    assert time.perf_counter() - t0 <= 2.0
    assert again.to_json() == first.to_json()
    # another topic count is another key
    monkeypatch.undo()
    assert len(real.overview(n_topics=4).topics.topics) == 4
    assert len(real.overview().topics.topics) == len(first.topics.topics)


def test_cache_refreshed_when_a_document_changes(three):
    ov = three.overview()
    assert len(ov.alignment.rows_for("zz_third")) == 4
    path = three.settings.corpus_dir / "zz_third.txt"
    path.write_text(THIRD + "\nA fifth paragraph about the price of fuel for the harvesters.\n", encoding="utf-8")
    three.refresh()
    ov2 = three.overview()
    assert len(ov2.alignment.rows_for("zz_third")) == 5
    third_sha = next(d.sha256 for d in three.manifest.documents if d.doc_id == "zz_third")
    from qa.index import store

    key = json.loads((store.live_version(three.settings.index_dir) / f"{ovm.CACHE_NAME}.json").read_text())["key"]
    assert ["zz_third", third_sha] in key["documents"]


def test_three_documents(three):
    ov = three.overview()
    _check_verbatim(three, ov)
    assert [d.label for d in ov.documents] == ["A", "B", "C"]
    assert len(ov.alignment.bars) == 3
    for row in ov.alignment.paragraphs:
        assert len(row.counterparts) == 2
        full = [ov.label(c.passage.doc_id) for c in row.counterparts if c.status == "shared"]
        part = [ov.label(c.passage.doc_id) for c in row.counterparts if c.status == "partly shared"]
        if len(full) == 2:
            assert row.status == "shared with all"
        elif full or part:
            expected = ([f"shared with {full[0]}"] if full else []) + ([f"partly shared with {', '.join(part)}"]
                                                                       if part else [])
            assert row.status == "; ".join(expected)
        else:
            assert row.status == "only in " + ov.label(row.passage.doc_id)
    assert ov.alignment.matrix(A, "zz_third").shape == (23, 4)
    assert ov.alignment.matrix("zz_third", A).shape == (4, 23)
    seen = sorted((x.doc_id, p) for t in ov.topics.topics for x in t.documents for p in x.paragraphs)
    assert seen == sorted((d.doc_id, p.paragraph) for d in three.documents for p in d.passages)
    assert any(s.doc_id == "zz_third" for s in ov.ledger.sources)


def test_plots(three, tmp_path):
    from qa.present import plots

    ov = three.overview()
    for fig in (plots.topic_heatmap(ov), plots.alignment_matrix(ov, A, "zz_third"), plots.prominence_strips(ov),
                plots.overview_figure(ov)):
        assert fig.axes
        plots.save(fig, tmp_path / "x.png")
        assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    paths = plots.save_all(ov, tmp_path / "all")
    assert [p.name for p in paths] == ["topics_heatmap.png", "alignment_matrix.png", "prominence.png"]


def test_cli_json_markdown_csv_plot(real, tmp_path, capsys):
    base = ["--corpus", str(real.settings.corpus_dir), "--index", str(real.settings.index_dir), "overview"]
    assert main(base + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"documents", "alignment", "topics", "ledger"}
    assert [d["label"] for d in out["documents"]] == ["A", "B"]
    row = out["alignment"]["paragraphs"][0]
    assert {"doc_id", "paragraph", "start", "end", "text", "status", "shared_with", "counterparts"} <= set(row)
    assert {"score", "relative", "shared", "mutual", "status", "sentences"} <= set(row["counterparts"][0])
    pair = next(p for r in out["alignment"]["paragraphs"] for c in r["counterparts"] for p in c["sentences"]
                if p["shared"])
    assert {"sentence", "other", "cosine", "distinctive", "evidence", "margin", "mutual", "conflict", "claim",
            "shared"} <= set(pair)
    assert "matrices" not in out["alignment"]
    texts = {d.doc_id: d.text for d in real.documents}
    assert main(base + ["--markdown", str(tmp_path / "o.md"), "--csv", str(tmp_path / "csv"),
                        "--plot", str(tmp_path / "o.png"), "--pair", "B", "A"]) == 0
    md = (tmp_path / "o.md").read_text(encoding="utf-8")
    assert "## Paragraph alignment" in md and "## Topics" in md and "## Quoted and cited sources" in md
    assert (tmp_path / "o.png").read_bytes()[:4] == b"\x89PNG"
    with open(tmp_path / "csv" / "alignment.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 23 + 41
    for r in rows:
        assert texts[r["doc_id"]][int(r["start"]):int(r["end"])] == r["text"]
        assert texts[r["other_doc_id"]][int(r["other_start"]):int(r["other_end"])] == r["other_text"]
    with open(tmp_path / "csv" / "ledger.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            assert texts[r["doc_id"]][int(r["sentence_start"]):int(r["sentence_end"])] == r["sentence"]
            if r["quote"]:
                assert texts[r["doc_id"]][int(r["quote_start"]):int(r["quote_end"])] == r["quote"]
    with open(tmp_path / "csv" / "topics.csv", encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == 23 + 41  # one row per body paragraph
    assert main(base + ["--pair", "A", "Z"]) == 2
    assert "unknown document 'Z'" in capsys.readouterr().err


def test_distinctive_shares_match_the_pairwise_definition():
    from qa.analysis.claims import Unit, Vocabulary, distinctive_shares
    from qa.text import tokenize
    from qa.types import TextSpan

    texts_x = ["Kharkiv fell to the offensive", "Putin said nothing", "", "Nuclear threat and war"]
    texts_y = ["The offensive took Kharkiv", "war war war", "A nuclear threat, Putin said", "Bread"]
    unit = lambda t: Unit(TextSpan("x", 1, 0, len(t), t), frozenset(tokenize(t)), frozenset(), frozenset())  # noqa: E731
    voc = Vocabulary({"kharkiv": 2.5, "offens": 1.2, "fell": 1.0, "took": 0.8, "putin": 0.1, "war": 0.1,
                      "nuclear": 2.0, "threat": 1.5, "said": 0.05}, frozenset(), 10)
    ux, uy = [unit(t) for t in texts_x], [unit(t) for t in texts_y]
    grid = distinctive_shares(ux, uy, voc)
    for i, a in enumerate(ux):
        for j, b in enumerate(uy):
            assert grid[i, j] == pytest.approx(distinctive_share(a, b, voc))
    assert grid[0, 0] > 0.6 and grid[2].max() == 0.0
