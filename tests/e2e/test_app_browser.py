"""End-to-end in a real browser: Playwright driving Chromium against ``python app.py``.

Each test opens its own page and saves a screenshot of each step in tests/screenshots/ (git-ignored).
Uploads use their own files, so the tests do not depend on each other's order.
"""
from __future__ import annotations

import re
from pathlib import Path

from qa.present import text as render

from .conftest import SCREENSHOTS

ARTICLE_A = "As Russian troops 'panic' a member of Putin's inner circle confronts him about the conduct of the war"
ARTICLE_B = "Vladimir Putin is making rash and secretive decisions in face of defeats, Kremlin insiders warn"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def ask(page, question: str):
    """Type a question, press Enter, wait for its reply; return the reply's locator."""
    n = page.locator("#qa-chat .qa-answer").count()
    page.get_by_role("tab", name="Ask").click()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#qa-chat .qa-answer').length > {n}")
    page.wait_for_timeout(300)  # let the reply scroll into view before a screenshot
    return page.locator("#qa-chat .qa-answer").nth(n)


def upload(page, paths) -> str:
    """Upload files on the Documents tab, press "Add to the corpus", return the status text."""
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#qa-upload input[type=file]", [str(p) for p in paths])
    names = [p.name for p in paths]
    # the upload box lists each file as stem and extension on separate lines
    page.wait_for_function("stems => stems.every(n => document.querySelector('#qa-upload').innerText.includes(n))",
                           arg=[p.stem for p in paths])
    before = "\n".join(page.locator("#qa-status li").all_inner_texts())
    page.click("#qa-add")
    done = "([names, before]) => { const t = [...document.querySelectorAll('#qa-status li')]" \
           ".map(li => li.innerText).join('\\n'); return t !== before && names.every(n => t.includes(n)); }"
    page.wait_for_function(done, arg=[names, before], timeout=120_000)
    page.wait_for_timeout(400)  # let the updated lists settle before a screenshot
    return "\n".join(page.locator("#qa-status li").all_inner_texts())


def verdict_of(reply) -> bool:
    classes = reply.get_attribute("class")
    return "qa-answered" in classes


def test_ask_cites_the_right_article_and_opens_the_reader(page, app_server):
    question = "Did a member of Putin's inner circle voice disagreement with him directly?"
    reply = ask(page, question)
    shot(page, "01-ask-citation")

    if verdict_of(reply):
        assert reply.locator(".qa-verdict").inner_text().strip() == render.ANSWERED
    else:  # judged related: the reason, then the passages under their own heading, never "answer it"
        assert "qa-related" in reply.get_attribute("class")
        assert reply.locator(".qa-reason").inner_text().strip().endswith(".")
        assert reply.locator(".qa-closest").inner_text().strip() == render.RELATED
        assert render.ANSWERED not in reply.inner_text()
    first = reply.locator(".qa-hit").first
    assert first.locator(".qa-num").inner_text().strip() == "[1]"
    assert first.locator(".qa-title").inner_text().strip() == ARTICLE_A
    meta = first.locator(".qa-meta").inner_text()
    paragraph = int(re.search(r"paragraph (\d+)", meta).group(1))
    assert first.locator("mark.qa-hl").count() >= 1
    assert reply.locator(".qa-hit").count() >= 2  # numbered [1], [2], ...
    assert reply.locator(".qa-num").nth(1).inner_text().strip() == "[2]"

    # the citation opens its paragraph in the source panel beside the conversation, which stays
    first.locator("a.qa-cite").click()
    focus = page.locator("#qa-src-reader-body .qa-focus")
    focus.wait_for()
    page.wait_for_timeout(600)  # the panel scrolls the paragraph into view
    shot(page, "02-reader-at-citation")
    assert page.get_by_role("tab", name="Ask").get_attribute("aria-selected") == "true"
    assert focus.get_attribute("id") == f"qa-src-p-{paragraph}"
    assert focus.locator("mark.qa-hl").count() >= 1
    assert focus.locator(".qa-pn").inner_text().strip() == str(paragraph)
    assert page.locator("#qa-src-reader-body .qa-reader-head").inner_text().startswith(ARTICLE_A)
    box, view = focus.bounding_box(), page.viewport_size
    assert box and 0 <= box["y"] and box["y"] + min(box["height"], 100) <= view["height"], box
    assert reply.is_visible() and reply.bounding_box()["x"] + 100 < box["x"]  # the answer still in view, left of it
    # captions are shown as captions (italic), and the whole text is there with paragraph numbers
    assert page.locator("#qa-src-reader-body .qa-caption em").count() >= 1
    assert page.locator("#qa-src-reader-body .qa-para").count() == 23
    assert not page.js_errors


