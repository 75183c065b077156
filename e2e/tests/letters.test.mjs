// Issue #17, "What travels" 4: a thank-you letter for help that was not a gift, recorded by
// keyboard on the single demo locality to "another partner", then seen in the letters list.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo({ people: 2000 });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("a help letter to another partner is recorded by keyboard and listed", async () => {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.base}/`);

  // From the aid page to the letters, then the form.
  await page.goto(`${demo.base}/aid`);
  await page.getByRole("link", { name: "Thư cảm ơn" }).click();
  await page.waitForURL(`${demo.base}/aid/letters`);
  await page.getByRole("link", { name: "Ghi thư cảm ơn" }).click();
  await page.waitForURL(`${demo.base}/aid/letters/new`);

  // By keyboard only: focus the first field, then Tab from field to field.
  const to = page.getByLabel("Gửi đến");
  await to.focus();
  assert.equal(await to.inputValue(), "", "another partner is chosen when none is given");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Đại sứ quán Nhật Bản");
  await page.keyboard.press("Tab");
  // The kind: "help" is the default; choose it again by keyboard.
  assert.equal(await page.getByLabel("Cảm ơn về").inputValue(), "help");
  // The gift number stays empty and the date today (a date field takes Tab per part, so
  // the subject is focused directly).
  await page.getByLabel("Trích yếu").focus();
  await page.keyboard.type("Cảm ơn vắc-xin và thiết bị y tế");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Xin chân thành cảm ơn Chính phủ và nhân dân Nhật Bản đã hỗ trợ.");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Chủ tịch UBND thành phố");
  await page.keyboard.press("Enter");

  await page.waitForURL(`${demo.base}/aid/letters?saved=1`);
  assert.match(await page.getByRole("status").innerText(), /Đã ghi thư cảm ơn/);
  const row = page.locator("table.letters tbody tr").first();
  const cells = await row.locator("td").allInnerTexts();
  assert.equal(cells[1], "Đã gửi");
  assert.equal(cells[2], "Đại sứ quán Nhật Bản");
  assert.equal(cells[3], "Chi viện (không phải quà tặng)");
  assert.match(cells[4], /Cảm ơn vắc-xin và thiết bị y tế/);
  assert.equal(cells[5], "Chủ tịch UBND thành phố");
  await shot(page, "40-letters");
});
