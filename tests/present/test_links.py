"""The citation link format: a hit or span round-trips; anything else from the browser is refused."""
from __future__ import annotations

import pytest

from qa import Hit
from qa.present.links import OPEN_PREFIX, open_href, parse_open_target


def make_hit(rank=1, doc_id="a", text="First sentence. Second <b>one</b>.", start=100, highlight=((116, 134),),
             title="Title <i>A</i>", source="Src & co", paragraph=3, score=1.0) -> Hit:
    return Hit(rank, doc_id, title, source, paragraph, start, start + len(text), text, highlight, score)


def test_open_links_round_trip_and_refuse_junk():
    hit = make_hit(highlight=((116, 120), (125, 130)))
    href = open_href(hit)
    assert href.startswith(OPEN_PREFIX)
    assert parse_open_target(href[len(OPEN_PREFIX):]) == ("a", (100, hit.end), [(116, 120), (125, 130)])
    assert parse_open_target("003_c2e52d3d74986284") == ("003_c2e52d3d74986284", None, [])
    for junk in ["", "../etc/passwd", "a/1-2/3-4/5", "a/x-y", "<script>/1-2"]:
        with pytest.raises(ValueError):
            parse_open_target(junk)