def test_unanswerable_question_says_so(page, app_server):
    reply = ask(page, "What did the Pope say about the war?")
    shot(page, "03-not-answered")
    assert reply.locator(".qa-verdict").inner_text().strip() == render.NOT_ANSWERED
    assert reply.locator(".qa-reason").inner_text().strip() == "No searched document mentions “Pope”."
    assert reply.locator(".qa-closest").inner_text().strip() == render.CLOSEST
    assert render.ANSWERED not in reply.inner_text()


def test_follow_up_and_export(page, app_server):
    first = ask(page, "Who in Putin's inner circle confronted him about the war?")
    cited_first = first.locator(".qa-title").first.inner_text().strip()
    reply = ask(page, "and what does the other article say?")
    shot(page, "04-follow-up")
    assert "Follow-up: searched" in reply.locator(".qa-note").inner_text()
    titles = {t.strip() for t in reply.locator(".qa-title").all_inner_texts()}
    assert titles and cited_first not in titles  # the other article(s), not the one cited first before
    with page.expect_download() as download:
        page.click("#qa-export")
    assert download.value.suggested_filename == "conversation.md"
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("# Conversation")
    assert text.count("### ") == 2 and "paragraph" in text and "> " in text

    # the chat's own trash button forgets the conversation too (the next reply is alone)
    page.locator("#qa-chat button[aria-label='Clear']").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0")
    reply = ask(page, "Who is the commander called Swat?")
    assert page.locator("#qa-chat .qa-answer").count() == 1
    assert reply.locator(".qa-note").count() == 0


def test_upload_markdown_then_answer_from_it_then_remove(page, app_server, tmp_path):
    md = tmp_path / "honey-bees.md"
    md.write_text("# Honey bees in winter\n\nHoney bees survive the winter by forming a tight cluster inside the "
                  "hive. The workers shiver their flight muscles to keep the queen warm at about 35 degrees "
                  "Celsius.\n\nA healthy colony eats roughly twenty kilograms of stored honey between autumn "
                  "and spring.\n", encoding="utf-8")
    bad = tmp_path / "slides.pptx"
    bad.write_bytes(b"PK\x03\x04 not a text file")
    status = upload(page, [md, bad])
    shot(page, "05-upload")
    assert "Added honey-bees.md" in status
    assert "Refused slides.pptx" in status
    assert page.locator("#qa-docs-selected label", has_text="Honey bees in winter").count() == 1
    assert "Honey bees in winter" in page.inner_text("#qa-doc-table")
    # the corpus holds its copy: Gradio's upload cache no longer does (nor the refused file)
    assert not [p.name for p in app_server.uploads.rglob("*") if p.is_file() and p.suffix in (".md", ".pptx")]

    reply = ask(page, "How do honey bees keep their queen warm in winter?")
    shot(page, "06-answer-from-upload")
    first = reply.locator(".qa-hit").first
    assert first.locator(".qa-title").inner_text().strip() == "Honey bees in winter"
    assert "shiver their flight muscles" in first.locator(".qa-passage").inner_text()

    # a different file under the same name does not overwrite it
    other = tmp_path / "again" / "honey-bees.md"
    other.parent.mkdir()
    other.write_text("# Wasps\n\nWasps are not bees.\n", encoding="utf-8")
    status = upload(page, [other])
    assert "Refused honey-bees.md" in status and "already in the corpus" in status
    assert "Honey bees in winter" in (app_server.corpus / "honey-bees.md").read_text(encoding="utf-8")

    # remove it again from the UI: it leaves the list, the boxes and the index
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-pick input").click()
    page.get_by_role("option", name="Honey bees in winter").click()
    page.locator("#qa-reader-body").wait_for()
    page.click("#qa-remove")
    removed = "[...document.querySelectorAll('#qa-status li')].some(li => li.innerText.includes('Removed'))"
    page.wait_for_function(removed, timeout=120_000)
    shot(page, "07-removed")
    assert "Honey bees in winter" not in page.inner_text("#qa-doc-table")
    assert page.locator("#qa-docs-selected label", has_text="Honey bees in winter").count() == 0
    assert not (app_server.corpus / "honey-bees.md").exists()


