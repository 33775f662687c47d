// After the reader opens: scroll to the focused paragraph (or the top).
() => {
  const go = (tries) => {
    const body = document.querySelector('#qa-reader-body');
    const target = body && (body.querySelector('.qa-focus') || body);
    if (!target || target.offsetParent === null) { if (tries > 0) setTimeout(() => go(tries - 1), 100); return; }
    const para = body.querySelector('.qa-focus');
    if (para) { para.scrollIntoView({block: 'center'}); }
    else { body.scrollTop = 0; document.querySelector('#qa-reader-body')?.scrollIntoView({block: 'start'}); }
  };
  setTimeout(() => go(20), 50);
}
