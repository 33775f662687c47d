// After a reply: show the start of the newest question and its reply, not the end of the reply,
// and tell a screen reader its verdict (the status region page.js made).
() => {
  setTimeout(() => {
    const wrap = document.querySelector('#qa-chat .bubble-wrap');
    const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
    const last = rows[rows.length - 1];
    if (wrap && last) wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    const replies = document.querySelectorAll('#qa-chat .qa-answer');
    const reply = replies[replies.length - 1];
    const live = document.querySelector('#qa-live');
    if (reply && live) {
      const verdict = reply.querySelector('.qa-answer-span, .qa-verdict, .qa-reason');
      live.textContent = verdict ? verdict.innerText : '';
    }
  }, 100);
}
