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
