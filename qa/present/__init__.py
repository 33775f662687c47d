"""Presenting results to people: plain text (terminal), Markdown (downloads), escaped HTML (the
app), citation links, CSV exports and plots (``qa.present.plots``, imported on use: matplotlib).
Everything shown is fixed wording, a number, or a verbatim slice of a document."""
from .html import CSS, EMPTY_READER, html_escape
from .links import OPEN_PREFIX, open_href, parse_open_target, span_href
from .markdown import answer_markdown, conversation_markdown, md_escape, md_link, overview_markdown
from .text import ANSWERED, CLOSEST, NOT_ANSWERED, RELATED, answer_text, comparison_text, overview_text

__all__ = ["ANSWERED", "CLOSEST", "CSS", "EMPTY_READER", "NOT_ANSWERED", "OPEN_PREFIX", "RELATED", "answer_markdown",
           "answer_text", "comparison_text", "conversation_markdown", "html_escape", "md_escape", "md_link", "open_href",
           "overview_markdown", "overview_text", "parse_open_target", "span_href"]
