"""The chat as people use it (issue 22), in a real browser at a desktop and a phone size: the
first screen, the source beside the answer, a conversation that survives a reload, keyboard and
screen-reader use, and axe-core's accessibility checks on every tab. Screenshots of each step go to
tests/screenshots/ (git-ignored)."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from .conftest import ARTICLE_IDS, open_page
from .test_app_browser import ask, shot, upload

SIZES = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
#: axe-core impacts that fail a test (WCAG 2.2 AA rules and best practices alike)
BLOCKING = ("serious", "critical")


def opened(browser, app_server, size: str):
    """A fresh page (its own storage) at one of SIZES, loaded and showing its documents."""
    return open_page(browser, app_server, SIZES[size])


def in_view(page, selector: str) -> bool:
    box, view = page.locator(selector).first.bounding_box(), page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= view["height"] and box["x"] >= 0 \
        and box["x"] + box["width"] <= view["width"]


def blocking_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found
            if v["impact"] in BLOCKING]


@pytest.mark.parametrize("size", SIZES)
def test_first_screen_shows_the_question_box_the_documents_and_starting_points(browser, app_server, size):
    """Without scrolling: the question box, the document choice and one line naming what is
    indexed; the empty conversation offers starting points built from the documents' own phrases."""
    with opened(browser, app_server, size) as page:
        starters = page.locator("#qa-chat .examples button")
        starters.first.wait_for()
        shot(page, f"20-first-screen-{size}")
        assert in_view(page, "#qa-question textarea") and in_view(page, "#qa-ask")
        assert in_view(page, "#qa-docs-selected")
        labels = page.locator("#qa-docs-selected label").all_inner_texts()
        assert [t[:4] for t in labels[:2]] == ["A · ", "B · "], labels  # other tests may have added more
        line = page.inner_text("#qa-corpus-line")
        assert line.startswith(f"{len(labels)} documents: A “") and ", B “" in line, line
        texts = [t.strip() for t in starters.all_inner_texts()]
        assert 2 <= len(texts) <= 4, texts
        corpus = " ".join(" ".join(f.read_text(encoding="utf-8").split()) for f in app_server.corpus.iterdir()
                          if f.suffix in (".txt", ".md"))  # other tests may have added documents
        for text in texts:  # a topic named in the documents' words, never a claim of ours
            phrase = re.fullmatch(r"What do the documents say about (.+)\?", text).group(1)
            assert phrase in corpus, phrase
        starters.first.click()  # asked as if typed
        page.locator("#qa-chat .qa-answer").first.wait_for()
        assert page.locator("#qa-chat .message-row.user-row").first.inner_text().strip() == texts[0]
        assert page.locator("#qa-chat .examples button").count() == 0
        assert not page.js_errors


@pytest.mark.parametrize("size", SIZES)
def test_a_citation_opens_its_source_beside_the_answer_and_closes_back_to_it(browser, app_server, size):
    """One link per citation, named for a screen reader; Enter on it opens the passage in the
    source panel (beside the chat; on a phone over it) with focus inside; Esc closes the panel and
    puts focus back on the citation, the chat where it was. The verdict is announced."""
    with opened(browser, app_server, size) as page:
        reply = ask(page, "Did a member of Putin's inner circle voice disagreement with him directly?")
        live = page.inner_text("#qa-live").strip()
        first_line = reply.locator(".qa-answer-span, .qa-verdict, .qa-reason").first.inner_text().strip()
        assert live and live == first_line
        assert page.locator("#qa-live").get_attribute("role") == "status"
        hit = reply.locator(".qa-hit").first
        assert hit.locator("a").count() == 1  # one link, not [1] and the title twice
        cite = hit.locator("a.qa-cite")
        name = cite.get_attribute("aria-label")
        paragraph = re.search(r"paragraph (\d+)", hit.locator(".qa-meta").inner_text()).group(1)
        assert re.fullmatch(rf"source 1: .+, paragraph {paragraph}", name), name
        scrolled = page.evaluate("document.querySelector('#qa-chat .bubble-wrap').scrollTop")
        cite.focus()
        page.keyboard.press("Enter")
        focus = page.locator("#qa-src-reader-body .qa-focus")
        focus.wait_for()
        page.wait_for_timeout(600)
        shot(page, f"21-source-open-{size}")
        assert page.evaluate("document.activeElement.id") == "qa-src-reader-body"
        assert focus.get_attribute("id") == f"qa-src-p-{paragraph}" and focus.locator("mark.qa-hl").count() >= 1
        assert in_view(page, "#qa-src-reader-body .qa-focus .qa-pn")
        if size == "desktop":  # side by side: the answer stays in view
            assert in_view(page, "#qa-chat .qa-answer .qa-hit") and page.get_by_role(
                "tab", name="Ask").get_attribute("aria-selected") == "true"
        else:  # over the chat, with a way back
            assert in_view(page, "#qa-source-close")
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        assert page.evaluate("document.activeElement.className") == "qa-cite"
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == name
        assert not page.locator("#qa-source-col").evaluate("el => el.classList.contains('qa-open')")
        assert page.evaluate("document.querySelector('#qa-chat .bubble-wrap').scrollTop") == pytest.approx(
            scrolled, abs=60)
        if size == "phone":
            assert not page.locator("#qa-src-reader-body").is_visible()
        assert not page.js_errors


