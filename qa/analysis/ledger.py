"""Quoted-sources ledger: who each document quotes or cites, with the verbatim passages.

Extractive: regular expressions over the original text for attributions, and a small
named-entity model for names written without a cue (nothing downloaded). Every name, cue, sentence and quotation in the ledger is a span of the
document: ``document.text[start:end] == text``.

What counts as an attribution, in a paragraph, outside quotation marks:

- ``according to X`` (``a report in X`` and ``information obtained by X`` give ``X``);
- ``“...,” said X`` / ``, explained X`` (cue verb after a quotation or a comma, then X);
- ``X said`` / ``X has warned`` / ``X described`` (X the noun phrase of the clause before
  the cue verb: a name, a role such as "one source close to the government", or a pronoun);
- ``told X`` / ``tells X`` where X is a news outlet (X is then cited as an outlet);
- a paragraph that opens with a quotation and has no cue of its own continues the quotation
  of the previous paragraph's last source (``via = "continued quotation"``).

A noun phrase is accepted as a source when it is a proper name, or a phrase of at most
sixteen words whose words include a source noun (source, official, executive, manager,
editor, commander, people, intelligence, ...). ``he``/``she`` and definite phrases such as
"the source" or "the official" are resolved to the latest source of the same document at
most three paragraphs back (``via = "anaphora"``).

Beyond attributions, every person and organisation the document names anywhere in its body
(without any cue: "figures like Alexei Kudrin", "defence minister Shoigu") is found by a named-
entity recogniser (``names.py``: spaCy ``en_core_web_sm``, sha256-checked) and recorded as a
mention with ``via = "named"`` and ``cue = "named"``, under the same source when the document also
quotes it. A source's ``quoted`` is True when at least one mention attributes something to it.

Kinds (fixed labels): ``person`` (a named person), ``outlet`` (a news outlet), ``unnamed``
(an anonymous person or group, e.g. "a source close to the government"), ``institution``
(e.g. "U.S. intelligence"), ``organisation`` (a named organisation that is not an outlet, e.g.
"the State Duma"). Sources are grouped per document: people by surname ("Dmitry Kozak" and
"Kozak" are one entry), outlets by name (``the Post`` joins ``the Washington Post``),
organisations by name without a leading article, unnamed sources by their description
without its leading article or number ("one source close to the government" and "a source
close to the government" are one entry). Sources the document attributes something to come
first, in order of first attribution, then the ones it only names, in order of first mention.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..types import TextSpan

_CUE_WORDS = (
    "said says told tells argues argued explains explained described describes recalled recalls "
    "predicted predicts added adds admits admitted assured assures warned warns claims claimed noted "
    "notes wrote writes reported reports characterised characterized characterises characterizes "
    "complained complains replied replies insisted insists reiterated reiterates stressed stresses "
    "confirmed confirms denied denies acknowledged"
).split()
_CUE = re.compile(r"\b(" + "|".join(_CUE_WORDS) + r")\b")
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+")
_TOLD = re.compile(r"\b(?:told|tells)\s+((?:the\s+)?[A-Z][\w.&’'-]*(?:\s+[A-Z][\w.&’'-]*)*)")
_OUTLET_WORDS = (
    r"Post|Times|News|Journal|Telegraph|Guardian|Reuters|AP|AFP|Bloomberg|BBC|CNN|Substack|Gazette|Tribune|"
    r"Herald|Independent|Economist|Kommersant|Interfax|TASS|RIA|Meduza|Vedomosti|Politico|Axios|Jazeera|"
    r"Associated Press|Agence France-Presse|Le Monde|Spiegel|Izvestia|Novosti|Pravda|Channel|Radio|TV")
_OUTLET = re.compile(r"\b(" + _OUTLET_WORDS + r")\b")
_OUTLET_NAME = re.compile(r"(?:the\s+)?(?:[A-Z][\w.&’'-]*\s+)*(?:" + _OUTLET_WORDS + r")(?:\s+[A-Z][\w.&’'-]*)*")
_ROLE_NOUNS = set(
    "source sources official officials executive executives manager managers head heads editor editors commander "
    "commanders interviewee interviewees contact contacts deputy deputies analyst analysts expert experts person "
    "people member members spokesman spokeswoman spokesperson minister ministers president journalist journalists "
    "author director chief adviser advisers advisor advisors aide aides diplomat diplomats insider insiders "
    "intelligence officer officers soldier soldiers resident residents economist economists researcher researchers "
    "lawmaker lawmakers politician politicians governor mayor general generals employee employees worker workers "
    "witness witnesses participant participants banker bankers businessman businessmen investigator "
    "investigators agency ministry government kremlin observer observers critic critics".split())
_PREPOSITIONS = {"of", "at", "in", "from", "close", "with", "for", "who", "on", "to", "by", "near"}
_INSTITUTION_HEADS = {"intelligence", "agency", "ministry", "government", "kremlin"}
_LEADING = re.compile(
    r"^(?:(?:and|but|yet|so|or|then|also|still|now|meanwhile|however)\b[,\s]*)+", re.I)
_ARTICLE = re.compile(r"^(?:almost all of our|all of our|a second|another|one(?! of)|an|a|the|our|"
                      r"some|several|many|most|two|three)\s+", re.I)
_AUX = re.compile(r"\s+(?:has|have|had|was|were|is|are|also|then|later|once|recently|previously)\s*$")
_REJECT = re.compile(r"\b(?:that|which|as well as|if|when|because|while|whether|what|how|why)\b", re.I)
_PRONOUN = {"he", "she"}
#: Where a noun phrase after a cue ends: punctuation (a full stop only before a capital, a quote
#: or the end, so "U.S. intelligence" stays whole), a clause word, or a dash.
_NP_STOP = re.compile(r"[,;:!?“”\"()…]|\.(?=\s+[A-Z“”\"]|\s*$)|\s(?:who|which|explaining|adding|noting|as)\s|\s—|\s–")
_INVERTED_START = re.compile(r"(?:[A-Z]|(?:a|an|the|one|another|our|some|several|many|most|his|her|their)\s)")
_NAME_WORD = r"(?:[A-Z][\w.’'-]*)"
_NAME = re.compile(rf"^{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|de|van|von|bin|al))*$")
_NOT_NAME_START = {"A", "An", "The", "One", "Another", "Our", "Some", "Several", "All", "Most", "Many",
                   "Almost", "It", "This", "That", "These", "Those", "We", "They", "He", "She", "I", "You",
                   "And", "But", "Yet", "So", "When", "If", "As"}
#: Paragraphs back that "he said" or "the source said" may refer to.
ANAPHORA_PARAGRAPHS = 3
MAX_NP_WORDS = 16


@dataclass(frozen=True)
class Mention:
    """One attribution (the source as written, the cue, its sentence and the quotations it owns),
    or, with ``via = "named"``, one place where the document only names the source (no quotes)."""

    doc_id: str
    paragraph: int
    name: TextSpan  # the source as the text names it ("he", "one source close to the Kremlin", ...)
    cue: str  # the cue as written: "said", "according to", "told"; or "continued quotation", "named"
    sentence: TextSpan
    quotes: tuple[TextSpan, ...] = ()
    via: str = "direct"  # "direct", "anaphora", "continued quotation" or "named" (named, nothing attributed)

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "paragraph": self.paragraph, "name": self.name.to_json(), "cue": self.cue,
                "via": self.via, "sentence": self.sentence.to_json(), "quotes": [q.to_json() for q in self.quotes]}

    @classmethod
    def from_json(cls, d: dict) -> Mention:
        return cls(d["doc_id"], int(d["paragraph"]), TextSpan.from_json(d["name"]), d["cue"],
                   TextSpan.from_json(d["sentence"]), tuple(TextSpan.from_json(q) for q in d["quotes"]), d["via"])


@dataclass(frozen=True)
class Source:
    """A quoted or cited source of one document, with every mention of it."""

    doc_id: str
    key: str
    name: str  # the fullest way the document names it (verbatim)
    kind: str  # "person", "outlet", "unnamed" or "institution"
    mentions: tuple[Mention, ...]

    @property
    def paragraphs(self) -> list[int]:
        return sorted({m.paragraph for m in self.mentions})

    @property
    def n_quotes(self) -> int:
        return sum(len(m.quotes) for m in self.mentions)

    @property
    def quoted(self) -> bool:
        """True when the document attributes something to the source (a quotation, "said",
        "according to", ...); False when it only names it."""
        return any(m.via != "named" for m in self.mentions)

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "key": self.key, "name": self.name, "kind": self.kind,
                "quoted": self.quoted, "paragraphs": self.paragraphs,
                "mentions": [m.to_json() for m in self.mentions]}

    @classmethod
    def from_json(cls, d: dict) -> Source:
        return cls(d["doc_id"], d["key"], d["name"], d["kind"], tuple(Mention.from_json(m) for m in d["mentions"]))


@dataclass(frozen=True)
class Ledger:
    sources: tuple[Source, ...] = field(default_factory=tuple)

    def of(self, doc_id: str) -> list[Source]:
        return [s for s in self.sources if s.doc_id == doc_id]

    def to_json(self) -> dict:
        return {"sources": [s.to_json() for s in self.sources]}

    @classmethod
    def from_json(cls, d: dict) -> Ledger:
        return cls(tuple(Source.from_json(s) for s in d["sources"]))


# -- quotations ------------------------------------------------------------------------------------
def quote_regions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """[open, close] index pairs of “…” quotations in text[start:end] (close = index of ”).

    An empty pair “” directly followed by text (a typo seen in the corpus) is skipped, and an
    unclosed quotation runs to ``end``. Straight double quotes pair up the same way.
    """
    end = len(text) if end is None else end
    out, opened = [], None
    straight_open = None
    for i in range(start, end):
        ch = text[i]
        if ch == "“":
            if opened is None:
                opened = i
        elif ch == "”":
            if opened is not None and i == opened + 1:
                continue  # “” typo: keep the quotation open
            if opened is not None:
                out.append((opened, i))
                opened = None
        elif ch == '"':
            if straight_open is None:
                straight_open = i
            else:
                out.append((straight_open, i))
                straight_open = None
    if opened is not None:
        out.append((opened, end))
    return sorted(out)


def _inside(pos: int, regions: list[tuple[int, int]]) -> bool:
    return any(a < pos < b for a, b in regions)


def _is_title(text: str) -> bool:
    """A short quotation in which every word is capitalised: a title, not speech."""
    words = text.split()
    return 0 < len(words) <= 6 and all(w[0].isupper() or not w[0].isalpha() for w in words) \
        and not text.rstrip().endswith((",", ".", "!", "?", "…"))


def _spoken_quote_end(text: str, regions: list[tuple[int, int]], before: int) -> int | None:
    """End (index after ”) of the last quotation ending before ``before`` that reads as speech."""
    best = None
    for a, b in regions:
        if b < before and b < len(text) and not _is_title(text[a + 1:b]):
            best = b + 1
    return best


# -- noun phrases ----------------------------------------------------------------------------------
def _words_of(np_text: str) -> list[str]:
    return [w.strip(",.;:“”‘’\"'()[]").lower() for w in np_text.split()]


def _head(np_text: str) -> str | None:
    """The source noun of a phrase: the last one before its first preposition, else the first one.

    "European intelligence officials" -> officials; "the head of a state-owned bank" -> head;
    "One of our sources" -> sources.
    """
    words = _words_of(np_text)
    cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS), len(words))
    before = [w for w in words[:cut] if w in _ROLE_NOUNS]
    if before:
        return before[-1]
    return next((w for w in words if w in _ROLE_NOUNS), None)


def _is_name(np_text: str) -> bool:
    if not _NAME.match(np_text):
        return False
    first = np_text.split()[0]
    return first not in _NOT_NAME_START and _head(np_text) is None or (
        first not in _NOT_NAME_START and _OUTLET.search(np_text) is not None)


#: How a firm's name ends ("Acme Corp", "Northwind Traders"): a named organisation, not a person.
_FIRM = re.compile(r"\b(?:Corp|Corporation|Inc|Incorporated|Ltd|Limited|LLC|LLP|PLC|plc|Co|Company|Group|Holdings|"
                   r"AG|SA|NV|GmbH|Bank|Airlines?|Motors|Industries|Technologies|Systems|Partners|Traders|"
                   r"Enterprises|Associates|Capital|Pharmaceuticals|Energy)\.?$")


def _kind(np_text: str) -> str:
    if _OUTLET.search(np_text) and re.search(r"\b[A-Z]", np_text):
        # "a report in the Washington Post" is the Post; "the Kremlin press service" is not an outlet
        return "outlet"
    if _NAME.match(np_text) and _FIRM.search(np_text):
        return "organisation"
    if _is_name(np_text):
        return "person"
    head = _head(np_text)
    if head in _INSTITUTION_HEADS:
        return "institution"
    return "unnamed"


def _trim_span(text: str, s: int, e: int, extra: str = "", keep_stop: bool = False) -> tuple[int, int]:
    """Shrink [s, e) past spaces and clause punctuation; a final full stop goes unless it ends an
    initial ("V.") or an abbreviation ("U.S.")."""
    strip = " \t\n\u00a0,;:—–-" + extra
    while True:
        while s < e and text[s] in strip:
            s += 1
        while e > s and text[e - 1] in strip:
            e -= 1
        if not keep_stop and e - s > 1 and text[e - 1] == "." and not re.search(r"(?:^|[\s.])[A-Z]\.$", text[s:e]):
            e -= 1
            continue
        return s, e


def _strip_leading(text: str, s: int, e: int) -> int:
    m = _LEADING.match(text[s:e])
    return s + m.end() if m else s


def _valid_np(np_text: str) -> bool:
    words = np_text.split()
    if not words or len(words) > MAX_NP_WORDS:
        return False
    if np_text.lower() in _PRONOUN:
        return True
    if _REJECT.search(np_text) and not re.search(r"\bwho\b", np_text):
        return False
    if _is_name(np_text):
        return True
    return _head(np_text) is not None and len(words) <= MAX_NP_WORDS


def _np_after(text: str, pos: int, end: int) -> tuple[int, int] | None:
    """The noun phrase starting at ``pos`` (after an inverted cue): up to punctuation or a clause."""
    m = _NP_STOP.search(text, pos, end)
    stop = m.start() if m else end
    s, e = _trim_span(text, pos, stop)
    return (s, e) if s < e else None


def _unwrap_according(text: str, s: int, e: int) -> tuple[int, int]:
    """'a report in the Washington Post today' -> 'the Washington Post'; '... obtained by X' -> 'X'."""
    m = re.match(r"(?:an?\s+|the\s+)?(?:new\s+)?(?:report|reports|information|data|article|story|interview|"
                 r"documents?|analysis|assessment|statement)\s+(?:\w+\s+)?(?:in|by|from|of|with)\s+", text[s:e])
    if m:
        s = s + m.end()
    t = re.search(r"\s+(?:today|yesterday|this week|last week|this month|on \w+day)$", text[s:e])
    if t:
        e = s + t.start()
    return s, e


def _cut_relative(text: str, s: int, e: int) -> int:
    """End of the phrase before a relative clause: ", who ..." always; " who ..." after 3+ words."""
    seg = text[s:e]
    m = re.search(r",\s+(?:who|which)\b", seg)
    if m:
        return s + m.start()
    m = re.search(r"\s+who\b", seg)
    if m and len(seg[:m.start()].split()) >= 3:
        return s + m.start()
    return e


# -- extraction ------------------------------------------------------------------------------------
@dataclass
class _Raw:
    paragraph: int
    np: tuple[int, int]
    cue: tuple[int, int] | None
    cue_text: str
    sentence: tuple[int, int]
    name: tuple[int, int] | None = None  # a proper name inside or beside the phrase
    kind: str = ""
    via: str = "direct"
    key: str = ""
    display: str = ""


def _sentence_of(block, pos: int) -> tuple[int, int]:
    for s, e in block.sentences:
        if s <= pos < e:
            return s, e
    return block.start, block.end


def _subject_before(text: str, block, cue_start: int, regions) -> tuple[int, int] | None:
    """The clause subject before a cue verb (see the module doc), or None."""
    sent_s, _ = _sentence_of(block, cue_start)
    left_end = cue_start
    aux = _AUX.search(text[sent_s:left_end])
    if aux:
        left_end = sent_s + aux.start()
    left = text[sent_s:left_end]
    # a non-restrictive relative clause ("The source, who described ... ,” said") belongs to the subject
    rel = re.search(r",\s+(?:who|which)\b", left)
    if rel:
        s = sent_s
        e = sent_s + rel.start()
    else:
        s = sent_s
        q = _spoken_quote_end(text, regions, left_end)
        if q is not None and q > s:
            s = q
        # a paired dash parenthetical ("All of our sources — who ... — said") is dropped
        m = re.search(r"\s[—–]\s.*?\s[—–]\s*$", text[s:left_end])
        e = s + m.start() if m else left_end
        colon = max(text.rfind(":", s, e), text.rfind(";", s, e))
        if colon >= 0:
            s = colon + 1
    s, e = _trim_span(text, s, e)
    s = _strip_leading(text, s, e)
    if s >= e or _inside(s, regions):
        return None
    # comma parts: "Just last week, Putin" -> "Putin"; "the editor of X, Anton Barbashin" stays whole
    parts = []
    pos = s
    for m in re.finditer(r",\s*", text[s:e]):
        parts.append((pos, s + m.start()))
        pos = s + m.end()
    parts.append((pos, e))
    parts = [_trim_span(text, a, b) for a, b in parts]
    parts = [(a, b) for a, b in parts if a < b]
    if not parts:
        return None
    last = parts[-1]
    if len(parts) >= 2 and _is_name(text[last[0]:last[1]]) and _head(text[parts[-2][0]:parts[-2][1]]):
        return parts[-2][0], last[1]  # role, Name
    names = [p for p in parts if _is_name(text[p[0]:p[1]])]
    if len(parts) >= 2 and names and names[0] == parts[0] and all(
            _head(text[a:b]) or _OUTLET.search(text[a:b]) or len(text[a:b].split()) <= 6 for a, b in parts[1:]):
        return parts[0][0], parts[-1][1]  # "Mikhail Khodorkovsky, author of “The Russia Conundrum”"
    if _valid_np(text[last[0]:last[1]]):
        return last
    return None


def _name_in(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The proper name within a phrase: a comma part that is a name, or 'code name X'."""
    m = re.search(r"\b(?:code\s+)?name\s+(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")*)", text[s:e])
    if m:
        return _trim_span(text, s + m.start(1), s + m.end(1))
    pos = s
    for part in re.split(r"(,\s*)", text[s:e]):
        a, b = _trim_span(text, pos, pos + len(part))
        if a < b and _is_name(text[a:b]):
            return a, b
        pos += len(part)
    return None


