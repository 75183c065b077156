// Issue #15, item 2: a case entered by form (the line list, in Vietnamese, by keyboard)
// appears in the case list and in the export of that list.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" })).newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("a case entered by form appears in the list and the export", async () => {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.base}/`);

  await page.goto(`${demo.base}/cases`);
  await page.getByRole("link", { name: "Nhập nhiều ca bệnh" }).click();
  await page.waitForURL(/\/cases\/new/);
  assert.equal(await page.locator("h1").innerText(), "Nhập nhiều ca bệnh");

  // Row 1, a new person, field after field by the keyboard. A date in the demo's past.
  const name = `Thử Nghiệm Nhập Liệu ${Date.now() % 100000}`;
  await page.locator("#r0-person_id").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.type(name);
  await page.locator("#r0-birth_date").fill("1980-02-03");
  await page.locator("#r0-phone").focus();
  await page.keyboard.type("0912 000 777");
  // The commune is typed by its name, as the list of the scope's communes offers it.
  // (Filled, not typed key by key: Chromium's suggestion list under the box moves the caret
  // while keys arrive faster than a person types.)
  const commune = await page.locator('datalist#communes option[value*="Quận Ba Đình"]').first().getAttribute("value");
  await page.locator("#r0-unit").fill(commune);
  await page.locator("#r0-sample_at").fill("2021-05-01T07:00");
  await page.locator("#r0-kind").focus();
  await page.keyboard.press("ArrowDown");
  await page.locator("#r0-result_at").fill("2021-05-01T09:00");
  await page.locator("#r0-ct").focus();
  await page.keyboard.type("24,5");
  await page.locator("#r0-severity").focus();
  await page.keyboard.press("ArrowDown");
  // Enter in a select opens it rather than sending the form: the save button sends it.
  await page.locator('button[value="save"]').focus();
  await page.keyboard.press("Enter");

  await page.waitForSelector("p.ok");
  assert.match(await page.locator("p.ok").innerText(), /Đã lưu 1 ca bệnh/);
  const caseHref = await page.locator("main table a[href^='/cases/']").first().getAttribute("href");
  const caseId = caseHref.split("/").pop();
  const personHref = await page.locator("main table a[href^='/persons/']").first().getAttribute("href");
  const person = await (await page.request.get(`${demo.base}/api/v1${personHref}`)).json();
  const unit = person.unit_code;
  await shot(page, "20-case-entered-by-form");

  // The list of that day shows it; the export of the same filter holds the person.
  await page.goto(`${demo.base}/cases?unit=${unit}&from=2021-05-01&to=2021-05-01`);
  assert.ok(await page.locator(`a[href="/cases/${caseId}"]`).count() > 0, "in the list");
  const csv = await (await page.request.get(`${demo.base}/cases/export.csv?unit=${unit}&from=2021-05-01&to=2021-05-01`)).text();
  assert.ok(csv.includes(name), "in the export");
});
