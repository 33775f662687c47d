"""Topic map: the corpus's body paragraphs grouped into topics, each named by key phrases of the
documents' own text (``qa.analysis.phrases``; its most distinctive words are kept beside them)
and one representative verbatim sentence, with each document's share.

Method (scikit-learn, deterministic, no model call: the stored passage vectors are used):

1. Centre the passage vectors on the corpus mean and re-normalise. Articles about one story
   share a large common direction ("Putin", "war"); removing it lets the clustering see what
   distinguishes paragraphs instead of what they all share.
2. Agglomerative clustering with Ward linkage into ``k`` topics. Ward keeps topics of
   comparable size, where average linkage on such a corpus chains most paragraphs into one.
   ``k`` defaults to ``round(1.25 * sqrt(n))`` for ``n`` paragraphs (the usual ``sqrt(n)``
   rule of thumb, nudged up because news paragraphs are short and on one subject each);
   it can be set by the caller. Every body paragraph lands in exactly one topic.
3. Words: class-based TF-IDF (c-TF-IDF, as in BERTopic) over stemmed tokens,

       w(t, c) = tf(t, c) * log(1 + A / f(t))

   where ``tf(t, c)`` is how often term ``t`` occurs in topic ``c``, ``f(t)`` how often it
   occurs in the corpus and ``A`` the mean number of words per topic. Terms used in at least
   two of the topic's paragraphs come first (a word repeated in one paragraph describes that
   paragraph, not the topic), and terms found in more than two thirds of the topics last (they
   describe the corpus, not the topic). Each stem is shown as the surface word it most often has in
   the topic, so every label word is a word of the text.
4. Sentence: among the topic's sentences of at least five words, the one whose vector is
   closest to the topic's mean passage vector; it is a span of the document text.
5. Per document: the topic's paragraphs, their share of the document's body characters,
   and its position: ``"lead"`` when the topic's first paragraph in the document lies in the
   lead (the first fifth of the body paragraphs, at least the first two), else ``"later"``.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..index.table import PassageTable
from ..text import stopwords, tokenize
from ..types import TextSpan, doc_labels
from .phrases import topic_phrases

#: A topic starts in the document's lead when its first paragraph is within this share of the
#: body paragraphs (and always when it is within the first LEAD_MIN paragraphs).
LEAD_SHARE = 0.1
LEAD_MIN = 3
#: Number of distinctive words shown per topic.
N_WORDS = 5
#: Shortest sentence (in words) that may represent a topic.
MIN_SENTENCE_WORDS = 5

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


@dataclass(frozen=True)
class TopicInDoc:
    """Where and how much one document covers a topic."""

    doc_id: str
    paragraphs: tuple[int, ...]
    share: float  # fraction of the document's body characters in the topic's paragraphs
    position: str  # "lead", "later" or "absent"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "paragraphs": list(self.paragraphs), "share": round(self.share, 4),
                "position": self.position}

    @classmethod
    def from_json(cls, d: dict) -> TopicInDoc:
        return cls(d["doc_id"], tuple(d["paragraphs"]), float(d["share"]), d["position"])


@dataclass(frozen=True)
class Topic:
    """One topic: its words, representative sentence and coverage per document.

    ``coverage`` is a fixed label: ``"all documents"``, ``"only <label>"`` or
    ``"<label>, <label>"`` (the documents that have at least one paragraph in it).
    """

    topic_id: int
    words: tuple[str, ...]
    sentence: TextSpan
    documents: tuple[TopicInDoc, ...]
    coverage: str = ""
    #: key phrases of the documents' own text (``qa.analysis.phrases``), each at one occurrence
    phrases: tuple[TextSpan, ...] = ()

    @property
    def label(self) -> str:
        """What the topic is called: its key phrases, else its first three distinctive words."""
        return " · ".join(p.text for p in self.phrases) if self.phrases else ", ".join(self.words[:3])

    @property
    def covered_by(self) -> list[str]:
        return [d.doc_id for d in self.documents if d.paragraphs]

    @property
    def shared(self) -> bool:
        return len(self.covered_by) >= 2

    @property
    def size(self) -> int:
        return sum(len(d.paragraphs) for d in self.documents)

    def in_doc(self, doc_id: str) -> TopicInDoc:
        return next(d for d in self.documents if d.doc_id == doc_id)

    def to_json(self) -> dict:
        return {"topic_id": self.topic_id, "label": self.label, "phrases": [p.to_json() for p in self.phrases],
                "words": list(self.words), "sentence": self.sentence.to_json(),
                "coverage": self.coverage, "shared": self.shared, "covered_by": self.covered_by,
                "paragraphs": self.size, "documents": [d.to_json() for d in self.documents]}

    @classmethod
    def from_json(cls, d: dict) -> Topic:
        return cls(int(d["topic_id"]), tuple(d["words"]), TextSpan.from_json(d["sentence"]),
                   tuple(TopicInDoc.from_json(x) for x in d["documents"]), d.get("coverage", ""),
                   tuple(TextSpan.from_json(p) for p in d.get("phrases", [])))


@dataclass(frozen=True)
class TopicMap:
    """All topics, numbered 1.. in order of first appearance; ``method`` says how they were made."""

    topics: tuple[Topic, ...]
    method: dict = field(default_factory=dict)

    def topic_of(self, doc_id: str, paragraph: int) -> Topic | None:
        for t in self.topics:
            if paragraph in t.in_doc(doc_id).paragraphs:
                return t
        return None

    def to_json(self) -> dict:
        return {"method": self.method, "topics": [t.to_json() for t in self.topics]}

    @classmethod
    def from_json(cls, d: dict) -> TopicMap:
        return cls(tuple(Topic.from_json(t) for t in d["topics"]), d.get("method", {}))


def default_n_topics(n_paragraphs: int) -> int:
    """round(1.25 * sqrt(n)), at least 1 and at most n."""
    if n_paragraphs <= 1:
        return max(n_paragraphs, 1)
    return int(min(n_paragraphs, max(2, round(1.25 * math.sqrt(n_paragraphs)))))


def cluster(vectors: np.ndarray, k: int) -> np.ndarray:
    """Ward clustering of the corpus-centred, re-normalised vectors into ``k`` groups (labels 0..k-1)."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    k = max(1, min(int(k), n))
    if k == 1 or n == 1:
        return np.zeros(n, dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 1e-12, norms, 1.0)
    return AgglomerativeClustering(n_clusters=k, linkage="ward").fit(x).labels_.astype(int)


