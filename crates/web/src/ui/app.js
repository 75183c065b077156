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

// A cluster's graph (issue #19): zoom and pan by changing the SVG's viewBox. The server
// draws the whole graph; without this script it sits in a scrollable box. Buttons and the
// wheel zoom, dragging pans (a click without a drag still opens the case), and on the
// focused graph + / - zoom and the arrow keys pan.
for (const box of document.querySelectorAll("[data-graph-box]")) {
  const svg = box.querySelector("svg[data-zoom]");
  if (!svg) continue;
  const full = svg.viewBox.baseVal;
  const W = full.width, H = full.height;
  // Start at the left (the first cases), up to 1.5 box widths of the graph, at the box's aspect.
  const inner = svg.closest(".graph-box") || box;
  const boxW = inner.clientWidth || 800;
  const boxH = Math.min(Math.max(320, window.innerHeight * 0.7), 800);
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", String(boxH));
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
  inner.classList.add("zoomable");
  let v;
  const reset = () => {
    const w = Math.max(Math.min(W, boxW * 1.5), 400);
    v = { x: 0, y: 0, w, h: w * boxH / boxW };
    draw();
  };
  const draw = () => svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  const zoom = (f, cx, cy) => {
    // f < 1 zooms in around (cx, cy) in graph units; bounded both ways.
    const w = Math.min(Math.max(v.w * f, 80), Math.max(W, H) * 1.5);
    const k = w / v.w;
    v = { x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k, w, h: v.h * k };
    draw();
  };
  const centre = () => [v.x + v.w / 2, v.y + v.h / 2];
  const toGraph = (e) => {
    const r = svg.getBoundingClientRect();
    const s = Math.max(v.w / r.width, v.h / r.height);
    return [v.x + (e.clientX - r.left) * s, v.y + (e.clientY - r.top) * s, s];
  };
  for (const b of box.querySelectorAll("[data-zoom-action]")) {
    b.hidden = false;
    b.addEventListener("click", () => {
      const a = b.dataset.zoomAction;
      if (a === "in") zoom(0.8, ...centre());
      else if (a === "out") zoom(1.25, ...centre());
      else reset();
    });
  }
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [x, y] = toGraph(e);
    zoom(e.deltaY < 0 ? 0.85 : 1 / 0.85, x, y);
  }, { passive: false });
  let drag = null, moved = false;
  svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, v: { ...v }, s: toGraph(e)[2] };
    moved = false;
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!moved) svg.setPointerCapture(e.pointerId);
    moved = true;
    v = { ...drag.v, x: drag.v.x - dx * drag.s, y: drag.v.y - dy * drag.s };
    draw();
  });
  const end = () => { drag = null; };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  // A drag that ends on a case must not open it.
  svg.addEventListener("click", (e) => { if (moved) { e.preventDefault(); moved = false; } }, true);
  svg.addEventListener("keydown", (e) => {
    const step = v.w / 10;
    const keys = {
      "+": () => zoom(0.8, ...centre()), "=": () => zoom(0.8, ...centre()),
      "-": () => zoom(1.25, ...centre()), "_": () => zoom(1.25, ...centre()),
      ArrowLeft: () => { v.x -= step; draw(); }, ArrowRight: () => { v.x += step; draw(); },
      ArrowUp: () => { v.y -= step; draw(); }, ArrowDown: () => { v.y += step; draw(); },
      "0": reset,
    };
    const f = keys[e.key];
    if (f) { e.preventDefault(); f(); }
  });
  reset();
}
