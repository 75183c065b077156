// Issue #16, "Done when", first bullet: an XLSX F0 list with Vietnamese headers in an
// unusual order is imported in the browser: a mapping fixed by hand, one refused row named
// by line and reason, one suspected duplicate merged, the commit, the cases found in the
// list; the same file again changes nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

const FIXTURE = fileURLToPath(new URL("../fixtures/f0-import.xlsx", import.meta.url));

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "vi-VN" })).newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function upload() {
  await page.goto(`${demo.base}/imports/new`);
  await page.locator("#import-file").setInputFiles(FIXTURE);
  await page.getByRole("button", { name: "Tải lên và xem trước" }).click();
  await page.waitForURL(/\/imports\/uploads\/\d+/);
}

test("an F0 list is imported once, with a fixed mapping, a refusal and a merge", async () => {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.base}/`);

  // The registered person that line 3 of the file may be (the same phone and name).
  // By the API with a token of its own (outside the browser, which keeps its session).
  const api = (path, init = {}) =>
    fetch(`${demo.base}/api/v1${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(init.headers ?? {}) },
    });
  const login = await api("/auth/login", {
    method: "POST",
    body: JSON.stringify({ username: "admin", password: demo.password }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const token = (await login.json()).token;
  const auth = { Authorization: `Bearer ${token}` };
  const created = await api("/persons", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ full_name: "Trịnh Văn Thử", phone: "0987000111", unit: "00001" }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const registered = (await created.json()).id;

  await upload();
  // "Tên người bệnh" is not a header the import knows: every row lacks a name until the
  // column is mapped by hand.
  assert.equal(await page.locator('[data-count="refused"]').innerText(), "3");
  const nameColumn = page.getByLabel("Tên người bệnh");
  await nameColumn.selectOption("full_name");
  await page.getByRole("button", { name: "Áp dụng cách ghép cột" }).click();
  await page.waitForLoadState();

  // One refused row, named by its line, its column and the reason in Vietnamese.
  assert.equal(await page.locator('[data-count="refused"]').innerText(), "1");
  const refused = page.locator("#import-refused tbody tr");
  assert.equal(await refused.count(), 1);
  const cells = await refused.first().locator("td").allInnerTexts();
  assert.deepEqual(cells, ["4", "Xã/Phường", "Không tồn tại."]);
  assert.equal(await page.locator('[data-count="new"]').innerText(), "1");
  assert.equal(await page.locator('[data-count="suspected"]').innerText(), "1");
  await shot(page, "30-import-preview");

  // Line 3 is the registered person: merged.
  const suspected = page.locator("#import-suspected tbody tr");
  assert.equal(await suspected.count(), 1);
  // The registered person is named, and links to their page.
  assert.ok((await suspected.first().innerText()).includes("Trịnh Văn Thử"));
  assert.equal(
    await suspected.first().locator(`a[href="/persons/${registered}"]`).count(),
    1,
  );
  await page.getByLabel("Gộp dòng 3").check();
  await page.getByRole("button", { name: "Ghi vào hệ thống" }).click();
  await page.waitForURL(/\/imports\?done=\d+&written=1/);
  assert.match(await page.locator("p.ok").innerText(), /Đã ghi lần nhập số \d+/);
  assert.equal(await page.locator("#imports tbody tr").count(), 1);

  // The cases are in the list of that day (its export holds the persons' names), and the
  // registered person has the case: no second Trịnh Văn Thử was registered.
  const csv = await (await page.request.get(`${demo.base}/cases/export.csv?from=2021-05-01&to=2021-05-01`)).text();
  assert.ok(csv.includes("Nhập Thử Một"), "the new person's case is listed");
  assert.ok(csv.includes("Trịnh Văn Thử"), "the merged person's case is listed");
  assert.ok(!csv.includes("Nhập Thử Ba"), "the refused row was not written");
  const record = await (await api(`/persons/${registered}`, { headers: auth })).json();
  assert.equal(record.full_name, "Trịnh Văn Thử");
  await page.goto(`${demo.base}/cases?from=2021-05-01&to=2021-05-01`);
  assert.ok((await page.locator("main").innerText()).length > 0);

  // The same file again: the preview says it was imported, offers no commit, and the list
  // of imports is unchanged.
  await upload();
  assert.ok(await page.locator("#import-already").isVisible());
  assert.equal(await page.getByRole("button", { name: "Ghi vào hệ thống" }).count(), 0);
  await shot(page, "31-import-again");
  await page.goto(`${demo.base}/imports`);
  assert.equal(await page.locator("#imports tbody tr").count(), 1);
  const again = await (await page.request.get(`${demo.base}/cases/export.csv?from=2021-05-01&to=2021-05-01`)).text();
  assert.equal(again, csv, "nothing changed");
});