def _words(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) pairs of a text: stop words, short words and numbers out."""
    out = []
    stop = stopwords()
    for m in _WORD.finditer(text):
        surface = m.group(0).replace("’", "'")
        low = surface.lower()
        if len(low) < 3 or low in stop:
            continue
        toks = tokenize(low)
        if toks:
            out.append((toks[0], low[:-2] if low.endswith("'s") else low))
    return out


@dataclass(frozen=True)
class TermWeights:
    """c-TF-IDF of one topic's stems, with how many of its paragraphs use each and its surface words."""

    weight: dict[str, float]
    spread: dict[str, int]
    surface: dict[str, Counter]


def term_weights(groups: list[list[str]]) -> list[TermWeights]:
    """c-TF-IDF weights of each group's stems (see the module doc)."""
    per_par = [[_words(t) for t in texts] for texts in groups]
    freq: Counter = Counter()
    for pars in per_par:
        for words in pars:
            freq.update(s for s, _ in words)
    mean_size = max(1.0, sum(freq.values()) / max(1, len(per_par)))
    out = []
    for pars in per_par:
        tf: Counter = Counter()
        spread: Counter = Counter()
        surface: dict[str, Counter] = {}
        for words in pars:
            tf.update(s for s, _ in words)
            spread.update({s for s, _ in words})
            for s, w in words:
                surface.setdefault(s, Counter())[w] += 1
        out.append(TermWeights({s: c * math.log(1.0 + mean_size / freq[s]) for s, c in tf.items()}, dict(spread),
                               surface))
    return out


def ctfidf_words(groups: list[list[str]], n_words: int = N_WORDS) -> list[list[str]]:
    """The most distinctive words of each group of texts, by c-TF-IDF (see the module doc)."""
    common = corpus_wide_terms(groups)
    out = []
    for tw in term_weights(groups):
        ranked = sorted(tw.weight, key=lambda s: (s in common, -(tw.spread[s] >= 2), -tw.weight[s], s))
        out.append([tw.surface[s].most_common(1)[0][0] for s in ranked[:n_words]])
    return out


