// Issue #16, big files: the import page shows how far its long requests have gone. A list of
// several thousand rows is uploaded; while its preview is judged, and again while the commit
// judges and writes it, the page's bar moves and tells rows done of the file's rows in the
// Vietnamese way ("8.000 / 20.000 dòng"); then the list's cases are there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startDemo } from "./server.mjs";
import { launch } from "./browser.mjs";

const ROWS = 20000;

let demo;
let browser;
let page;
let dir;

before(async () => {
  demo = await startDemo({ people: 5000 });
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "vi-VN" })).newPage();
  await page.addInitScript(() => {
    new MutationObserver(() => {
      for (const w of document.querySelectorAll(".import-working")) {
        const t = w.querySelector(".import-rows")?.textContent;
        if (!w.hidden && t) console.log("import-rows:" + t);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  page.on("console", (m) => {
    if (m.text().startsWith("import-rows:")) seen.push(m.text().slice("import-rows:".length));
  });
  dir = mkdtempSync(join(tmpdir(), "chongdich-import-"));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// What the working bar says, as the page shows it. Playwright cannot read a page while its
// next page is coming, so each page reports its bar's words itself (a MutationObserver
// installed in every document), through the console.
const seen = [];

/** The texts the working bar showed from `act` until the page at `next` came. (A click
 * that posts a form returns only when the next page begins to come.) */
async function watch(next, act) {
  seen.length = 0;
  await act();
  await page.waitForURL(next, { timeout: 120_000 });
  return [...new Set(seen)];
}

test("a long list's checking and writing show their progress", async () => {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.base}/`);

  let csv = "Họ và tên,Số điện thoại,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n";
  for (let i = 0; i < ROWS; i++) {
    csv += `Người Tiến Trình ${i},09${String(70000000 + i).padStart(8, "0")},P. Hàng Buồm,Q. Hoàn Kiếm,15/11/2021,Dương tính\n`;
  }
  const file = join(dir, "f0-dai.csv");
  writeFileSync(file, csv);

  await page.goto(`${demo.base}/imports/new`);
  await page.locator("#import-file").setInputFiles(file);
  const checking = await watch(/\/imports\/uploads\/\d+/, () =>
    page.getByRole("button", { name: "Tải lên và xem trước" }).click());
  const told = /^[\d.]+ \/ 20\.000 dòng$/;
  assert.ok(checking.some((t) => told.test(t)), `checking: ${JSON.stringify(checking)}`);
  assert.equal(await page.locator('[data-count="new"]').textContent(), "20.000");

  const writing = await watch(/\/imports\?done=\d+/, () =>
    page.getByRole("button", { name: "Ghi vào hệ thống" }).click());
  assert.ok(writing.some((t) => told.test(t)), `writing: ${JSON.stringify(writing)}`);
  // Part way at least once: the bar moved, not only jumped to the end.
  const part = (t) => told.test(t) && !t.startsWith("20.000");
  assert.ok(checking.concat(writing).some(part), JSON.stringify({ checking, writing }));

  const found = await page.request.get(`${demo.base}/api/v1/imports`);
  assert.equal(found.status(), 200);
  const records = await found.json();
  assert.equal(records[0].rows_new, 20000, JSON.stringify(records[0]));
  assert.equal(records[0].rows_total, 20000);
});
