// Links in replies and lists carry #qa-open: (qa.present.links); a click puts the target in a hidden
// box and presses a hidden button, which renders the reader on the server. No document text goes through here.
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#qa-open:"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#qa-open-target textarea, #qa-open-target input');
    const button = document.querySelector('#qa-open-button');
    if (!box || !button) return;
    box.value = decodeURIComponent(link.getAttribute('href').slice('#qa-open:'.length));
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 0);
  }, true);
}