#: Injection payloads a document may hold: each would set window.__xss (or navigate) if it ran.
PAYLOADS = [
    '<script>window.__xss = 1; alert("xss")</script>',
    '<img src=x onerror="window.__xss = 2">',
    '[click the zebra](javascript:window.__xss=3)',
    '<a href="javascript:window.__xss=4">zebra link</a>',
    '<svg onload="window.__xss=5"></svg>',
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    '![zebra](x" onerror="window.__xss=7)',
    '"><script>window.__xss=8</script><p x="',
    '<details open ontoggle="window.__xss=9">',
]


def assert_inert(page, where) -> None:
    """No element a payload would create inside ``where`` (a selector or a locator), no
    javascript: link anywhere, and no payload ran."""
    scope = page.locator(where) if isinstance(where, str) else where
    assert scope.locator("img, script, svg, iframe, details[ontoggle]").count() == 0
    handlers = "el => [el, ...el.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length"
    assert scope.evaluate(handlers) == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.evaluate("window.__xss") is None


def assert_plot_inert(page, where: str) -> None:
    """assert_inert for a plotly plot (which is SVG itself): no element a payload would create, no
    handler attribute (plotly's own <a popup> would add onclick), no javascript: link."""
    scope = page.locator(where)
    assert scope.locator("img, script, iframe, foreignObject, details, svg a[href], svg a[*|href]").count() == 0
    handlers = "el => [el, ...el.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length"
    assert scope.evaluate(handlers) == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.evaluate("window.__xss") is None


def test_pdf_citation_names_its_page_and_opens_the_original(page, app_server, tmp_path):
    from tests.ingest.makers import REPORT, pdf_bytes

    pdf = tmp_path / "station-report.pdf"
    pdf.write_bytes(pdf_bytes(REPORT))
    assert "Added station-report.pdf" in upload(page, [pdf])
    reply = ask(page, "How many reindeer crossed the valley in March?")
    hit = reply.locator(".qa-hit", has_text="412 reindeer").first
    assert "page 2" in hit.inner_text()
    hit.locator("a.qa-cite").click()
    page.locator("#qa-src-reader-body .qa-focus").wait_for()
    head = page.locator("#qa-src-reader-body .qa-reader-head")
    assert "page 2, paragraph 3" in head.inner_text()
    shot(page, "15-reader-pdf-page")
    link = head.get_by_role("link", name="open the original")
    href = link.get_attribute("href")
    assert href == "/api/documents/station-report/original#page=2" and link.get_attribute("target") == "_blank"
    got = page.request.get(page.url.split("#")[0].rstrip("/") + href.split("#")[0])
    assert got.status == 200 and got.headers["content-type"] == "application/pdf" and got.body() == pdf.read_bytes()

    # leave the corpus as the other tests expect it
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-pick input").click()
    page.get_by_role("option", name="station-report").click()
    page.locator("#qa-reader-body").wait_for()
    page.click("#qa-remove")
    removed = "[...document.querySelectorAll('#qa-status li')].some(li => li.innerText.includes('Removed'))"
    page.wait_for_function(removed, timeout=120_000)
    assert not (app_server.corpus / "station-report.pdf").exists()
    assert not page.js_errors


