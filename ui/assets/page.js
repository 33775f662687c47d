// The page's own script, run once when it loads.
// Citations: links in replies and lists carry #qa-open: (qa.present.links); a click puts the target
// in a hidden box and presses a hidden button, which renders the reader on the server. A citation in
// the conversation opens the source panel beside it; any other opens the Documents tab's reader. No
// document text goes through here. The overview's plotly plots carry the same target as a point's
// customdata [doc_id, start, end, ...] (qa.present.interactive): a click on a point opens the reader.
// Also: Esc closes the source panel (focus goes back to the citation), a status region announces
// each reply's verdict to screen readers, and the question box counts its characters.
() => {
  const send = (box, button, target) => {
    const input = document.querySelector(`${box} textarea, ${box} input`);
    const press = document.querySelector(button);
    if (!input || !press) return;
    input.value = target;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => press.click(), 0);
  };
  const open = (target, link) => {
    if (link && link.closest('#qa-chat')) {
      window.qaCitation = link.getAttribute('href');
      send('#qa-source-target', '#qa-source-button', target);
    } else {
      send('#qa-open-target', '#qa-open-button', target);
    }
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#qa-open:"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    open(decodeURIComponent(link.getAttribute('href').slice('#qa-open:'.length)), link);
  }, true);
  window.qaCloseSource = () => {
    document.querySelector('#qa-source-col')?.classList.remove('qa-open');
    const href = window.qaCitation;
    const links = [...document.querySelectorAll('#qa-chat a.qa-cite')];
    const back = links.reverse().find((a) => a.getAttribute('href') === href);
    if (back) { back.focus(); back.scrollIntoView({block: 'nearest'}); }
  };
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && document.querySelector('#qa-source-col.qa-open')) window.qaCloseSource();
  });
  const live = document.createElement('div');
  live.id = 'qa-live';
  live.className = 'qa-sr-only';
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  document.body.appendChild(live);
  const counted = (box) => {
    if (box.__qaCount) return;
    box.__qaCount = true;
    const max = Number(box.getAttribute('maxlength')) || 2000;
    const note = document.createElement('div');
    note.id = 'qa-count';
    note.className = 'qa-count';
    note.setAttribute('aria-live', 'polite');
    box.setAttribute('aria-describedby', 'qa-count');
    (box.closest('label') || box.parentElement).after(note);
    const show = () => {  // shown near the limit only
      const n = box.value.length;
      const count = `${n.toLocaleString('en')} / ${max.toLocaleString('en')} characters`;
      const text = n >= max ? `${count}: the limit. Shorten the question to add more.` : (n >= max * 0.9 ? count : '');
      if (note.textContent !== text) note.textContent = text;
      note.classList.toggle('qa-count-full', n >= max);
    };
    box.addEventListener('input', show);
    box.__qaShow = show;
    show();
  };
  const onPoint = (event) => {
    const c = event && event.points && event.points[0] && event.points[0].customdata;
    if (!Array.isArray(c) || !/^[A-Za-z0-9_.-]+$/.test(String(c[0]))) return;
    const start = Number(c[1]), end = Number(c[2]);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) return;
    open(`${c[0]}/${start}-${end}/`, null);
  };
  // Gradio draws a plotly plot into a div it keeps across updates (Plotly.react keeps listeners);
  // a div drawn anew is hooked when it appears. The question box is hooked when it appears too.
  let pending = false;
  const hook = () => {
    pending = false;
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (gd.__qaOpen || typeof gd.on !== 'function') return;
      gd.__qaOpen = true;
      gd.on('plotly_click', onPoint);
    });
    const box = document.querySelector('#qa-question textarea');
    if (box) { counted(box); box.__qaShow(); }  // again: the page empties the box after a question
    // a citation's name for a screen reader ("source 1: <title>, paragraph 13"): Gradio's sanitizer
    // keeps a reply's title attributes but drops aria-label
    document.querySelectorAll('#qa-chat a.qa-cite[title]:not([aria-label])').forEach((a) => {
      a.setAttribute('aria-label', a.getAttribute('title'));
    });
    // Gradio lists the chat's starting points as role=list with buttons in it, which a screen
    // reader cannot read as a list: a named group instead
    document.querySelectorAll('#qa-chat .examples[role="list"]').forEach((el) => {
      el.setAttribute('role', 'group');
      el.setAttribute('aria-label', 'Starting points');
    });
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(hook); }
  }).observe(document.body, {childList: true, subtree: true});
}