def _appositive(text: str, e: int, end: int, s: int | None = None) -> int:
    """Extend a name over a following role appositive: 'Tatyana Stanovaya, the head of X'; or, given
    the phrase's start ``s``, a role over the name that follows it: 'the director, Karin Holmgren'."""
    m = re.match(r",\s+(?:the|a|an)\s+(?:[^,.;:“”\"]|\.(?=\S))+", text[e:end])
    if m and _head(m.group(0)):
        return e + m.end()
    if s is not None and _head(text[s:e]):
        m = re.match(r",\s+(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")*)", text[e:end])
        if m and _is_name(m.group(1).rstrip(".")):
            return _trim_span(text, e, e + m.end())[1]
    m = re.match(r",\s+who\s+uses\s+the\s+(?:code\s+)?name\s+" + _NAME_WORD, text[e:end])
    if m:
        return _trim_span(text, e, e + m.end())[1]
    return e


def _extract_paragraph(text: str, block) -> list[_Raw]:
    s0, e0 = block.start, block.end
    regions = quote_regions(text, s0, e0)
    found: list[_Raw] = []
    used: set[int] = set()

    for m in _ACCORDING.finditer(text, s0, e0):
        if _inside(m.start(), regions):
            continue
        np = _np_after(text, m.end(), e0)
        if np is None:
            continue
        a, b = _unwrap_according(text, *np)
        b = _cut_relative(text, a, b)
        a, b = _trim_span(text, a, b)
        if a < b and _valid_np(text[a:b]) or (a < b and _OUTLET.search(text[a:b])):
            found.append(_Raw(block.paragraph, (a, b), (m.start(), m.end() - 1), text[m.start():m.end()].strip(),
                              _sentence_of(block, m.start())))
            used.add(m.start())

    for m in _CUE.finditer(text, s0, e0):
        cs, ce = m.start(), m.end()
        if _inside(cs, regions) or cs in used:
            continue
        before = text[max(s0, cs - 12):cs]
        if re.search(r"\b(?:who|which|that|to)\s+$", before, re.I):
            continue  # "who described", "tried to explain"
        after = text[ce:e0]
        if re.match(r"\s+to\b", after) and m.group(1) not in ("told", "tells"):
            continue  # "is said to be"
        np = None
        if re.search(r"[,”\"]\s*$", text[max(s0, cs - 3):cs]):  # inverted: ,” said X (curly or straight quotes)
            cand = _np_after(text, ce, e0)
            if cand and _INVERTED_START.match(text, cand[0]) and _valid_np(text[cand[0]:cand[1]]) \
                    and text[cand[0]:cand[1]].lower() not in _PRONOUN:
                np = (cand[0], _appositive(text, cand[1], e0, cand[0]))
        if np is None:
            np = _subject_before(text, block, cs, regions)
        if np is None:
            continue
        found.append(_Raw(block.paragraph, np, (cs, ce), m.group(1), _sentence_of(block, cs)))

    for m in _TOLD.finditer(text, s0, e0):
        if _inside(m.start(), regions):
            continue
        a, b = _trim_span(text, m.start(1), m.end(1))
        if _OUTLET.search(text[a:b]):
            found.append(_Raw(block.paragraph, (a, b), (m.start(), m.start() + len(m.group(0).split()[0])),
                              m.group(0).split()[0], _sentence_of(block, m.start()), kind="outlet"))
    found.sort(key=lambda r: r.cue[0] if r.cue else r.np[0])
    return found


