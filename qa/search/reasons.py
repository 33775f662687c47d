"""The one sentence that says why an answer got its verdict, built only from what the engine
checked (names looked up, terms found, the verdict model's probability): fixed wording with the
question's own words filled in, never text of the engine's own about the documents."""
from __future__ import annotations

import re

from ..text import tokenize


def _join(words: list[str], last: str = "or") -> str:
    quoted = [f"“{w}”" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {last} " + quoted[-1]


def shared_words(question: str, passage_text: str, idf, limit: int = 3) -> list[str]:
    """The question's words (as the reader typed them) whose terms the passage also uses, rarest first."""
    in_passage = set(tokenize(passage_text))
    found: dict[str, str] = {}
    for word in re.findall(r"[\w'’-]+", question):
        terms = tokenize(word)
        if terms and all(t in in_passage for t in terms) and terms[0] not in found:
            found[terms[0]] = word
    ranked = sorted(found, key=lambda t: -idf(t))
    return [found[t] for t in ranked[:limit]]


def reason(verdict: str, *, missing: list[str], shared: list[str], confidence: float, searched: int) -> str:
    if verdict == "not_found":
        if missing:
            return f"No searched document mentions {_join(missing)}."
        return f"No passage of the {searched} searched document{'s' if searched != 1 else ''} bears on the question."
    if verdict == "related":
        about = f"mention {_join(shared, 'and')}" if shared else "are on a related topic"
        return f"The closest passages {about}, but none was judged to answer the question."
    return f"The first passage was judged to answer the question (confidence {confidence:.2f})."
