"""Interactive plots of the corpus overview (plotly), for the app; the PNG exports stay in :mod:`.plots`.

- :func:`alignment_figure` paragraphs of A x paragraphs of B: one heatmap cell per paragraph
  pair, colour = cosine; markers on each paragraph's best counterpart, coloured by its status;
- :func:`topics_figure` topics x documents: one cell per (topic, document), colour = share of
  the document's text.

Hovering a cell shows the passage(s) it stands for, shortened (a verbatim prefix, cut at a word,
then "…"), with the paragraph's status. Every point carries ``customdata = [doc_id, start, end,
paragraph]`` of the passage a click opens (``["", -1, -1, 0]`` where there is none); the app's
browser glue (ui/assets/page.js) turns a click into the reader link ``doc_id/start-end/``.

Plotly renders a subset of HTML in hover text, tick labels and titles (``<a href>``, ``<b>``,
``<span style>``, ...), so every piece of document text goes through :func:`plot_escape` first;
only fixed wording, labels and numbers are left as they are. Statuses are the alignment's
opaque labels ("shared", "partly shared with B", "only in A", ...): a colour is chosen by how
one starts (:func:`status_kind`), the label itself is shown as it is (escaped).
"""
from __future__ import annotations

import textwrap

import numpy as np

#: Characters of a passage shown in a hover label (a verbatim prefix, cut at a word).
HOVER_CHARS = 220
#: Characters per line of a hover label.
HOVER_LINE = 72
#: Marker colours by status kind (the red matches the PNG's "shared").
STATUS_COLORS = {"shared": "#d62728", "partly": "#ff9f1c", "only": "#ffffff", "other": "#aaaaaa"}
NO_TARGET = ["", -1, -1, 0]


def plot_escape(text: str) -> str:
    """Text for plotly labels: ``& < > " '`` as entities plotly turns back into characters.

    Plotly splits its labels on tags first and decodes entities into text nodes afterwards, so
    escaped text shows verbatim and never becomes markup. It decodes numeric entities and
    ``&amp; &lt; &gt;`` but not ``&quot;``, hence numeric ones for the quotes.
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def shorten(text: str, limit: int = HOVER_CHARS) -> str:
    """A verbatim prefix of ``text`` (whitespace runs shown as one space), cut at a word, with "…"
    when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + " …"


def hover_passage(text: str, limit: int = HOVER_CHARS, width: int = HOVER_LINE) -> str:
    """A shortened, escaped passage wrapped into lines (``<br>`` between whole words)."""
    lines = textwrap.wrap(shorten(text, limit), width=width, break_long_words=True, break_on_hyphens=False)
    return "<br>".join(plot_escape(line) for line in lines)


def status_kind(status: str | None) -> str:
    """"shared", "partly", "only" or "other" from an opaque status label, by how it starts."""
    s = (status or "").strip().lower()
    for kind in ("shared", "partly", "only"):
        if s.startswith(kind):
            return kind
    return "other"


def target(span) -> list:
    """The customdata of a point that opens ``span`` (a TextSpan) in the reader."""
    return [span.doc_id, int(span.start), int(span.end), int(span.paragraph)]


def pair_status(row, other: str, labels: dict[str, str]) -> str:
    """The status of a paragraph with respect to one other document: the paragraph's own status
    when the corpus has two documents; else its counterpart's status ("shared", "partly shared",
    or ``shared`` as a yes/no) said with the other document's label."""
    c = row.counterpart_in(other)
    if c is None or len(row.counterparts) <= 1:
        return str(row.status)
    s = str(getattr(c, "status", None) or ("shared" if c.shared else "only"))
    return f"not shared with {labels[other]}" if status_kind(s) == "only" else f"{s} with {labels[other]}"


def _topic_name(t) -> str:
    label = getattr(t, "label", None)
    return str(label) if label else ", ".join(t.words[:3])