def _norm_key(text: str) -> str:
    t = " ".join(text.replace("’", "'").split()).strip(" ,.")
    t = _ARTICLE.sub("", t)
    return t.lower()


def _resolve(doc, raws: list[_Raw]) -> list[_Raw]:
    """Kinds, names, grouping keys and anaphora, in reading order."""
    text = doc.text
    out: list[_Raw] = []
    for r in raws:
        np_text = text[r.np[0]:r.np[1]]
        low = np_text.lower()
        definite = re.match(r"^the\s+(\w+)$", low)
        if low in _PRONOUN or (definite and definite.group(1) in _ROLE_NOUNS and r.kind != "outlet"):
            head = definite.group(1) if definite else None
            target = None
            for prev in reversed(out):
                if r.paragraph - prev.paragraph > ANAPHORA_PARAGRAPHS:
                    break
                if prev.kind == "outlet" or prev.kind == "institution":
                    continue
                if head is None or head in ("source", "sources") or _head(text[prev.np[0]:prev.np[1]]) == head \
                        or prev.kind == "person" and head in ("commander", "official", "editor", "author"):
                    target = prev
                    break
            if target is not None:
                r.kind, r.key, r.display, r.via = target.kind, target.key, target.display, "anaphora"
                out.append(r)
                continue
            if low in _PRONOUN:
                continue  # an unresolved "he said" names nobody
        kind = r.kind or _kind(np_text)
        if kind == "outlet":
            name = _OUTLET_NAME.search(np_text)
            shown = name.group(0) if name else np_text
            r.kind, r.display, r.key = "outlet", shown, re.sub(r"^the\s+", "", shown.lower())
        elif kind == "person" or kind != "organisation" and _name_in(text, *r.np):
            nm = _name_in(text, *r.np)
            name_text = text[nm[0]:nm[1]] if nm else np_text
            r.name = nm
            r.kind, r.display, r.key = "person", np_text, "person:" + name_text.split()[-1].lower().strip(".,")
        else:
            r.kind, r.display, r.key = kind, np_text, _norm_key(np_text)
        out.append(r)
    _join_outlets(out)
    return out


