// Issue #15, the daily workbench in a real browser, in Vietnamese, by keyboard where a form is
// involved: a tracer's day (today's calls, two follow-ups and a negative test, a release at the
// end of follow-up), a contact's positive test that makes a case linked to its source, a
// commune officer's own work list, and a transfer refused without a destination.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let demo;
let browser;
let page;
const TRACER_PW = "mật khẩu của người truy vết";
const OFFICER_PW = "mật khẩu của cán bộ phường";

before(async () => {
  demo = await startDemo();
  demo.addUser("truyvet", "tracer", "01", TRACER_PW);
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" })).newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Signs in by keyboard: the two fields typed, Enter to send. */
async function signIn(p, username, password) {
  await p.goto(`${demo.base}/login`);
  await p.getByLabel("Tên đăng nhập").focus();
  await p.keyboard.type(username);
  await p.getByLabel("Mật khẩu").focus();
  await p.keyboard.type(password);
  await p.keyboard.press("Enter");
  await p.waitForURL(`${demo.base}/`);
}

/** The row of contact `id` on a contact list. */
const row = (p, id) => p.locator("tbody tr", { has: p.locator(`input[name="ids"][value="${id}"]`) });

/** Opens the "Ghi nhận" forms of contact `id` by keyboard. */
async function openActions(p, id) {
  await row(p, id).locator("summary").focus();
  await p.keyboard.press("Enter");
}

/** Presses, by keyboard, the submit button of the form posting to `action`. */
async function submit(p, action) {
  await p.locator(`form[action="${action}"] button[type="submit"]`).focus();
  await pressAndLoad(p, "Enter");
}

/** Presses `key` and waits for the page it sends (often the same address, reloaded). */
async function pressAndLoad(p, key) {
  await Promise.all([p.waitForNavigation({ waitUntil: "load" }), p.keyboard.press(key)]);
}

/** Traces, through the case page, cases confirmed on `day` until one records at least `n`
 *  contacts living in the locality; answers the case id and its contacts' ids. */
async function tracedCaseWith(p, day, n) {
  await p.goto(`${demo.base}/cases?from=${day}&to=${day}&sort=oldest`);
  const cases = await p.locator("main table tbody tr td:first-child a").evaluateAll((as) => as.map((a) => a.textContent.trim()));
  for (const id of cases.slice(0, 8)) {
    await p.goto(`${demo.base}/cases/${id}`);
    await submit(p, `/cases/${id}/trace`);
    await p.getByRole("link", { name: "Theo dõi những người tiếp xúc của ca này" }).click();
    await p.waitForURL(new RegExp(`/contacts\\?list=all&case=${id}`));
    const ids = await p.locator('tbody input[name="ids"]').evaluateAll((is) => is.map((i) => i.value));
    if (ids.length >= n) return { caseId: id, ids };
  }
  throw new Error(`no case of ${day} with ${n} local contacts`);
}

test("a tracer finds today's calls, records two follow-ups and a negative test, and releases a contact at the end", async () => {
  await signIn(page, "truyvet", TRACER_PW);
  await page.goto(`${demo.base}/contacts`);
  assert.equal(await page.locator("h1").innerText(), "Người tiếp xúc cần theo dõi");
  assert.equal(await page.locator('nav.tabs [aria-current="page"]').innerText(), "Cần làm hôm nay");
  assert.match(await page.locator('p[role="status"]').first().innerText(), /người tiếp xúc/);
  const id = await page.locator('tbody input[name="ids"]').first().getAttribute("value");
  const name = await row(page, id).locator("td:nth-child(2)").innerText();
  assert.ok(name.length > 0 && !/^\d+$/.test(name), `a name, not a number: ${name}`);
  await shot(page, "30-tracer-due-today");

  // The morning call is not answered: noted, and the contact stays on today's list.
  await openActions(page, id);
  await page.locator(`#n${id}`).focus();
  await page.keyboard.type("Gọi lần 1: không nghe máy");
  await pressAndLoad(page, "Enter");
  await page.waitForURL(/\/contacts\?list=due_today/);
  assert.equal(await row(page, id).count(), 1, "not reached: still to call today");

  // A rapid antigen test, negative.
  await openActions(page, id);
  await page.locator(`#k${id}`).focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator(`#k${id}`).inputValue(), "antigen");
  assert.equal(await page.locator(`#r${id}`).inputValue(), "negative");
  await submit(page, `/contacts/${id}/tests`);
  assert.equal(await row(page, id).locator("text=Thành ca bệnh").count(), 0, "a negative test makes no case");

  // The evening call reaches them, with a temperature.
  await openActions(page, id);
  await page.locator(`form[action="/contacts/${id}/followups"] input[name="reached"]`).focus();
  await page.keyboard.press("Space");
  await page.locator(`#t${id}`).focus();
  await page.keyboard.type("36.8");
  await pressAndLoad(page, "Enter");
  await page.waitForURL(/\/contacts\?list=due_today/);
  const records = await (await page.request.get(`${demo.base}/api/v1/contacts/${id}/followups`)).json();
  assert.deepEqual(records.map((r) => r.reached), [false, true], "two follow-ups, the second reached");
  assert.equal(records[1].temperature, 36.8);
  assert.equal(records[0].note, "Gọi lần 1: không nghe máy");

  // At the end of follow-up: a contact of a case traced from late November, whose follow-up
  // has ended, is reached once more and released.
  const { ids } = await tracedCaseWith(page, "2021-11-24", 1);
  const old = ids[0];
  await openActions(page, old);
  await page.locator(`form[action="/contacts/${old}/followups"] input[name="reached"]`).focus();
  await page.keyboard.press("Space");
  await pressAndLoad(page, "Enter");
  assert.match(await row(page, old).innerText(), /Đang theo dõi sức khỏe/);
  await openActions(page, old);
  await submit(page, `/contacts/${old}/release`);
  assert.match(await row(page, old).innerText(), /Đã kết thúc theo dõi/);
  await shot(page, "31-tracer-released");
});

test("a positive test of a contact makes a new case linked to its source", async () => {
  const { caseId, ids } = await tracedCaseWith(page, "2021-11-23", 1);
  const id = ids[ids.length - 1];
  await openActions(page, id);
  await page.locator(`#r${id}`).focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator(`#r${id}`).inputValue(), "positive");
  await submit(page, `/contacts/${id}/tests`);
  const r = row(page, id);
  assert.match(await r.innerText(), /Đã thành F0/);
  const source = await r.locator("td:nth-child(4) a").getAttribute("href");
  assert.equal(source, `/cases/${caseId}`, "the contact keeps its source case");
  const made = r.getByRole("link", { name: /Thành ca bệnh/ });
  const href = await made.getAttribute("href");
  assert.notEqual(href, source);
  await made.click();
  await page.waitForURL(`${demo.base}${href}`);
  assert.match(await page.locator("h1").innerText(), new RegExp(href.split("/").pop()));
  await shot(page, "32-contact-became-case");
});

