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

// "Keep me signed in" applies to the single sign-on buttons too: each button's form carries
// the checkbox's value when it is ticked.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-sso")) {
    return;
  }
  const box = document.getElementById("remember");
  const field = form.querySelector("input[name=remember]");
  if (box && field) {
    field.value = box.checked ? "1" : "";
  }
});