def _named_raws(doc, rules: bool = True) -> list[_Raw]:
    """A mention for every person or organisation the names model finds in a body paragraph."""
    from .names import find_names  # loads spaCy on first use, not on `import qa`

    text = doc.text
    blocks = list(doc.passages)
    out: list[_Raw] = []
    for block, names in zip(blocks, find_names(text, [(b.start, b.end) for b in blocks], rules)):
        for n in names:
            r = _Raw(block.paragraph, (n.start, n.end), None, "named", _sentence_of(block, n.start),
                     name=(n.start, n.end), via="named", display=n.text)
            if n.kind == "person":
                r.kind, r.key = "person", "person:" + n.text.split()[-1].lower().strip(".,")
            elif _OUTLET.search(n.text):
                m = _OUTLET_NAME.search(n.text)
                shown = m.group(0) if m else n.text
                r.kind, r.display, r.key = "outlet", shown, re.sub(r"^the\s+", "", shown.lower())
            else:
                r.kind, r.key = "organisation", _norm_key(n.text)
            out.append(r)
    return out


def _join_outlets(raws: list[_Raw]) -> None:
    """Outlets: "the Post" joins "the Washington Post"."""
    outlets = sorted({r.key for r in raws if r.kind == "outlet"}, key=len, reverse=True)
    for r in raws:
        if r.kind == "outlet":
            for longer in outlets:
                if longer != r.key and longer.endswith(" " + r.key):
                    r.key = longer
                    break


