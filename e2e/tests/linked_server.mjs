// Starts `chongdich demo --linked` (three linked localities through a NATS server it starts)
// on a fresh directory and three consecutive free ports, and stops it afterwards.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

import { BIN } from "./server.mjs";

/** The nats-server the demo would start (as `demo_linked::nats_server` looks), or null. */
export function natsServer() {
  const set = process.env.CHONGDICH_NATS_BIN;
  if (set) return existsSync(set) ? set : null;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin"];
  return dirs.map((d) => join(d, "nats-server")).find((p) => p && existsSync(p)) ?? null;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A port whose next two are free too (the demo serves on --addr and the next two). */
async function freePorts() {
  for (let i = 0; i < 50; i++) {
    const start = 20000 + Math.floor(Math.random() * 30000);
    if ((await portFree(start)) && (await portFree(start + 1)) && (await portFree(start + 2))) return start;
  }
  throw new Error("no three consecutive free ports");
}

async function answers(base) {
  try {
    const r = await fetch(`${base}/login`);
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Builds the three linked localities, serves them, and resolves when each answers:
 * `{ localities: { "01": { base, name, password }, "79": …, "LA-VT": … }, stop() }`.
 * The demo prints one line per locality: code, name, address and `admin / <password>`.
 */
export async function startLinkedDemo({ people = 2000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "chongdich-linked-e2e-"));
  const port = await freePorts();
  const child = spawn(
    BIN,
    ["demo", "--linked", "--linked-dir", dir, "--addr", `127.0.0.1:${port}`, "--people", String(people)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const localities = {};
  const listed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`linked demo did not start:\n${out}`)), 300_000);
    const onData = (chunk) => {
      out += chunk.toString();
      for (const m of out.matchAll(/^(\S+)\s+(.+?)\s+(http:\/\/\S+)\/\s+admin \/ (\S+)/gm)) {
        localities[m[1]] = { name: m[2], base: m[3], password: m[4] };
      }
      if (Object.keys(localities).length === 3) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`linked demo exited with ${code}:\n${out}`)));
  });
  await listed;
  // The lines are printed just before the servers bind: wait until each answers.
  for (const l of Object.values(localities)) {
    const until = Date.now() + 60_000;
    while (!(await answers(l.base))) {
      if (Date.now() > until) throw new Error(`${l.base} does not answer:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    localities,
    output: () => out,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
