"""The citation link format: a hit or span round-trips; anything else from the browser is refused."""
from __future__ import annotations

import pytest

from qa.present.links import OPEN_PREFIX, open_href, parse_open_target
from tests.conftest import make_hit


def test_open_links_round_trip_and_refuse_junk():
    hit = make_hit(highlight=((116, 120), (125, 130)))
    href = open_href(hit)
    assert href.startswith(OPEN_PREFIX)
    assert parse_open_target(href[len(OPEN_PREFIX):]) == ("a", (100, hit.end), [(116, 120), (125, 130)])
    assert parse_open_target("003_c2e52d3d74986284") == ("003_c2e52d3d74986284", None, [])
    for junk in ["", "../etc/passwd", "a/1-2/3-4/5", "a/x-y", "<script>/1-2"]:
        with pytest.raises(ValueError):
            parse_open_target(junk)