@pytest.mark.parametrize("size", SIZES)
def test_the_conversation_survives_a_reload_until_a_new_one_is_started(browser, app_server, size):
    with opened(browser, app_server, size) as page:
        ask(page, "Who in Putin's inner circle confronted him about the war?")
        follow = ask(page, "and what does the other article say?")
        assert "Follow-up: searched" in follow.locator(".qa-note").inner_text()
        before = page.locator("#qa-chat .qa-answer").all_inner_texts()
        page.reload()
        page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 2")
        shot(page, f"22-after-reload-{size}")
        assert page.locator("#qa-chat .qa-answer").all_inner_texts() == before  # asked again: the same replies
        with page.expect_download() as download:
            page.click("#qa-export")
        text = open(download.value.path(), encoding="utf-8").read()
        assert "### Who in Putin's inner circle confronted him about the war?" in text
        assert "*Follow-up: searched “" in text and "\\." not in text and "\\-" not in text  # prose, not escapes
        page.click("#qa-new")
        page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0")
        page.locator("#qa-chat .examples button").first.wait_for()
        page.reload()
        page.locator("#qa-chat .examples button").first.wait_for()
        assert page.locator("#qa-chat .qa-answer").count() == 0
        assert not page.js_errors


@pytest.mark.parametrize("size", SIZES)
def test_the_question_box_is_named_and_counts_to_its_limit(browser, app_server, size):
    with opened(browser, app_server, size) as page:
        box = page.get_by_role("textbox", name="Your question")
        assert box.count() == 1
        box.fill("x" * 1700)
        assert page.inner_text("#qa-count").strip() == ""  # quiet far from the limit
        box.fill("y" * 2100)  # the box takes 2,000 and says so
        assert len(box.input_value()) == 2000
        assert page.inner_text("#qa-count").strip() == ("2,000 / 2,000 characters: the limit. "
                                                        "Shorten the question to add more.")
        assert box.get_attribute("aria-describedby") == "qa-count"
        assert page.get_by_role("checkbox").count() >= 2
        box.focus()
        page.keyboard.press("Tab")  # to the Ask button, by keyboard: its focus ring shows
        ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                             "return [document.activeElement.id, s.outlineStyle, s.outlineWidth]; })()")
        assert ring == ["qa-ask", "solid", "3px"], ring


