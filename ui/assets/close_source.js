// "Close the source": back to the conversation, focus on the citation that opened it (page.js).
() => { if (window.qaCloseSource) window.qaCloseSource(); }