def test_html_in_a_document_renders_as_text(page, app_server, tmp_path):
    doc = tmp_path / "markup-zebras.txt"
    lines = [f"Zebra note {i}: zebras have stripes, and this line quotes {p} as plain text."
             for i, p in enumerate(PAYLOADS, 1)]
    doc.write_text("Zebra markup notes\n\n" + "\n\n".join(lines) + "\n\nZebras have stripes and <b>bold</b> tags.\n",
                   encoding="utf-8")
    status = upload(page, [doc])
    assert "Added markup-zebras.txt" in status
    reply = ask(page, "What stripes do zebras have?")
    shot(page, "08-html-as-text-chat")
    text = reply.inner_text()
    assert any(p in text for p in PAYLOADS)
    assert reply.locator("b").count() == 0
    assert_inert(page, reply)

    cite = reply.locator(".qa-hit", has_text="Zebra markup notes").first.locator("a.qa-cite")
    cite.click()
    page.locator("#qa-src-reader-body .qa-focus").wait_for()
    page.wait_for_timeout(400)
    shot(page, "09-html-as-text-reader")
    reader = page.inner_text("#qa-src-reader-body")
    assert all(p in reader for p in PAYLOADS) and "<b>bold</b>" in reader
    assert_inert(page, "#qa-src-reader-body")

    # the corpus overview quotes the documents' text too (side by side, topics, quoted sources)
    page.get_by_role("tab", name="Compare").click()
    page.locator("#qa-overview").get_by_text("Corpus overview").first.click()
    page.locator("#qa-ov-pair .qa-ov-row").first.wait_for(timeout=120_000)
    for tab, where in (("Topics", "#qa-ov-topics"), ("Quoted sources", "#qa-ov-ledger")):
        page.locator("#qa-ov-tabs").get_by_role("tab", name=tab).click()
        page.wait_for_timeout(400)
        assert_inert(page, where)
    assert_inert(page, "#qa-ov-pair")
    # ... and so do the interactive plots' hover labels: every cell of the zebra document's column
    page.locator("#qa-ov-tabs").get_by_role("tab", name="Plots").click()
    heat = page.locator("#qa-ov-heatmap .js-plotly-plot")
    heat.locator(".heatmaplayer").first.wait_for()
    col = heat.evaluate("gd => gd.data[0].x.length - 1")  # the newest document is the last column
    shown = []
    for row in range(heat.evaluate("gd => gd.data[0].y.length")):
        # plotly throttles hover calls (50 ms): wait until the label is this row's before reading it
        topic = heat.evaluate("(gd, [i, j]) => { Plotly.Fx.hover(gd, [{curveNumber: 0, pointNumber: [i, j]}]);"
                              " return gd.data[0].y[i].split(' ')[0] + ' ·'; }", [row, col])
        page.wait_for_function("([sel, want]) => (document.querySelector(sel + ' .hoverlayer')"
                               "?.textContent || '').startsWith(want)", arg=["#qa-ov-heatmap", topic])
        shown.append(heat.evaluate("gd => gd.querySelector('.hoverlayer').textContent"))
        assert_plot_inert(page, "#qa-ov-heatmap")
    flat = ["".join(t.split()) for t in shown]  # a label's lines are separate <tspan>s, wrapped at spaces
    assert any("".join(p.split()) in t for t in flat for p in PAYLOADS), shown
    assert not page.js_errors


def test_compare_shows_a_column_per_selected_document(page, app_server):
    page.get_by_role("tab", name="Compare").click()
    page.fill("#qa-topic textarea", "mobilisation of reservists")
    page.click("#qa-compare")
    page.locator("#qa-comparison .qa-columns").wait_for()
    shot(page, "10-compare")
    selected = page.locator("#qa-compare-docs input[type=checkbox]:checked").count()
    columns = page.locator("#qa-comparison .qa-column")
    assert selected == 2 and columns.count() == selected  # the first two documents unless others are picked
    for i in range(columns.count()):
        badge = columns.nth(i).locator(".qa-badge").inner_text().strip()
        assert badge in ("covered", "not covered")
    # picked inside the tab: one document alone, the global boxes untouched
    page.locator("#qa-compare-docs label").nth(1).click()
    page.click("#qa-compare")
    page.wait_for_function("document.querySelectorAll('#qa-comparison .qa-column').length === 1")
    assert page.locator("#qa-docs-selected input[type=checkbox]:checked").count() == \
        page.locator("#qa-docs-selected input[type=checkbox]").count()