@pytest.mark.parametrize("size", SIZES)
def test_axe_finds_no_serious_violation_on_any_tab(browser, app_server, size):
    """axe-core (WCAG 2.2 AA and best practices) on each tab, with a reply and its source open."""
    with opened(browser, app_server, size) as page:
        page.locator("#qa-chat .examples button").first.wait_for()
        found = {"Ask (empty)": blocking_violations(page)}
        reply = ask(page, "Who is Kozak?")
        reply.locator("a.qa-cite").first.click()
        page.locator("#qa-src-reader-body .qa-focus").wait_for()
        found["Ask (reply, source open)"] = blocking_violations(page)
        page.keyboard.press("Escape")
        for tab in ("Documents", "Compare"):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(500)
            found[tab] = blocking_violations(page)
        if size == "desktop":
            page.locator("#qa-overview").get_by_text("Corpus overview").first.click()
            page.locator("#qa-ov-pair .qa-ov-row").first.wait_for(timeout=120_000)
            for tab in ("Side by side", "Topics", "Quoted sources"):
                page.locator("#qa-ov-tabs").get_by_role("tab", name=tab).click()
                page.wait_for_timeout(400)
                found[f"Compare: overview, {tab}"] = blocking_violations(page)
        shot(page, f"23-axe-last-{size}")
        assert not any(found.values()), json.dumps(found, indent=1)


@pytest.mark.parametrize("size", SIZES)
def test_documents_tab_says_what_was_added_and_refuses_copies_and_private_links(browser, app_server, tmp_path, size):
    """A toast and a status line in view for an upload; the same content under another name is
    refused, naming the document that has it; a refused address is shown as typed and linked."""
    with opened(browser, app_server, size) as page:
        note = tmp_path / "otter-notes.txt"
        note.write_text("Otter notes\n\nSea otters hold hands while they sleep so that they do not drift apart "
                        "on the current.\n", encoding="utf-8")
        status = upload(page, [note])
        assert "Added otter-notes.txt" in status
        page.locator(".toast-body", has_text="Added otter-notes.txt").first.wait_for()
        assert in_view(page, "#qa-status li")
        shot(page, f"24-upload-toast-{size}")
        copy = tmp_path / "copy" / f"{ARTICLE_IDS[0]}-again.txt"
        copy.parent.mkdir()
        copy.write_bytes((app_server.corpus / f"{ARTICLE_IDS[0]}.txt").read_bytes())
        status = upload(page, [copy])
        assert f"Refused {copy.name}: the same content is already in the corpus as {ARTICLE_IDS[0]} (" in status
        assert not (app_server.corpus / copy.name).exists()
        url = "http://127.0.0.1:8765/page.html"
        page.fill("#qa-url textarea, #qa-url input", url)
        page.click("#qa-url-add")
        link = page.locator("#qa-status a", has_text=url)
        link.wait_for()
        assert link.inner_text() == url and link.get_attribute("href") == url and "\\" not in page.inner_text("#qa-status")
        # leave the corpus as the other tests expect it
        page.locator("#qa-pick input").click()
        page.get_by_role("option", name="Otter notes").click()
        page.locator("#qa-reader-body").wait_for()
        page.click("#qa-remove")
        page.wait_for_function("[...document.querySelectorAll('#qa-status li')].some(li => li.innerText.includes('Removed'))",
                               timeout=120_000)
        page.click("#qa-add")  # nothing chosen: a toast for the reader, one line in the log
        page.locator(".toast-body", has_text="Choose one or more").first.wait_for()
        assert "Traceback" not in app_server.log_tail(20_000)
        assert "refused: " in app_server.log_tail(20_000)  # a reader's mistake is one log line


def test_rest_wrong_method_head_and_the_api_page(page, app_server):
    for method in ("GET", "PUT"):
        request = urllib.request.Request(app_server.url + "api/ask", method=method)
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError(f"{method} /api/ask was accepted")
        except urllib.error.HTTPError as exc:
            assert exc.code == 405 and exc.headers["Allow"] == "POST"
            assert json.loads(exc.read())["error"].startswith(f"{method} is not allowed on /api/ask")
    head = urllib.request.Request(app_server.url + f"api/documents/{ARTICLE_IDS[0]}/original", method="HEAD")
    with urllib.request.urlopen(head, timeout=30) as r:
        assert r.status == 200 and r.read() == b""
    link = page.locator("#qa-rest-link a", has_text="/api/docs")
    assert link.get_attribute("href") == "/api/docs"
    listed = page.request.get(app_server.url + "api/docs").text()
    assert "POST /api/ask" in listed and "POST /api/compare" in listed


