// Issue #17: three linked localities (`chongdich demo --linked`), used by keyboard as their
// staff would. Hà Nội hands a case over to HCMC; HCMC sees the offer in /handovers and
// accepts it; Hà Nội's case then shows it handed over and read-only. Hà Nội shares another
// case with "no identifiers"; HCMC's /shared shows it without the person's name.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { natsServer, startLinkedDemo } from "./linked_server.mjs";
import { launch, shot } from "./browser.mjs";

const NATS = natsServer();
const skip = NATS ? false : "no nats-server found (install Debian's nats-server or set CHONGDICH_NATS_BIN)";
// Messages travel within seconds; a loaded machine may take longer.
const TRAVEL = 60_000;

let demo;
let browser;
const pages = {};

before(async () => {
  if (skip) return;
  demo = await startLinkedDemo({ people: 2000 });
  browser = await launch();
  // One browser context per locality: cookies are kept per host, not per port.
  for (const code of ["01", "79"]) {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "vi-VN" });
    pages[code] = await ctx.newPage();
  }
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function signIn(code) {
  const page = pages[code];
  const { base, password } = demo.localities[code];
  await page.goto(`${base}/login`);
  await page.getByLabel(/Tên đăng nhập/).focus();
  await page.keyboard.type("admin");
  await page.getByLabel(/Mật khẩu/).focus();
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${base}/`);
  return page;
}

/**
 * The n-th case of the list, oldest first (id and the person's name as the list shows it).
 * Oldest: the newest demo cases may carry an isolation time past the demo's clock, which the
 * receiver refuses on acceptance (`isolation_at` out of range; see the report of #17).
 */
async function nthCase(page, base, n) {
  await page.goto(`${base}/cases?sort=oldest`);
  const row = page.locator("main tbody tr").nth(n);
  const id = (await row.locator("td").first().innerText()).trim();
  const name = (await row.locator("td").nth(1).innerText()).trim();
  return { id, name };
}

/** Chooses HCMC (the first partner, codes in order) in a select reached by Tab. */
async function chooseHcmc(page, selector) {
  await page.locator(selector).focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator(selector).inputValue(), "79");
}

/** Reloads `url` until `check(page)` holds (a message on its way). */
async function eventually(page, url, check, what) {
  const until = Date.now() + TRAVEL;
  for (;;) {
    await page.goto(url);
    if (await check(page)) return;
    if (Date.now() > until) throw new Error(`${what}: not within ${TRAVEL / 1000} s`);
    await page.waitForTimeout(1000);
  }
}

test("a case handed over and accepted, another shared without identifiers", { skip, timeout: 600_000 }, async () => {
  const hn = await signIn("01");
  const hcm = await signIn("79");
  const hnBase = demo.localities["01"].base;
  const hcmBase = demo.localities["79"].base;
  const hcmName = demo.localities["79"].name;

  // Hà Nội: open a case and hand it over to HCMC.
  const handed = await nthCase(hn, hnBase, 0);
  await hn.locator(`main a[href="/cases/${handed.id}"]`).first().focus();
  await hn.keyboard.press("Enter");
  await hn.waitForURL(new RegExp(`/cases/${handed.id}$`));
  assert.ok((await hn.locator("#handover-to option").allInnerTexts()).includes(hcmName), "partners by name");
  await chooseHcmc(hn, "#handover-to");
  await hn.keyboard.press("Tab");
  await hn.keyboard.type("Chuyển viện về nơi cư trú");
  await hn.keyboard.press("Tab");
  await hn.keyboard.press("Enter");
  await hn.waitForURL(/done=form-saved/);
  assert.match(await hn.locator("section.linked").innerText(), /Đang chờ .* tiếp nhận/);
  await shot(hn, "40-linked-handover-sent");

  // HCMC: the offer arrives with the person's name; accept it by keyboard.
  await eventually(hcm, `${hcmBase}/handovers`, async (p) => (await p.locator("article.incoming").count()) > 0, "the offer");
  const offer = hcm.locator("article.incoming").filter({ hasText: handed.name }).first();
  assert.match(await offer.innerText(), /Từ Thành phố Hà Nội|Từ /);
  await shot(hcm, "41-linked-offer");
  await offer.getByRole("button", { name: "Tiếp nhận" }).focus();
  await hcm.keyboard.press("Enter");
  await hcm.waitForURL(/\/answer$|\/cases\/\d+/);
  // A refusal stays on the answer's URL: say what it named.
  if (/\/answer$/.test(hcm.url())) assert.fail(`accept refused: ${await hcm.locator("main").innerText()}`);
  await hcm.waitForURL(/\/cases\/\d+\?done=form-saved/);
  assert.match(await hcm.locator("main").innerText(), /Đã lưu/);

  // Hà Nội: the answer comes back; the case is read-only and says who owns it now.
  await eventually(
    hn,
    `${hnBase}/cases/${handed.id}`,
    async (p) => (await p.locator("p.handed-over").count()) > 0,
    "the acceptance",
  );
  const notice = await hn.locator("p.handed-over").innerText();
  assert.ok(notice.includes(hcmName), notice);
  assert.equal(await hn.locator(`form[action="/cases/${handed.id}/status"]`).count(), 0, "read-only");
  assert.equal(await hn.locator(`form[action="/cases/${handed.id}/tests"]`).count(), 0, "read-only");
  await shot(hn, "42-linked-handed-over");

  // Hà Nội: another case shared for view, no identifiers.
  const shared = await nthCase(hn, hnBase, 1);
  await hn.goto(`${hnBase}/cases/${shared.id}`);
  await chooseHcmc(hn, "#share-to");
  await hn.keyboard.press("Tab");
  await hn.keyboard.press("Space");
  assert.ok(await hn.locator('input[name="no_identifiers"]').isChecked());
  await hn.locator("form.share button[type=submit]").focus();
  await hn.keyboard.press("Enter");
  await hn.waitForURL(/done=form-saved/);
  assert.match(await hn.locator("table.shares").innerText(), /Không gửi họ tên/);

  // HCMC: the copy is listed, from Hà Nội, without the name.
  await eventually(hcm, `${hcmBase}/shared`, async (p) => (await p.locator("table.shared tbody tr").count()) > 0, "the shared copy");
  const list = await hcm.locator("main").innerText();
  assert.match(list, /Ẩn danh/);
  assert.ok(!list.includes(shared.name), `the name ${shared.name} was not shared`);
  await hcm.locator("table.shared a").first().focus();
  await hcm.keyboard.press("Enter");
  await hcm.waitForURL(/\/shared\/\d+$/);
  const copy = await hcm.locator("main").innerText();
  assert.ok(!copy.includes(shared.name), "nor on the copy");
  assert.match(copy, /Chỉ để xem/);
  await shot(hcm, "43-linked-shared-copy");
});
