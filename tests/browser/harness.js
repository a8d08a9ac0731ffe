// What the browser tests share: a taizhangd of their own (port 0, a temporary
// directory, a manual clock, the shipped policies, a tokens file with one
// token per role), the CLI as any of those tokens, and Debian's chromium
// driven by puppeteer-core (which downloads no browser).
//
// Usage: node <test>.js TAIZHANGD TAIZHANG POLICIES_DIR ARTIFACTS_DIR
"use strict";

const {spawn, execFile} = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");

let puppeteer;
try {
  puppeteer = require("puppeteer-core");
} catch (e) {
  console.error("puppeteer-core is not installed in tests/browser/node_modules: run deploy/install-deps.sh");
  process.exit(1);
}

const [taizhangd, taizhang, policiesDir, artifactsDir] = process.argv.slice(2);
if (!taizhangd || !taizhang || !policiesDir || !artifactsDir) {
  console.error("usage: node TEST.js TAIZHANGD TAIZHANG POLICIES_DIR ARTIFACTS_DIR");
  process.exit(2);
}

const TOKENS = {
  office: ["supervision", "督查室", "supervision-browser-0123456789"],
  admin: ["admin", "信息中心", "admin-browser-0123456789abc"],
  screen: ["screen", "大厅大屏", "screen-browser-0123456789ab"],
  leader: ["leader", "张副区长", "leader-browser-0123456789ab"],
  kunyang: ["department", "昆阳街道办", "kunyang-browser-0123456789"],
  zhujian: ["department", "区住建局", "zhujian-browser-0123456789"],
  jiaotong: ["department", "区交通局", "jiaotong-browser-012345678"],
};

function token(who) {
  return TOKENS[who][2];
}

// Starts taizhangd; resolves {grpc, http, stop()} once both addresses are printed.
async function startServer(start) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taizhang-browser-"));
  const tokens = Object.values(TOKENS)
    .map(([role, unit, t]) => `token { token: "${t}" role: "${role}" unit: "${unit}" }`)
    .join("\n");
  fs.writeFileSync(path.join(dir, "tokens.textproto"), tokens + "\n", {mode: 0o600});
  const child = spawn(
    taizhangd,
    ["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir", path.join(dir, "data"),
     "--tokens", path.join(dir, "tokens.textproto"), "--clock", "manual", "--start", start,
     "--policies-dir", policiesDir, "--log-level", "warn"],
    {stdio: ["ignore", "pipe", "pipe"]});
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const lines = readline.createInterface({input: child.stdout});
  const addresses = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error("taizhangd did not start:\n" + stderr)), 15000);
    lines.on("line", (line) => {
      let m = /^listening on (\S+)/.exec(line);
      if (m) found.grpc = m[1];
      m = /^http on (\S+)/.exec(line);
      if (m) found.http = m[1];
      if (found.grpc && found.http) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on("exit", (code) => reject(new Error(`taizhangd exited ${code}:\n${stderr}`)));
  });
  return {
    ...addresses,
    dir,
    logs: () => stderr,
    stop: () => new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.on("exit", () => {
        fs.rmSync(dir, {recursive: true, force: true});
        resolve();
      });
      child.kill("SIGTERM");
    }),
  };
}

// Runs the CLI as `who`; resolves {code, stdout, stderr, ackedAt} (ackedAt:
// Date.now() when the CLI returned, i.e. after the server acknowledged).
function cli(server, who, args) {
  return new Promise((resolve) => {
    execFile(taizhang, ["--server", server.grpc, "--token", token(who), ...args],
             {timeout: 15000}, (error, stdout, stderr) => {
               resolve({code: error ? (error.code ?? 1) : 0, stdout, stderr, ackedAt: Date.now()});
             });
  });
}

// The CLI, which must succeed.
async function must(server, who, args) {
  const r = await cli(server, who, args);
  if (r.code !== 0) {
    throw new Error(`taizhang ${args.join(" ")} (as ${who}) failed (${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r;
}

async function browser() {
  return puppeteer.launch({
    executablePath: process.env.TAIZHANG_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"],
  });
}

let failures = 0;
function check(condition, what, detail) {
  if (condition) {
    console.log(`ok   ${what}`);
  } else {
    failures += 1;
    console.log(`FAIL ${what}${detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
  }
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  check(a === e, what, a === e ? undefined : {actual, expected});
}

// Runs `body` with a server and a browser, stopping both; exits 1 on any failure.
async function run(start, body) {
  let server, chromium;
  const deadline = setTimeout(() => {
    console.log("FAIL the test took more than 60 s");
    process.exit(1);
  }, 60000);
  try {
    server = await startServer(start);
    chromium = await browser();
    await body(server, chromium);
  } catch (e) {
    failures += 1;
    console.log("FAIL " + (e.stack || e));
    if (server) console.log("server log:\n" + server.logs());
  } finally {
    if (chromium) await chromium.close();
    if (server) await server.stop();
    clearTimeout(deadline);
  }
  console.log(failures === 0 ? "PASS" : `${failures} FAILED`);
  process.exit(failures === 0 ? 0 : 1);
}

module.exports = {artifactsDir, check, cli, equal, must, run, token};