def test_the_overview_reads_on_a_phone(browser, app_server):
    """At 390 px: the overview's four views all as tabs (none in a "more" menu), the side-by-side
    table one column under the other, and the heatmap's topic labels whole (it scrolls sideways)."""
    with opened(browser, app_server, "phone") as page:
        page.get_by_role("tab", name="Compare").click()
        page.locator("#qa-overview").get_by_text("Corpus overview").first.click()
        page.locator("#qa-ov-pair .qa-ov-row").first.wait_for(timeout=120_000)
        tabs = page.locator("#qa-ov-tabs [role=tablist]").first.get_by_role("tab")
        assert tabs.all_inner_texts() == ["Side by side", "Topics", "Quoted sources", "Plots"]
        cells = page.locator("#qa-ov-pair .qa-ov-row").first.locator("td")
        first, second = cells.nth(0).bounding_box(), cells.nth(2).bounding_box()
        assert second["y"] >= first["y"] + first["height"] - 1  # stacked, not side by side
        shot(page, "25-overview-phone")
        tabs.filter(has_text="Plots").click()
        heat = page.locator("#qa-ov-heatmap")
        heat.locator(".ytick text").first.wait_for()
        left = heat.bounding_box()["x"]
        assert all(t.bounding_box()["x"] >= left for t in heat.locator(".ytick text").all())
        shot(page, "26-plots-phone")
        assert not page.js_errors


@pytest.mark.parametrize("size", SIZES)
def test_compare_picks_its_own_documents(browser, app_server, size):
    """The Compare tab's own boxes, the first two documents by default; a column per document picked."""
    with opened(browser, app_server, size) as page:
        page.get_by_role("tab", name="Compare").click()
        boxes = page.locator("#qa-compare-docs input[type=checkbox]")
        boxes.first.wait_for()
        assert [boxes.nth(i).is_checked() for i in range(2)] == [True, True]
        assert all(not boxes.nth(i).is_checked() for i in range(2, boxes.count()))
        page.fill("#qa-topic textarea", "partial mobilisation")
        page.click("#qa-compare")
        page.wait_for_function("document.querySelectorAll('#qa-comparison .qa-column').length === 2")
        page.locator("#qa-compare-docs label").first.click()  # A out: B alone
        page.click("#qa-compare")
        page.wait_for_function("document.querySelectorAll('#qa-comparison .qa-column').length === 1")
        assert page.locator("#qa-comparison .qa-column-title").inner_text().startswith("Vladimir Putin")
        shot(page, f"27-compare-picked-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_markdown_source_reads_rendered_with_its_span_marked(browser, app_server, tmp_path, size):
    """A Markdown document opened from a citation shows bold and italics, not their asterisks, and the
    cited sentence still marked."""
    md = tmp_path / f"beekeeping-{size}.md"
    md.write_text(f"# Beekeeping notes {size}\n\nIn winter the **honey bees** cluster around the *queen* and "
                  "shiver their flight muscles to keep her at about 35 degrees.\n", encoding="utf-8")
    with opened(browser, app_server, size) as page:
        assert f"Added {md.name}" in upload(page, [md])
        reply = ask(page, "How do honey bees keep their queen warm in winter?")
        reply.locator(".qa-hit", has_text="shiver their flight muscles").first.locator("a.qa-cite").click()
        body = page.locator("#qa-src-reader-body")
        body.locator(".qa-focus").wait_for()
        shot(page, f"28-markdown-source-{size}")
        assert body.locator("strong", has_text="honey bees").count() == 1 and body.locator("em", has_text="queen").count() == 1
        assert "**" not in body.inner_text() and body.locator("mark.qa-hl").count() >= 1
        marked = " ".join(body.locator("mark.qa-hl").all_inner_texts())
        assert "shiver their flight muscles" in marked
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Documents").click()
        page.locator("#qa-pick input").click()
        page.get_by_role("option", name=f"Beekeeping notes {size}").click()
        page.locator("#qa-reader-body").wait_for()
        page.click("#qa-remove")
        page.wait_for_function("[...document.querySelectorAll('#qa-status li')].some(li => li.innerText.includes('Removed'))",
                               timeout=120_000)