def _paragraph_numbers(cats: list[str], rows, axis: str) -> list[dict]:
    """Paragraph numbers along an axis, as annotations: the axes' categories are the hover texts
    (tick labels would show the whole text, and ticktext would replace the text in the hover too)."""
    step = 1 if len(cats) <= 25 else 2 if len(cats) <= 50 else 5
    at = {"x": {"xref": "x", "yref": "paper", "y": 0, "yanchor": "top", "yshift": -2},
          "y": {"yref": "y", "xref": "paper", "x": 0, "xanchor": "right", "xshift": -2}}[axis]
    return [{**at, axis: cats[k], "text": str(rows[k].passage.paragraph), "showarrow": False,
             "font": {"size": 10, "color": "#444"}} for k in range(0, len(cats), step)]


def alignment_figure(ov, a: str, b: str):
    """Paragraphs of ``a`` (rows) x paragraphs of ``b`` (columns), one heatmap cell per pair.

    Cell colour: the cosine of the two paragraphs (``ov.alignment.matrix``). Hover: both
    paragraphs shortened, each with its status, and their cosine. A click on a cell opens the
    row's paragraph (of ``a``); the square markers (each paragraph of ``a`` at its best
    counterpart in ``b``) open that paragraph of ``a``, the round ones (each paragraph of ``b``
    at its best counterpart in ``a``) that paragraph of ``b``. Marker colour: the status kind.

    Each paragraph's hover text is held once, as its axis category (the ticks show only the
    paragraph number), and the cells' hover template names the two categories: a 23 x 41 matrix
    is about 70 KB of JSON instead of 600 KB with a text per cell.
    """
    import plotly.graph_objects as go

    al = ov.alignment
    labels = {d.doc_id: d.label for d in ov.documents}
    la, lb = labels[a], labels[b]
    rows_a, rows_b = al.rows_for(a), al.rows_for(b)
    m = np.asarray(al.matrix(a, b), dtype=float).reshape(len(rows_a), len(rows_b))
    limit = HOVER_CHARS // 2 + 40

    def category(label: str, row, other: str) -> str:
        return (f"<b>{label} ¶{row.passage.paragraph}</b> ({plot_escape(pair_status(row, other, labels))}): "
                f"{hover_passage(row.passage.text, limit)}")

    ya = [category(la, r, b) for r in rows_a]
    xb = [category(lb, r, a) for r in rows_b]
    custom = [[target(r.passage)] * len(rows_b) for r in rows_a]
    cells = go.Heatmap(z=m, x=xb, y=ya, customdata=custom, colorscale="Viridis", xgap=1, ygap=1, name="",
                       hovertemplate=f"%{{y}}<br>%{{x}}<br>cosine %{{z:.2f}}<br><i>click: read the paragraph of "
                                     f"{la} (the row)</i><extra></extra>",
                       colorbar={"title": {"text": "cosine"}, "thickness": 12}, showlegend=False)
    index_a = {r.passage.paragraph: i for i, r in enumerate(rows_a)}
    index_b = {r.passage.paragraph: j for j, r in enumerate(rows_b)}

    def markers(rows, own_label: str, other: str, flip: bool, symbol: str, name: str):
        xs, ys, colors, hints, data = [], [], [], [], []
        for k, r in enumerate(rows):
            c = r.counterpart_in(other)
            idx = (index_a if flip else index_b).get(c.passage.paragraph) if c is not None else None
            if idx is None:
                continue
            i, j = (idx, k) if flip else (k, idx)
            xs.append(xb[j])
            ys.append(ya[i])
            colors.append(STATUS_COLORS[status_kind(pair_status(r, other, labels))])
            hints.append(f"best match of {own_label} ¶{r.passage.paragraph}; click: read it")
            data.append(target(r.passage))
        return go.Scatter(x=xs, y=ys, mode="markers", name=name, customdata=data,
                          hovertemplate=[f"%{{y}}<br>%{{x}}<br><i>{h}</i><extra></extra>" for h in hints],
                          marker={"symbol": symbol, "size": 7 if len(rows_b) > 40 else 9, "color": colors,
                                  "line": {"color": "#222", "width": 1}})

    fig = go.Figure([cells, markers(rows_a, la, b, False, "square", f"best match in {lb} of a paragraph of {la}"),
                     markers(rows_b, lb, a, True, "circle", f"best match in {la} of a paragraph of {lb}")])

    hidden = {"type": "category", "showticklabels": False, "ticks": ""}
    fig.update_layout(
        title={"text": f"Paragraph alignment {la} × {lb}: cosine of every pair<br>"
                       "<sup>markers: best counterparts (red = shared, orange = partly shared, white = only in "
                       "one); hover for the text, click to read</sup>", "font": {"size": 14}},
        height=int(min(1100, max(460, 190 + 17 * len(ya)))),
        hoverdistance=6,  # a marker takes the hover only when the pointer is on it, not from the next cell
        margin={"l": 60, "r": 20, "t": 80, "b": 90}, plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.12, "x": 0, "font": {"size": 11}},
        hoverlabel={"align": "left", "font": {"size": 12}, "bgcolor": "white", "bordercolor": "#444"},
        annotations=_paragraph_numbers(xb, rows_b, "x") + _paragraph_numbers(ya, rows_a, "y"),
        xaxis={**hidden, "title": {"text": f"paragraph of {lb}", "standoff": 18}},
        yaxis={**hidden, "title": {"text": f"paragraph of {la}", "standoff": 22}, "autorange": "reversed"},
    )
    return fig


