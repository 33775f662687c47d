// Download the conversation's Markdown (given as the text argument) as conversation.md.
(text) => {
  if (!text) return;
  const url = URL.createObjectURL(new Blob([text], {type: 'text/markdown;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url; a.download = 'conversation.md';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}
