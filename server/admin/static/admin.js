// cuecard admin: confirmations, uploads that show their progress, revealing an event's text in
// place (and refreshing "Recent reveals" after it), and Copy buttons. Everything works without
// this file except the progress bar (the upload form then posts normally), revealing in place
// (the reveal form then reloads the page) and copying (the values stay selectable; the Copy
// buttons stay hidden).
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function confirmBeforeSubmit(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

function uploadWithProgress(form) {
  const bar = form.querySelector("progress");
  const status = form.querySelector("[data-upload-status]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.max = progress.total;
      bar.value = progress.loaded;
      status.textContent = `Uploading: ${Math.round((100 * progress.loaded) / progress.total)}%`;
    });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
      if (request.status < 300 && body.location) {
        window.location.assign(body.location);
        return;
      }
      status.textContent = body.message || `Upload failed (HTTP ${request.status})`;
      status.classList.add("error");
    });
    request.addEventListener("error", () => {
      status.textContent = "Upload failed: the server could not be reached";
      status.classList.add("error");
    });
    bar.hidden = false;
    status.classList.remove("error");
    status.textContent = "Uploading: 0%";
    request.send(new FormData(form));
  });
}

// "Reveal text": ask the server (which records the reveal) and show the text in its row.
function revealOnRequest(form) {
  const output = form.parentElement.querySelector("[data-revealed]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (_) {
      response = null;
    }
    if (response === null || !response.ok) {
      const status = response === null ? "the server could not be reached" : `HTTP ${response.status}`;
      output.textContent = `Could not reveal the text (${status})`;
      output.classList.add("error");
    } else {
      output.textContent = (await response.json()).text;
      form.hidden = true;
      refreshReveals();
    }
    output.hidden = false;
  });
}

// "Recent reveals" as the server now has it (this reveal, and other admins' since the page
// loaded). On failure the section keeps what it showed; a reload brings it up to date.
async function refreshReveals() {
  const section = document.querySelector("section[data-reveals]");
  if (!section) return;
  try {
    const response = await fetch(section.dataset.reveals, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("section[data-reveals]");
    if (fresh) section.replaceWith(document.adoptNode(fresh));
  } catch (_) {
    /* the server could not be reached: keep what is shown */
  }
}

// Copy buttons: the value of the input they name goes to the clipboard; the status line says so.
function copyOnClick(button) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  button.hidden = false;
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(input.value);
      copied = true;
    } catch (_) {
      // The asynchronous clipboard needs a secure context (https or localhost): select the
      // value and use the older copy command instead.
      input.select();
      copied = document.execCommand("copy");
    }
    status.textContent = copied ? "Copied." : "Could not copy: select the value and copy it.";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  document.querySelectorAll("form[data-upload]").forEach(uploadWithProgress);
  document.querySelectorAll("form[data-reveal]").forEach(revealOnRequest);
  document.querySelectorAll("button[data-copy]").forEach(copyOnClick);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshReveals();
  });
});
