// Issue #19, clusters in a real browser on the default demo, as the administrator: the
// largest cluster's graph is drawn whole (up to 2,000 cases), zooms with the keyboard and
// a node opens its case; the cluster is named and declared (the name shows in the list); a
// link added to a case of another cluster merges it, and the other cluster's old number
// leads here with a notice; the cluster is closed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let demo;
let browser;
let page;
let token;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" })).newPage();
  const r = await fetch(`${demo.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: demo.password }),
  });
  ({ token } = await r.json());
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function api(path) {
  const r = await fetch(`${demo.base}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}

async function signIn(p, username, password) {
  await p.goto(`${demo.base}/login`);
  await p.getByLabel("Tên đăng nhập").fill(username);
  await p.getByLabel("Mật khẩu").fill(password);
  await Promise.all([p.waitForURL(`${demo.base}/`), p.keyboard.press("Enter")]);
}

/** Submits the form posting to `action` and waits for the page it leads to. */
async function submit(p, action) {
  await Promise.all([
    p.waitForNavigation({ waitUntil: "load" }),
    p.locator(`form[method="post"][action="${action}"] button[type="submit"]`).click(),
  ]);
}

test("the largest cluster: its graph, a case in it, named, declared, a link corrected, closed", async () => {
  const { items } = await api("/clusters");
  assert.ok(items.length >= 2, "the demo has clusters");
  const largest = items[0];
  const other = items.find((c) => c.id !== largest.id && c.cases.length > 0);
  assert.ok(largest.size >= other.size);

  await signIn(page, "admin", demo.password);
  await page.goto(`${demo.base}/clusters`);
  // The list is largest first: its first row is the largest cluster.
  const first = page.locator("main table tbody tr").first().locator("a");
  assert.match(await first.getAttribute("href"), new RegExp(`^/clusters/${largest.id}$`));
  await Promise.all([page.waitForURL(`${demo.base}/clusters/${largest.id}`), first.click()]);

  // Every case is drawn (the cut is 2,000), each a link to its case with a title.
  const svg = page.locator("svg.graph[data-zoom]");
  const drawn = await svg.locator("a circle").count();
  assert.equal(drawn, Math.min(largest.cases.length, 2000));
  if (largest.cases.length > 2000) await page.getByText("sơ đồ vẽ 2000 ca").waitFor();
  await shot(page, "clusters-largest");

  // Zoom by keyboard on the focused graph: the viewBox narrows; the buttons show with JS.
  const before = await svg.getAttribute("viewBox");
  await svg.focus();
  await page.keyboard.press("+");
  const zoomed = await svg.getAttribute("viewBox");
  assert.notEqual(zoomed, before);
  assert.ok(Number(zoomed.split(" ")[2]) < Number(before.split(" ")[2]), "narrower: zoomed in");
  await page.keyboard.press("ArrowRight");
  assert.notEqual(await svg.getAttribute("viewBox"), zoomed, "the arrows pan");
  await page.getByRole("button", { name: "Về ban đầu" }).click();
  assert.equal(await svg.getAttribute("viewBox"), before);

  // Find a case in the graph: the first drawn node (top left, in view) opens its case.
  const node = svg.locator("a").first();
  const href = await node.getAttribute("href");
  const caseId = Number(href.split("/").pop());
  assert.ok(largest.cases.includes(caseId), "a case of this cluster");
  assert.match(await node.locator("title").textContent(), new RegExp(`^Ca ${caseId}, xác nhận`));
  await Promise.all([page.waitForURL(`${demo.base}/cases/${caseId}`), node.locator("circle").click()]);
  await shot(page, "clusters-case-from-graph");

  // Name and declare it; the name shows in the list.
  const days = Object.keys(largest.growth).sort();
  const [firstDay, lastDay] = [days[0], days[days.length - 1]];
  await page.goto(`${demo.base}/clusters/${largest.id}`);
  await page.locator("#c-name").fill("Ổ dịch chợ thử nghiệm");
  await page.locator("#c-declared").fill(firstDay);
  await submit(page, `/clusters/${largest.id}`);
  await page.getByRole("heading", { name: `Ổ dịch số ${largest.id} — Ổ dịch chợ thử nghiệm` }).waitFor();
  await page.goto(`${demo.base}/clusters`);
  await page.getByRole("link", { name: `Ổ dịch số ${largest.id} — Ổ dịch chợ thử nghiệm` }).waitFor();
  await shot(page, "clusters-named");

  // Correct a link: a case of this cluster to a case of another; the two merge, and the
  // other's old number leads here with the notice.
  await page.goto(`${demo.base}/clusters/${largest.id}`);
  await page.locator("#l-action").selectOption("add");
  await page.locator("#l-from").fill(String(largest.cases[0]));
  await page.locator("#l-to").fill(String(other.cases[0]));
  await page.locator("#l-reason").fill("Cùng ca làm ở chợ, xác minh qua điện thoại");
  await submit(page, `/clusters/${largest.id}/links`);
  await page.goto(`${demo.base}/clusters/${other.id}`);
  await page.waitForURL(`${demo.base}/clusters/${largest.id}?merged=${other.id}`);
  await page.getByText(`Ổ dịch số ${other.id} đã được gộp vào ổ dịch này`).waitFor();
  await shot(page, "clusters-merged");
  const merged = await api(`/clusters/${largest.id}`);
  assert.ok((merged.cluster ?? merged).cases.includes(other.cases[0]), "the other cluster's case is here now");

  // Close it: the status says when it ended.
  await page.goto(`${demo.base}/clusters/${largest.id}`);
  await page.locator("#c-closed").fill(lastDay);
  await submit(page, `/clusters/${largest.id}`);
  const [y, m, d] = lastDay.split("-");
  await page.getByText(`Kết thúc ngày ${d}/${m}/${y}`).first().waitFor();
  await shot(page, "clusters-closed");
});
