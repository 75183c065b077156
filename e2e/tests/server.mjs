// Starts `chongdich demo` on a fresh SQLite file and a free port, and stops it afterwards.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const targetDir = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, ".cache/chongdich-target");
export const BIN = process.env.CHONGDICH_BIN ?? join(targetDir, "debug/chongdich");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Builds the demo locality, serves it, and resolves when it answers. */
export async function startDemo({ people = 50000, province = "01" } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "chongdich-e2e-"));
  const db = `sqlite://${join(dir, "demo.db")}`;
  const port = await freePort();
  const child = spawn(BIN, ["demo", "--db", db, "--addr", `127.0.0.1:${port}`, "--people", String(people), "--province", province], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 180_000);
    const onData = (chunk) => {
      out += chunk.toString();
      const pw = out.match(/administrator: admin \/ (\S+)/);
      if (pw && /serving on http:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve(pw[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${out}`)));
  });
  const password = await ready;
  return {
    base: `http://127.0.0.1:${port}`,
    db,
    password,
    /** Adds an account with the CLI, as an administrator would. */
    addUser(username, role, unit, pw) {
      execFileSync(BIN, ["user", "add", "--db", db, "--username", username, "--role", role, "--unit", unit], {
        input: `${pw}\n`,
      });
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
