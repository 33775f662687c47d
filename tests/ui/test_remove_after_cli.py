"""The app's Documents tab after the CLI changed the index (issue 19): its list shows the index as
it is on disk, and its Remove never deletes a file that took a removed document's name. Handlers
called directly (as Gradio calls them, through ``user_errors``) on a fake-embedder engine; a second
Engine over the same folders is the CLI."""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pytest  # noqa: E402

from qa import Engine  # noqa: E402
from qa.serving import LazyEngine  # noqa: E402
from ui.common import user_errors  # noqa: E402
from ui.documents import Handlers  # noqa: E402

NOTES = "Notes\n\nThe old notes about the harbour cranes and the spring count of fishing boats at the quay.\n"
OTHER = "Notes\n\nUnrelated new notes: the recipe for fish soup that my grandmother wrote down in 1950.\n"


def test_the_apps_remove_after_the_cli_removed_the_document(fake_settings, fake_embedder, corpus_copy):
    (corpus_copy / "notes.txt").write_text(NOTES, encoding="utf-8")
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=fake_embedder)
    h = Handlers(holder)
    assert "notes" in [v for _, v in h.on_load(progress=None)[2].choices]
    Engine.open(fake_settings, embedder=fake_embedder).remove("notes")  # the CLI
    (corpus_copy / "notes.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(gr.Error, match="unknown document id 'notes'"):
        user_errors(h.on_remove)("notes", None, progress=None)
    assert (corpus_copy / "notes.txt").read_text(encoding="utf-8") == OTHER
    assert "notes" not in [v for _, v in h.on_load(progress=None)[2].choices], "the list shows the index on disk"


def test_an_old_citation_to_a_removed_document_says_it_was_removed(fake_settings, fake_embedder, corpus_copy):
    """A citation given before its document was removed opens nothing and says why, in words for
    the reader, not "unknown document id ... known ids: ..."."""
    from qa.present import OPEN_PREFIX, span_href

    (corpus_copy / "notes.txt").write_text(NOTES, encoding="utf-8")
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=fake_embedder)
    h = Handlers(holder)
    doc = holder._engine.document("notes")
    target = span_href(doc.doc_id, doc.passages[0].start, doc.passages[0].end).removeprefix(OPEN_PREFIX)
    assert "harbour cranes" in user_errors(h.on_open)(target)[0]
    holder._engine.remove("notes")
    with pytest.raises(gr.Error, match="The cited document is no longer in the corpus: it was removed after "
                                       "this answer. Ask again") as raised:
        user_errors(h.on_open)(target)
    assert "known ids" not in str(raised.value)
