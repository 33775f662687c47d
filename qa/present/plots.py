"""Plots of the corpus overview (matplotlib): each function returns a new ``Figure``.

- :func:`topic_heatmap` topics x documents, cell = share of the document's body text;
- :func:`alignment_matrix` paragraphs of A x paragraphs of B, cosine, best counterparts marked;
- :func:`prominence_strips` each document as a strip of its paragraphs in reading order,
  width = length, colour = topic, hatched = no counterpart in another document;
- :func:`overview_figure` the three together (what ``qa overview --plot FILE`` writes).

Figures are made with ``matplotlib.figure.Figure``, never pyplot: no global state, no backend
to choose, safe to draw from several threads at once, freed when no longer referenced. The app
can pass any of them to ``gr.Plot``. Text on the plots is fixed labels, numbers and words of the
documents; nothing is generated.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

SHARED_COLOR = "#d62728"
BEST_COLOR = "#ffffff"


#: tab10 without its grey (grey reads as "no topic"), then the light tab20 shades, then tab20b.
_PALETTE = ([colormaps["tab10"](i) for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)]
            + [colormaps["tab20"](i) for i in (1, 3, 5, 7, 9, 11, 13, 17, 19)]
            + [colormaps["tab20b"](i) for i in range(20)])


def topic_color(topic_id: int):
    return _PALETTE[(topic_id - 1) % len(_PALETTE)]


def topic_hex(topic_id: int) -> str:
    """The topic's colour as CSS "#rrggbb" (the HTML topic table matches the plots)."""
    from matplotlib.colors import to_hex

    return to_hex(topic_color(topic_id))


def _topic_label(t, n_words: int = 3) -> str:
    """T3 and the topic's name: its key phrases (else its first words), cut to fit an axis."""
    label = t.label if t.phrases else ", ".join(t.words[:n_words])
    return f"T{t.topic_id}  {label if len(label) <= 60 else label[:59] + '…'}"


def draw_topic_heatmap(ax, ov) -> None:
    topics = ov.topics.topics
    docs = ov.documents
    data = np.array([[t.in_doc(d.doc_id).share for d in docs] for t in topics]) if topics else np.zeros((0, len(docs)))
    vmax = max(0.05, float(data.max()) if data.size else 0.05)
    im = ax.imshow(data * 100, cmap="Blues", vmin=0, vmax=vmax * 100, aspect="auto")
    ax.set_xticks(range(len(docs)), [d.label for d in docs])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(topics)), [f"{_topic_label(t)}\n{t.coverage}" for t in topics])
    for lab, t in zip(ax.get_yticklabels(), topics):
        lab.set_color("black")
        lab.set_bbox({"facecolor": topic_color(t.topic_id), "alpha": 0.35, "edgecolor": "none", "pad": 1.5})
    for i, t in enumerate(topics):
        for j, d in enumerate(docs):
            x = t.in_doc(d.doc_id)
            if not x.paragraphs:
                ax.text(j, i, "–", ha="center", va="center", color="#999999", fontsize=9)
                continue
            dark = data[i, j] > 0.55 * vmax
            ax.text(j, i, f"{x.share:.0%}\n{x.position} ¶{x.paragraphs[0]}", ha="center", va="center",
                    fontsize=7.5, color="white" if dark else "black", linespacing=1.1)
    ax.set_xlim(-0.5, len(docs) - 0.5)
    ax.set_title("Topics × documents: share of each document's text\n(position = lead or later, ¶ = first paragraph)",
                 fontsize=9.5, pad=22)
    ax.tick_params(length=0, labelsize=8)
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    cb.set_label("% of document text", fontsize=8)
    cb.ax.tick_params(labelsize=7)


def topic_heatmap(ov) -> Figure:
    n = len(ov.topics.topics)
    fig = Figure(figsize=(3.2 + 1.1 * len(ov.documents) + 1.3, 1.2 + 0.42 * max(n, 3)), layout="constrained")
    draw_topic_heatmap(fig.subplots(), ov)
    return fig


def draw_alignment_matrix(ax, ov, a: str, b: str) -> None:
    al = ov.alignment
    m = al.matrix(a, b)
    bar = al.bar(a, b)
    la, lb = ov.label(a), ov.label(b)
    im = ax.imshow(m, cmap="viridis", aspect="auto", origin="upper",
                   extent=(0.5, m.shape[1] + 0.5, m.shape[0] + 0.5, 0.5))
    for row in al.rows_for(a):
        c = row.counterpart_in(b)
        if c is None:
            continue
        y, x = row.passage.paragraph, c.passage.paragraph
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, lw=1.6 if c.shared else 0.8,
                               ec=SHARED_COLOR if c.shared else BEST_COLOR, ls="-" if c.shared else ":"))
    for row in al.rows_for(b):
        c = row.counterpart_in(a)
        if c is None:
            continue
        x, y = row.passage.paragraph, c.passage.paragraph
        ax.plot(x, y, marker="o", ms=3.2, mfc=SHARED_COLOR if c.shared else "none",
                mec=SHARED_COLOR if c.shared else BEST_COLOR, mew=0.8, ls="none")
    ax.set_xlabel(f"paragraph of {lb}", fontsize=8.5)
    ax.set_ylabel(f"paragraph of {la}", fontsize=8.5)
    step_x = 1 if m.shape[1] <= 25 else 2 if m.shape[1] <= 50 else 5
    step_y = 1 if m.shape[0] <= 25 else 2 if m.shape[0] <= 50 else 5
    ax.set_xticks(range(1, m.shape[1] + 1, step_x))
    ax.set_yticks(range(1, m.shape[0] + 1, step_y))
    ax.tick_params(labelsize=7)
    ax.set_title(f"Paragraph alignment {la} × {lb} (cosine)\nshared coverage: best counterpart ≥ {bar.bar:.2f}",
                 fontsize=9.5)
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.ax.axhline(bar.bar, color=SHARED_COLOR, lw=1.5)
    cb.ax.tick_params(labelsize=7)
    cb.set_label("cosine (red line = bar)", fontsize=8)
    handles = [Patch(fill=False, ec=SHARED_COLOR, lw=1.6, label=f"best match in {lb} for a paragraph of {la}: shared"),
               Patch(fill=False, ec="#555555", ls=":", lw=0.8,
                     label=f"best match in {lb} for a paragraph of {la}: below the bar"),
               Line2D([], [], marker="o", ls="none", mfc=SHARED_COLOR, mec=SHARED_COLOR, ms=4,
                          label=f"best match in {la} for a paragraph of {lb}: shared"),
               Line2D([], [], marker="o", ls="none", mfc="none", mec="#555555", ms=4,
                          label=f"best match in {la} for a paragraph of {lb}: below the bar")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize=7, frameon=False)


