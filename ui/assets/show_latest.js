// After a reply: show the start of the newest question and its reply, not the end of the reply.
() => {
  setTimeout(() => {
    const wrap = document.querySelector('#qa-chat .bubble-wrap');
    const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
    const last = rows[rows.length - 1];
    if (!wrap || !last) return;
    wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
  }, 100);
}