def _display(rs: list[_Raw]) -> str:
    """The fullest way the document names a source: the longest attribution phrase; a bare name
    ("Putin") gives way to the longest name the document writes it with ("Vladimir V. Putin")."""
    direct = [r for r in rs if r.via == "direct"] or [r for r in rs if r.via != "named"]
    named = [r.display for r in rs if r.via == "named"]
    if not direct:
        return max(named, key=len)
    display = max((r.display for r in direct), key=len)
    if direct[0].kind == "person" and _NAME.match(display):
        longer = [n for n in named if len(n) > len(display) and n.split()[-1] == display.split()[-1]]
        if longer:
            return max(longer, key=len)
    return display


def build_ledger(documents, names: bool = True, name_rules: bool = True) -> Ledger:
    """The ledger of every document (body paragraphs only): first the sources the document
    attributes something to, in order of first attribution, then those it only names, in order of
    first mention. ``names=False`` skips the names model (attributions only, as before it);
    ``name_rules=False`` takes the model's labels without ``names.py``'s corrections (for measuring)."""
    sources: list[Source] = []
    for doc in documents:
        text = doc.text
        raws: list[_Raw] = []
        for block in doc.passages:
            para = _extract_paragraph(text, block)
            speakers = [r for r in raws if r.kind != "outlet"]
            if not para and re.match(r"\s*[“\"]", block.text) and speakers:
                prev = speakers[-1]
                if block.paragraph - prev.paragraph == 1:
                    para = [_Raw(block.paragraph, prev.np, None, "continued quotation", (block.start, block.end),
                                 via="continued quotation")]
            raws.extend(para)
        resolved = _resolve(doc, raws)
        for r in resolved:  # continued quotations take their source's key
            if r.via == "continued quotation":
                src = next((x for x in resolved if x.np == r.np and x.via != "continued quotation"), None)
                if src is not None:
                    r.kind, r.key, r.display = src.kind, src.key, src.display
        if names and doc.passages:
            attributed = [r for r in resolved if r.via != "continued quotation"]
            named = _named_raws(doc, name_rules)
            _join_outlets(resolved + named)
            # a name inside an attribution of the same source is that attribution, not a second mention
            resolved += [n for n in named if not any(
                t.key == n.key and t.np[0] < n.np[1] and n.np[0] < t.np[1] for t in attributed)]
        blocks = {b.paragraph: b for b in doc.passages}
        groups: dict[str, list[_Raw]] = {}
        for r in resolved:
            groups.setdefault(r.key, []).append(r)
        order = sorted(groups, key=lambda k: all(r.via == "named" for r in groups[k]))  # stable: attributed first
        for key in order:
            rs = sorted(groups[key], key=lambda r: (r.paragraph, blocks[r.paragraph].start
                                                    if r.via == "continued quotation" else r.np[0]))
            mentions = []
            quotes_of = _assign_quotes(text, blocks, rs, resolved)
            for r in rs:
                b = blocks[r.paragraph]
                ns, ne = r.np if r.via != "continued quotation" else (b.start, b.start)
                name = TextSpan(doc.doc_id, r.paragraph, ns, ne, text[ns:ne])
                mentions.append(Mention(doc.doc_id, r.paragraph, name, r.cue_text,
                                        TextSpan(doc.doc_id, r.paragraph, r.sentence[0], r.sentence[1],
                                             text[r.sentence[0]:r.sentence[1]]),
                                        tuple(quotes_of.get(id(r), ())), r.via))
            direct = [r for r in rs if r.via == "direct"] or [r for r in rs if r.via != "named"] or rs
            sources.append(Source(doc.doc_id, key, _display(rs), direct[0].kind, tuple(mentions)))
    return Ledger(tuple(sources))