def topics_figure(ov):
    """Topics (rows) x documents (columns), one heatmap cell per (topic, document).

    Cell colour: the share of the document's body text in the topic. Hover: the topic's name,
    the document, share and position, the topic's coverage, and its first paragraph in that
    document shortened with the paragraph's status. A click opens that paragraph.
    """
    import plotly.graph_objects as go

    topics, docs = ov.topics.topics, ov.documents
    rows = {(r.passage.doc_id, r.passage.paragraph): r for r in ov.alignment.paragraphs}
    z, text, hover, custom = [], [], [], []
    for t in topics:
        zr, tr, hr, cr = [], [], [], []
        name = f"T{t.topic_id} · {plot_escape(_topic_name(t))}"
        for d in docs:
            x = t.in_doc(d.doc_id)
            zr.append(round(100 * x.share, 1))
            head = (f"<b>{name}</b><br><b>{d.label}</b> — {plot_escape(shorten(d.title, 80))}<br>"
                    f"topic covered by: {plot_escape(t.coverage)}<br>")
            row = rows.get((d.doc_id, x.paragraphs[0])) if x.paragraphs else None
            if row is None:
                tr.append("–")
                hr.append(head + f"not in {d.label}")
                cr.append(NO_TARGET)
                continue
            paras = ", ".join(f"¶{p}" for p in x.paragraphs[:12]) + (" …" if len(x.paragraphs) > 12 else "")
            tr.append(f"{x.share:.0%}")
            hr.append(head + f"{x.share:.0%} of {d.label}'s text, {plot_escape(x.position)}: {paras}<br>"
                      f"<b>{d.label} ¶{row.passage.paragraph}</b> ({plot_escape(row.status)}): "
                      f"{hover_passage(row.passage.text)}<br><i>click: read {d.label} ¶{row.passage.paragraph}</i>")
            cr.append(target(row.passage))
        z.append(zr)
        text.append(tr)
        hover.append(hr)
        custom.append(cr)
    ylabels = [f"T{t.topic_id} {plot_escape(shorten(_topic_name(t), 34))}" for t in topics]
    xlabels = [d.label for d in docs]
    fig = go.Figure(go.Heatmap(z=z, x=xlabels, y=ylabels, text=text, texttemplate="%{text}", hovertext=hover,
                               hoverinfo="text", customdata=custom, colorscale="Blues", zmin=0,
                               colorbar={"title": {"text": "% of text"}, "thickness": 12}, xgap=2, ygap=2))
    fig.update_layout(
        title={"text": "Topics × documents: share of each document's text<br>"
                       "<sup>hover for the topic's first paragraph in a document, click to read it</sup>",
               "font": {"size": 14}},
        height=int(max(360, 150 + 34 * len(topics))),
        margin={"l": 20, "r": 20, "t": 80, "b": 30}, plot_bgcolor="white",
        hoverlabel={"align": "left", "font": {"size": 12}, "bgcolor": "white", "bordercolor": "#444"},
        xaxis={"side": "top", "type": "category"},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True},
    )
    return fig