def corpus_wide_terms(groups: list[list[str]]) -> set[str]:
    """Stems found in more than two thirds of the topics (with three topics or more): they describe
    the corpus, not a topic."""
    in_topics: Counter = Counter()
    for texts in groups:
        in_topics.update({s for t in texts for s, _ in _words(t)})
    return {s for s, c in in_topics.items() if len(groups) > 2 and 3 * c > 2 * len(groups)}


def _coverage_label(covered: list[str], labels: dict[str, str]) -> str:
    if len(covered) == len(labels) and len(labels) > 1:
        return "all documents"
    if len(covered) == 1:
        return "only " + labels[covered[0]]
    return ", ".join(labels[d] for d in covered)


def build_topic_map(table: PassageTable, n_topics: int | None = None,
                    labels: dict[str, str] | None = None) -> TopicMap:
    """Group every body paragraph of an indexed corpus into exactly one topic."""
    passages = table.passages
    docs = table.documents
    labels = labels or doc_labels([d.doc_id for d in docs])
    n = len(passages)
    k = default_n_topics(n) if n_topics is None else max(1, min(int(n_topics), max(n, 1)))
    method = {"clustering": "scikit-learn AgglomerativeClustering, Ward linkage, corpus-centred vectors",
              "n_topics": k, "rule": "round(1.25*sqrt(paragraphs))" if n_topics is None else "given",
              "words": "c-TF-IDF", "phrases": "spaCy noun chunks, c-TF-IDF, MMR on stored sentence vectors",
              "lead": f"first {LEAD_SHARE:.0%} of body paragraphs (at least {LEAD_MIN})"}
    if n == 0:
        return TopicMap((), method)
    raw = cluster(table.passage_vecs, k)
    # number topics 1.. in reading order of their first paragraph (documents in corpus order)
    order: list[int] = []
    for lab in raw.tolist():
        if lab not in order:
            order.append(lab)
    renum = {lab: i for i, lab in enumerate(order)}
    labels_arr = np.array([renum[x] for x in raw.tolist()], dtype=int)
    k = len(order)
    members = [np.flatnonzero(labels_arr == t) for t in range(k)]
    groups = [[passages[i].text for i in rows] for rows in members]
    words = ctfidf_words(groups)
    phrases = topic_phrases(table, members, term_weights(groups), corpus_wide_terms(groups))
    body_chars = {d.doc_id: sum(p.end - p.start for p in d.passages) or 1 for d in docs}
    n_body = {d.doc_id: len(d.passages) for d in docs}
    topics = []
    for t, rows in enumerate(members):
        per_doc = []
        for d in docs:
            pars = tuple(sorted(passages[i].paragraph for i in rows if passages[i].doc_id == d.doc_id))
            share = sum(passages[i].end - passages[i].start for i in rows if passages[i].doc_id == d.doc_id)
            lead_n = max(LEAD_MIN, math.ceil(LEAD_SHARE * n_body[d.doc_id]))
            position = "absent" if not pars else ("lead" if pars[0] <= lead_n else "later")
            per_doc.append(TopicInDoc(d.doc_id, pars, share / body_chars[d.doc_id], position))
        covered = [x.doc_id for x in per_doc if x.paragraphs]
        topics.append(Topic(t + 1, tuple(words[t]), _representative(table, rows), tuple(per_doc),
                            _coverage_label(covered, labels), phrases[t]))
    return TopicMap(tuple(topics), method)


def _representative(table: PassageTable, rows: np.ndarray) -> TextSpan:
    """The topic's sentence closest to its mean passage vector (at least MIN_SENTENCE_WORDS words)."""
    centroid = table.passage_vecs[rows].mean(axis=0)
    best, best_score, fallback = None, -np.inf, None
    for r in rows.tolist():
        p = table.passages[r]
        doc = table.by_id[p.doc_id]
        spans = list(p.sentences) or [(p.start, p.end)]
        svecs = table.sentence_vecs_of(r) if p.sentences else table.passage_vecs[r:r + 1]
        for (s, e), vec in zip(spans, svecs):
            text = doc.text[s:e]
            score = float(vec @ centroid)
            cand = (TextSpan(p.doc_id, p.paragraph, s, e, text), score)
            if fallback is None or score > fallback[1]:
                fallback = cand
            if len(text.split()) >= MIN_SENTENCE_WORDS and score > best_score:
                best, best_score = cand[0], score
    return best if best is not None else fallback[0]
