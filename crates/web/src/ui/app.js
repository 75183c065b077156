// chongdich: the little JavaScript the pages use. Every page works without it.
"use strict";
document.addEventListener("click", (e) => {
  // A print button prints the page (its print stylesheet hides the navigation).
  const p = e.target.closest("[data-print]");
  if (p) { e.preventDefault(); window.print(); }
});
// A table with data-filter-by="ID" hides the rows that do not contain the text typed in #ID.
for (const table of document.querySelectorAll("table[data-filter-by]")) {
  const input = document.getElementById(table.dataset.filterBy);
  if (!input) continue;
  input.hidden = false;
  const label = document.querySelector(`label[for="${input.id}"]`);
  if (label) label.hidden = false;
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    for (const row of table.tBodies[0]?.rows ?? []) {
      row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q);
    }
  });
}

// The bar of an import's long request (issue #16, big files): while the page's preview or
// commit runs, the upload's progress is polled and shown as rows done of the file's rows,
// written the page's language's way. The next page replaces it all.
function follow(working, url) {
  const bar = working.querySelector("progress");
  const rows = working.querySelector(".import-rows");
  const lang = document.documentElement.lang || "vi";
  working.hidden = false;
  const poll = async () => {
    try {
      const r = await fetch(url, { credentials: "same-origin" });
      const p = await r.json();
      if (p.under_way && p.total > 0) {
        bar.value = Math.round((100 * p.done) / p.total);
        rows.textContent = p.done.toLocaleString(lang) + " / " + p.total.toLocaleString(lang) +
          " " + working.dataset.rows;
      }
    } catch (_) { /* the next poll tries again */ }
    setTimeout(poll, 300);
  };
  setTimeout(poll, 200);
}

for (const form of document.querySelectorAll("form[data-import-progress]")) {
  form.addEventListener("submit", () => {
    const working = form.querySelector(".import-working");
    if (working) follow(working, form.dataset.importProgress);
  });
}

// The import page's upload (issue #16): the file is sent as it is to the form's
// data-import-upload address, with the session's anti-forgery token, and a progress bar
// shows the upload; then its preview opens.
for (const form of document.querySelectorAll("form[data-import-upload]")) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    const bar = form.querySelector("progress");
    const error = form.querySelector("[role=alert]");
    if (!file) return;
    const kind = form.querySelector("[name=kind]").value;
    const url = form.dataset.importUpload + "?kind=" + encodeURIComponent(kind) +
      "&file_name=" + encodeURIComponent(file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector("[name=csrf]").value);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) bar.value = Math.round((100 * p.loaded) / p.total);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 201 && body.preview) {
        // The preview judges every row before its page comes: its bar while it does.
        const working = form.querySelector(".import-working");
        if (working && body.progress) {
          bar.hidden = true;
          follow(working, body.progress);
        }
        window.location.assign(body.preview);
      } else {
        error.textContent = (body.error && body.error.message) || String(xhr.status);
        error.hidden = false;
      }
    });
    bar.hidden = false;
    error.hidden = true;
    xhr.send(file);
  });
}