def alignment_matrix(ov, a: str | None = None, b: str | None = None) -> Figure:
    a = a or ov.documents[0].doc_id
    b = b or ov.documents[1].doc_id
    m = ov.alignment.matrix(a, b)
    fig = Figure(figsize=(min(12, max(7.5, 3 + 0.16 * m.shape[1])), min(12, max(4.5, 2.6 + 0.2 * m.shape[0]))),
                 layout="constrained")
    draw_alignment_matrix(fig.subplots(), ov, a, b)
    return fig


def draw_prominence_strips(ax, ov) -> None:
    topic_of = {}
    for t in ov.topics.topics:
        for x in t.documents:
            for p in x.paragraphs:
                topic_of[(x.doc_id, p)] = t.topic_id
    docs = ov.documents
    for i, d in enumerate(docs):
        rows = [r for r in ov.alignment.rows_for(d.doc_id)]
        total = sum(r.passage.end - r.passage.start for r in rows) or 1
        left = 0.0
        for r in rows:
            w = (r.passage.end - r.passage.start) / total
            tid = topic_of.get((d.doc_id, r.passage.paragraph), 0)
            only = not r.shared_with and len(docs) > 1
            ax.barh(i, w, left=left, height=0.62, color=topic_color(tid) if tid else "#cccccc",
                    edgecolor="white", linewidth=0.6, hatch="////" if only else None)
            if w > 0.028:
                ax.text(left + w / 2, i, f"T{tid}", ha="center", va="center", fontsize=6.5, color="black")
            left += w
        ax.text(-0.01, i, f"{d.label}", ha="right", va="center", fontsize=10, fontweight="bold")
    ax.set_ylim(len(docs) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["start", "25%", "50%", "75%", "end"])
    ax.tick_params(labelsize=7.5)
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.set_title("Prominence: each document's paragraphs in reading order (width = length, colour = topic, "
                 "hatched = no counterpart in another document)", fontsize=9.5)
    handles = [Patch(color=topic_color(t.topic_id), label=_topic_label(t)) for t in ov.topics.topics]
    handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="////", label="only in this document"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=min(4, len(handles)),
              fontsize=7, frameon=False)


def prominence_strips(ov) -> Figure:
    n_topics = len(ov.topics.topics)
    fig = Figure(figsize=(11, 1.4 + 0.55 * len(ov.documents) + 0.22 * (n_topics // 4 + 1)), layout="constrained")
    draw_prominence_strips(fig.subplots(), ov)
    return fig


def overview_figure(ov, pair: tuple[str, str] | None = None) -> Figure:
    """The topic heatmap and the alignment matrix side by side, the prominence strips below."""
    n_topics = len(ov.topics.topics)
    fig = Figure(figsize=(15, 8.5 + 0.3 * max(0, n_topics - 10) + 0.4 * len(ov.documents)), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.0, 1.0 + 0.12 * len(ov.documents)])
    if pair is None and len(ov.documents) >= 2:
        pair = (ov.documents[0].doc_id, ov.documents[1].doc_id)
    if pair is not None:
        left, right = top.subfigures(1, 2, width_ratios=[1.0, 1.25])
        draw_topic_heatmap(left.subplots(), ov)
        draw_alignment_matrix(right.subplots(), ov, *pair)
    else:
        draw_topic_heatmap(top.subplots(), ov)
    draw_prominence_strips(bottom.subplots(), ov)
    return fig


def save(fig: Figure, path: Path, dpi: int = 130) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def save_all(ov, folder: Path, pair: tuple[str, str] | None = None) -> list[Path]:
    """topics_heatmap.png, alignment_matrix.png (if two documents or more), prominence.png."""
    folder = Path(folder)
    out = [save(topic_heatmap(ov), folder / "topics_heatmap.png")]
    if len(ov.documents) >= 2:
        out.append(save(alignment_matrix(ov, *(pair or (None, None))), folder / "alignment_matrix.png"))
    out.append(save(prominence_strips(ov), folder / "prominence.png"))
    return out
