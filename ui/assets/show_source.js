// After a citation of the conversation opened in the source panel: show the panel (on a phone, over
// the chat), scroll its focused paragraph into view and move keyboard focus into it.
() => {
  document.querySelector('#qa-source-col')?.classList.add('qa-open');
  const go = (tries) => {
    const body = document.querySelector('#qa-src-reader-body');
    if (!body || body.offsetParent === null) { if (tries > 0) setTimeout(() => go(tries - 1), 100); return; }
    const para = body.querySelector('.qa-focus');
    const head = body.querySelector('.qa-reader-head');  // sticky: the paragraph goes just below it
    if (para) body.scrollTop += para.getBoundingClientRect().top - body.getBoundingClientRect().top
      - (head ? head.offsetHeight : 0) - 12;
    body.focus({preventScroll: true});
  };
  setTimeout(() => go(20), 50);
}
