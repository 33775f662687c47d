// Links in replies and lists carry #qa-open: (qa.present.links); a click puts the target in a hidden
// box and presses a hidden button, which renders the reader on the server. No document text goes through here.
// The overview's plotly plots carry the same target as a point's customdata [doc_id, start, end, ...]
// (qa.present.interactive): a click on such a point opens the reader at that passage.
() => {
  const open = (target) => {
    const box = document.querySelector('#qa-open-target textarea, #qa-open-target input');
    const button = document.querySelector('#qa-open-button');
    if (!box || !button) return;
    box.value = target;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 0);
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#qa-open:"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    open(decodeURIComponent(link.getAttribute('href').slice('#qa-open:'.length)));
  }, true);
  const onPoint = (event) => {
    const c = event && event.points && event.points[0] && event.points[0].customdata;
    if (!Array.isArray(c) || !/^[A-Za-z0-9_.-]+$/.test(String(c[0]))) return;
    const start = Number(c[1]), end = Number(c[2]);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) return;
    open(`${c[0]}/${start}-${end}/`);
  };
  // Gradio draws a plotly plot into a div it keeps across updates (Plotly.react keeps listeners);
  // a div drawn anew is hooked when it appears.
  let pending = false;
  const hook = () => {
    pending = false;
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (gd.__qaOpen || typeof gd.on !== 'function') return;
      gd.__qaOpen = true;
      gd.on('plotly_click', onPoint);
    });
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(hook); }
  }).observe(document.body, {childList: true, subtree: true});
}