def test_overview_side_by_side_plots_and_a_link_into_the_reader(page, app_server):
    page.get_by_role("tab", name="Compare").click()
    page.locator("#qa-overview").get_by_text("Corpus overview").first.click()
    rows = page.locator("#qa-ov-pair .qa-ov-row")
    rows.first.wait_for()
    page.locator("#qa-ov-docs").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, "11-overview")
    # the default pair is the two articles, A on the left and B on the right, by label and title
    head = page.locator("#qa-ov-pair thead").inner_text()
    assert f"A — {ARTICLE_A}" in head and f"B — {ARTICLE_B}" in head
    assert page.locator("#qa-ov-a input").input_value().startswith("A — ")
    first = rows.first
    assert first.locator(".qa-badge").inner_text().strip() in ("shared", "only in A")
    assert re.fullmatch(r"A ¶\d+", first.locator("td").nth(0).locator("a.qa-ov-link").inner_text().strip())
    target = first.locator("td").nth(2).locator("a.qa-ov-link")
    paragraph = int(re.fullmatch(r"B ¶(\d+)", target.inner_text().strip()).group(1))
    text = first.locator("td").nth(2).locator(".qa-ov-text").inner_text().strip()

    # the plots are drawn when their tab is opened: two interactive (plotly), the strips a PNG
    page.locator("#qa-ov-tabs").get_by_role("tab", name="Plots").click()
    for plot in ("#qa-ov-heatmap .js-plotly-plot .heatmaplayer", "#qa-ov-alignment .js-plotly-plot .heatmaplayer",
                 "#qa-ov-strips img"):
        page.locator(plot).first.wait_for()
    page.locator("#qa-ov-heatmap").scroll_into_view_if_needed()
    shot(page, "12-overview-plots")

    # a passage of the table opens the reader at its paragraph
    page.locator("#qa-ov-tabs").get_by_role("tab", name="Side by side").click()
    target.click()
    focus = page.locator("#qa-reader-body .qa-focus")
    focus.wait_for()
    page.wait_for_timeout(600)
    shot(page, "13-overview-reader")
    assert page.get_by_role("tab", name="Documents").get_attribute("aria-selected") == "true"
    assert focus.get_attribute("id") == f"qa-p-{paragraph}"
    assert page.locator("#qa-reader-body .qa-reader-head").inner_text().startswith(ARTICLE_B)
    assert " ".join(focus.locator("p").inner_text().split()) == " ".join(text.split())
    assert not page.js_errors


def test_overview_plot_hover_shows_the_passage_and_a_click_opens_the_reader(page, app_server):
    page.get_by_role("tab", name="Compare").click()
    page.locator("#qa-overview").get_by_text("Corpus overview").first.click()
    page.locator("#qa-ov-pair .qa-ov-row").first.wait_for()
    page.locator("#qa-ov-tabs").get_by_role("tab", name="Plots").click()
    matrix = page.locator("#qa-ov-alignment .js-plotly-plot")
    matrix.locator(".heatmaplayer").first.wait_for()
    matrix.scroll_into_view_if_needed()
    # a cell of A's second paragraph without a best-match marker: where it is on screen, what it opens
    cell = matrix.evaluate("""gd => {
        const fl = gd._fullLayout, box = gd.getBoundingClientRect(), cells = gd.data[0], i = 1;
        const marked = new Set(gd.data.slice(1).flatMap(t => t.x.map((x, k) => x + '|' + t.y[k])));
        const j = cells.x.findIndex(x => !marked.has(x + '|' + cells.y[i]));
        return {x: box.left + fl.xaxis._offset + fl.xaxis.l2p(j), y: box.top + fl.yaxis._offset + fl.yaxis.l2p(i),
                target: cells.customdata[i][j], b: Number(/¶(\\d+)/.exec(cells.x[j])[1])};
    }""")
    doc_id, start, end, paragraph = cell["target"]
    b = cell["b"]
    page.mouse.move(cell["x"], cell["y"])
    label = page.locator("#qa-ov-alignment .hoverlayer .hovertext")
    label.wait_for()
    SHOTS = Path("/tmp/issue11-plots")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hover.png"))
    shot(page, "14-overview-plot-hover")
    hover = " ".join(label.evaluate("e => [...e.querySelectorAll('tspan.line')].map(t => t.textContent).join(' ')")
                     .split())
    assert f"A ¶{paragraph}" in hover and f"B ¶{b}" in hover and "cosine" in hover
    assert re.search(r"\((shared|partly|only)[^)]*\)", hover), hover
    words = re.search(rf"A ¶{paragraph} \([^)]*\): (.*?) B ¶{b} ", hover).group(1).rstrip(" …").split()
    page.mouse.click(cell["x"], cell["y"])
    focus = page.locator("#qa-reader-body .qa-focus")
    focus.wait_for()
    assert page.get_by_role("tab", name="Documents").get_attribute("aria-selected") == "true"
    assert focus.get_attribute("id") == f"qa-p-{paragraph}"
    assert page.locator("#qa-reader-body .qa-reader-head").inner_text().startswith(ARTICLE_A)
    # the hover quoted the passage verbatim (shortened): the reader's paragraph starts with it
    assert " ".join(focus.locator("p").inner_text().split()).startswith(" ".join(words[:-1]))
    assert not page.js_errors