def _assign_quotes(text: str, blocks, rs: list[_Raw], all_raws: list[_Raw]) -> dict[int, list[TextSpan]]:
    """Each quotation of a paragraph goes to the attribution nearest to it in that paragraph."""
    out: dict[int, list[TextSpan]] = {}
    mine = {id(r) for r in rs}
    for par in sorted({r.paragraph for r in rs}):
        b = blocks[par]
        in_par = [r for r in all_raws if r.paragraph == par and r.via != "named"
                  and (r.kind != "outlet" or id(r) in mine)]
        if not in_par:
            continue
        for a, z in quote_regions(text, b.start, b.end):
            inner_s, inner_e = a + 1, min(z, b.end)
            inner_s, inner_e = _trim_span(text, inner_s, inner_e, extra="“”\"", keep_stop=True)
            if inner_s >= inner_e or _is_title(text[inner_s:inner_e]):
                continue

            def dist(r: _Raw, a=a, z=z, b=b) -> int:  # bound now: min() below calls it in this iteration
                anchor = r.cue if r.cue else (b.start, b.start)
                return 0 if anchor[0] >= z and anchor[0] - z <= 3 else min(abs(anchor[0] - z), abs(anchor[1] - a))

            owner = min(in_par, key=dist)
            if id(owner) in mine:
                out.setdefault(id(owner), []).append(TextSpan(b.doc_id, par, inner_s, inner_e, text[inner_s:inner_e]))
    return out
