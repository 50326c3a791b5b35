// latchkey works without JavaScript; this only adds conveniences. No inline script anywhere:
// the Content-Security-Policy allows scripts from this origin only.
"use strict";
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) {
    return;
  }
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) {
    return;
  }
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.textContent = "Copied";
  });
});