test("a commune officer sees only their commune's work list", async () => {
  // The commune of a contact on today's list.
  const due = await (await page.request.get(`${demo.base}/api/v1/contacts/work?list=due_today&limit=1`)).json();
  const commune = due.items[0].unit_code;
  demo.addUser("canbophuong", "commune_officer", commune, OFFICER_PW);
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN" });
  const phone = await ctx.newPage();
  await signIn(phone, "canbophuong", OFFICER_PW);
  await phone.goto(`${demo.base}/contacts`);
  const units = await phone.locator("tbody tr td:nth-child(10)").allInnerTexts();
  assert.ok(units.length > 0, "their commune has calls today");
  assert.equal(new Set(units).size, 1, `one commune only: ${[...new Set(units)]}`);
  // Another commune's contact is not theirs to record.
  const others = await (await page.request.get(`${demo.base}/api/v1/contacts/work?list=due_today&limit=200`)).json();
  const other = others.items.find((c) => c.unit_code !== commune);
  const r = await phone.request.get(`${demo.base}/api/v1/contacts/${other.id}/followups`);
  assert.equal(r.status(), 404);
  await shot(phone, "33-officer-work-list-phone");
  await ctx.close();
});

test("a transfer without a destination is refused", async () => {
  await signIn(page, "admin", demo.password);
  await page.goto(`${demo.base}/facilities`);
  const facilities = await page.locator('main a[href^="/facilities/"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")).filter((h) => /^\/facilities\/\d+$/.test(h)));
  let found = false;
  for (const f of facilities) {
    await page.goto(`${demo.base}${f}`);
    if ((await page.locator('select[name="to"]').count()) > 0) { found = true; break; }
  }
  assert.ok(found, "a facility with someone to move");
  const form = page.locator('form[action$="/transfer"]').first();
  const action = await form.getAttribute("action");
  const here = page.url();
  // Nothing chosen: the browser does not send it.
  await form.locator('button[type="submit"]').focus();
  await page.keyboard.press("Enter");
  assert.equal(page.url(), here);
  assert.equal(await form.locator('select[name="to"]').evaluate((s) => s.validity.valueMissing), true);
  // Sent anyway (a browser that ignores `required`): the server refuses and moves no one.
  await form.locator('select[name="to"]').evaluate((s) => s.removeAttribute("required"));
  await form.locator('button[type="submit"]').focus();
  await pressAndLoad(page, "Enter");
  assert.match(await page.locator('[role="alert"]').innerText(), /Chưa lưu gì/);
  assert.match(await page.locator("ul.refusal").innerText(), /Chuyển đến/);
  assert.equal(await page.locator("text=Xác nhận chuyển cơ sở").count(), 1);
  await page.goto(here);
  assert.equal(await page.locator(`form[action="${action}"]`).count(), 1, "still there");
  await shot(page, "34-transfer-refused");
});

/** The rows of an XLSX file as openpyxl (Debian's python3-openpyxl) reads them. */
function openpyxlRows(bytes) {
  const dir = mkdtempSync(join(tmpdir(), "chongdich-xlsx-"));
  const file = join(dir, "export.xlsx");
  writeFileSync(file, bytes);
  try {
    const script = "import json, sys, openpyxl\n" +
      "ws = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]\n" +
      "print(json.dumps([[('' if c is None else str(c)) for c in r] for r in ws.iter_rows(values_only=True)]))";
    return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file]).toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the case and contact exports open in openpyxl with the filtered page's rows", async () => {
  // A commune by its name without diacritics, on both lists.
  const due = await (await page.request.get(`${demo.base}/api/v1/contacts/work?list=all&limit=1`)).json();
  const unitOf = async (code) => (await page.request.get(`${demo.base}/api/v1/units/2021/${code}`)).json();
  const unit = await unitOf(due.items[0].unit_code);
  const district = await unitOf(unit.parent_code);
  // "phuc xa, ba dinh": as typed on a keyboard without Vietnamese input.
  const typed = `${unit.name_ascii}, ${district.name_ascii}`.toLowerCase();

  await page.goto(`${demo.base}/contacts?list=all&unit=${encodeURIComponent(typed)}`);
  const onPage = await page.locator('tbody input[name="ids"]').evaluateAll((is) => is.map((i) => i.value));
  assert.ok(onPage.length > 0 && onPage.length < 100, `one page of contacts: ${onPage.length}`);
  const href = await page.getByRole("link", { name: "XLSX" }).getAttribute("href");
  const contacts = openpyxlRows(await (await page.request.get(`${demo.base}${href}`)).body());
  assert.equal(contacts[0][0], "Mã người tiếp xúc");
  assert.deepEqual(contacts.slice(1).map((r) => r[0]), onPage, "the same contacts in the same order");
  const names = await page.locator("tbody tr td:nth-child(2)").allInnerTexts();
  assert.deepEqual(contacts.slice(1).map((r) => r[1]), names, "with the names the page shows");

  await page.goto(`${demo.base}/cases?unit=${encodeURIComponent(typed)}&sort=oldest`);
  const cases = await page.locator("main table tbody tr td:first-child a").allInnerTexts();
  assert.ok(cases.length > 0, "the commune has cases");
  const xlsx = await page.getByRole("link", { name: "XLSX" }).getAttribute("href");
  const rows = openpyxlRows(await (await page.request.get(`${demo.base}${xlsx}`)).body());
  assert.equal(rows[0][0], "Mã ca");
  assert.deepEqual(rows.slice(1, 1 + cases.length).map((r) => r[0]), cases, "the same cases in the same order");
});
