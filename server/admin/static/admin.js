// cuecard admin: confirmations, uploads that show their progress, and revealing an event's
// text in place. Everything works without this file except the progress bar (the upload form
// then posts normally) and revealing in place (the reveal form then reloads the page).
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
    }
    output.hidden = false;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  document.querySelectorAll("form[data-upload]").forEach(uploadWithProgress);
  document.querySelectorAll("form[data-reveal]").forEach(revealOnRequest);
});
