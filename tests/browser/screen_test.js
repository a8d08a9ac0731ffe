// The big screen in headless chromium: opened with the screen token, it shows
// the right counts, changes within 1 s of a command being recorded (no
// reload), ranks the units right, renders its Chinese with CJK glyphs, and
// the screen token reads nothing else. Keeps a screenshot (screen.png).
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const {artifactsDir, check, cli, equal, must, run, token} = require("./harness");

const P1 = "2026-530115-70-01-000001";
const P2 = "2026-530115-70-01-000002";

function register(server, code, name, leadUnit) {
  return must(server, "office", [
    "project", "register", code, `info.name=${name}`, "info.level=district",
    "info.owner=示例企业", "info.total_investment_yuan=3000000000", "info.plan_year=2026",
    "info.annual_plan_yuan=600000000", "info.responsible_leader=张副区长",
    `info.lead_unit=${leadUnit}`, "info.lead_person=李四"]);
}

function task(server, id, code, title, unit, due) {
  return must(server, "office", [
    "task", "create", id, `project_code=${code}`, `title=${title}`, `responsible_units=${unit}`,
    "responsible_leader=张副区长", "deadline.rule.kind=fixed_date", `deadline.rule.fixed_date=${due}`]);
}

// The status a WebSocket upgrade of /screen/ws gets with these headers (101: accepted).
function upgrade(address, headers) {
  return new Promise((resolve, reject) => {
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), address.slice(address.lastIndexOf(":") + 1)];
    const request = http.request({host, port, path: "/screen/ws", headers: {
      Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers}});
    request.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("error", reject);
    request.end();
  });
}

// What the page shows now, read from the DOM (not from the snapshot).
function shown(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    const kinds = {};
    for (const row of document.querySelectorAll("#kinds tr[data-kind]")) {
      kinds[row.dataset.kind] = [...row.cells].slice(1).map((c) => Number(c.textContent));
    }
    return {
      red: Number(text("count-red")), yellow: Number(text("count-yellow")),
      green: Number(text("count-green")), kinds,
      ranking: [...document.querySelectorAll("#ranking tr[data-unit]")].map(
        (r) => [...r.cells].map((c) => c.textContent)),
      overdueTotal: Number(text("overdue-total")),
      overdue: [...document.querySelectorAll("#overdue-list tr")].map(
        (r) => [...r.cells].map((c) => c.textContent)),
      snapshots: window.__screen.snapshots,
      receivedAt: window.__screen.receivedAt,
      project: document.getElementById("project").dataset.code,
    };
  });
}

// Waits (at most `ms`) until the DOM satisfies `want`; returns what it showed.
async function waitFor(page, want, ms) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    last = await shown(page);
    if (want(last) || Date.now() > until) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Delays to the screen's update, from the command's acknowledgement (the
// CLI's return; the screen may be faster than the CLI's exit: 0) and from its
// start (the CLI started, an upper bound).
const delays = [], fromStart = [];
// Runs a command and checks the screen reflects it within 1 s.
async function recorded(page, server, who, args, want, what) {
  const before = (await shown(page)).snapshots;
  const started = Date.now();
  const r = await must(server, who, args);
  const s = await waitFor(page, (s) => s.snapshots > before && want(s), 2000);
  const delay = Math.max(0, s.receivedAt - r.ackedAt);
  delays.push(delay);
  fromStart.push(s.receivedAt - started);
  check(want(s) && delay <= 1000, `${what}: the screen shows it ${delay} ms after the ack`, s);
  return s;
}

run("2026-03-02", async (server, browser) => {
  const base = `http://${server.http}`;
  await register(server, P1, "晋宁吾悦广场项目", "区自然资源局");
  await register(server, P2, "滇池东岸污水处理厂", "区住建局");
  await task(server, "t-kunyang", P1, "5号地块征地拆迁", "昆阳街道办", "2026-03-20");
  await task(server, "t-zhujian", P1, "施工图审查", "区住建局", "2026-03-20");
  await task(server, "t-jiaotong", P2, "进场道路建设", "区交通局", "2026-03-13");

  const page = await browser.newPage();
  await page.setViewport({width: 1920, height: 1080});
  // The token once in the address; the server puts it in a cookie and redirects.
  const response = await page.goto(`${base}/screen?token=${token("screen")}`);
  equal(response.status(), 200, "the screen opens with the screen token");
  equal(new URL(page.url()).search, "", "the token leaves the address bar");
  let s = await waitFor(page, (s) => s.snapshots > 0, 3000);
  // Two projects (green at registration) and three open tasks, all green.
  equal([s.red, s.yellow, s.green], [0, 0, 5], "initial counts by light (red, yellow, green)");
  equal(s.kinds.project, [0, 0, 2, 2], "projects by light");
  equal(s.kinds.task, [0, 0, 3, 3], "tasks by light");
  equal(s.overdueTotal, 0, "nothing overdue at first");

  // A unit finishes its task on time: one green item fewer, and it leads the ranking.
  s = await recorded(page, server, "kunyang",
                     ["task", "complete", "t-kunyang", "text=征地拆迁完成"],
                     (s) => s.green === 4, "a task completed on time");
  equal(s.ranking.map((r) => r[1]), ["昆阳街道办", "区交通局", "区住建局"],
        "ranking after one completion (finished first, then by name)");
  equal(s.ranking[0].slice(2, 4), ["100.00%", "1"], "the first unit's on-time rate and count");

  // Twelve days on (14 March): 区交通局's task, due 13 March, is overdue and red.
  s = await recorded(page, server, "admin", ["clock", "advance", "12d"],
                     (s) => s.red === 1 && s.overdueTotal === 1, "the clock passes a limit");
  equal(s.kinds.task, [1, 0, 1, 2], "tasks by light after the limit");
  equal(s.overdue.length, 1, "one row in the overdue list");
  equal(s.overdue[0].slice(0, 4), ["任务", "滇池东岸污水处理厂", "进场道路建设", "区交通局"],
        "the overdue row: kind, project, task, unit (in Chinese)");
  equal(s.overdue[0][4], "逾期1天", "days overdue");
  // The screen with a red light and an overdue row, as a test artifact.
  fs.mkdirSync(artifactsDir, {recursive: true});
  const shot = path.join(artifactsDir, "screen.png");
  await page.screenshot({path: shot});
  check(fs.statSync(shot).size > 10000, `screenshot kept in ${shot}`);

  // 区住建局 completes on time too; 区交通局, late, is last.
  s = await recorded(page, server, "zhujian", ["task", "complete", "t-zhujian", "text=审查通过"],
                     (s) => s.green === 2, "a second task completed");
  // A day later: 区交通局 completes, late.
  await must(server, "admin", ["clock", "advance", "1d"]);
  s = await recorded(page, server, "jiaotong", ["task", "complete", "t-jiaotong", "text=已完工"],
                     (s) => s.red === 0 && s.overdueTotal === 0, "a late task completed");
  equal(s.ranking.map((r) => [r[1], r[2], r[3], r[4]]),
        [["区住建局", "100.00%", "1", "0"], ["昆阳街道办", "100.00%", "1", "0"],
         ["区交通局", "0.00%", "1", "0"]],
        "ranking: on-time rate first, then by name");

  // Chinese renders with CJK glyphs: two different characters draw differently
  // (a missing font draws the same box for both), and four of them are four
  // em wide.
  const glyphs = await page.evaluate(() => {
    const el = document.getElementById("title");
    const style = getComputedStyle(el);
    const canvas = document.createElement("canvas");
    canvas.width = 200;
    canvas.height = 100;
    const g = canvas.getContext("2d");
    g.font = `${style.fontSize} ${style.fontFamily}`;
    const draw = (t) => {
      g.clearRect(0, 0, 200, 100);
      g.fillText(t, 0, 80);
      return canvas.toDataURL();
    };
    const range = document.createRange();
    range.selectNodeContents(el);
    return {
      distinct: draw("督") !== draw("办") && draw("督") !== draw("\u{10FFFD}"),
      em: parseFloat(style.fontSize),
      width: g.measureText("重点项目").width,
      text: el.textContent,
      cjkFont: document.fonts.check(`${style.fontSize} "Noto Sans CJK SC"`, "重点项目"),
    };
  });
  equal(glyphs.text, "重点项目推进情况", "the title's text");
  check(glyphs.distinct, "Chinese characters render as distinct glyphs", glyphs);
  check(Math.abs(glyphs.width - 4 * glyphs.em) < 0.5, "four CJK characters are four em wide", glyphs);
  check(glyphs.cjkFont, "the CJK font is available to the page", glyphs);

  // The carousel moves on by itself.
  const first = (await shown(page)).project;
  const moved = await waitFor(page, (s) => s.project !== first, 7000);
  check(moved.project !== first && [P1, P2].includes(moved.project), "the carousel shows the next project", moved.project);


  // The screen token reads the screen only: not the office page, not gRPC.
  const office = await browser.newPage();
  await office.setExtraHTTPHeaders({Authorization: `Bearer ${token("screen")}`});
  const refused = await office.goto(`${base}/`);
  equal(refused.status(), 403, "the office page refuses the screen token");
  const project = await office.goto(`${base}/project/${P1}`);
  equal(project.status(), 403, "a project's page refuses the screen token");
  const grpc = await cli(server, "screen", ["task", "list"]);
  check(grpc.code !== 0 && /screen/.test(grpc.stderr + grpc.stdout), "gRPC refuses the screen token",
        grpc.stderr + grpc.stdout);
  const bad = await fetch(`${base}/screen?token=not-a-token-at-all`, {redirect: "manual"});
  equal(bad.status, 401, "an unknown token opens no screen");
  const none = await fetch(`${base}/screen/snapshot`);
  equal(none.status, 401, "no token, no figures");
  const bearer = {Authorization: `Bearer ${token("screen")}`};
  const exported = await fetch(`${base}/export/projects.csv`, {headers: bearer});
  equal(exported.status, 403, "the screen token exports nothing");
  equal(await upgrade(server.http, bearer), 101, "a program opens the feed with the token");
  equal(await upgrade(server.http, {...bearer, Origin: `http://${server.http}`}), 101,
        "the screen's own page opens the feed");
  equal(await upgrade(server.http, {...bearer, Origin: "http://elsewhere.example"}), 403,
        "a page of another site may not open the feed");
  equal(await upgrade(server.http, {}), 401, "no token, no feed");

  const summary = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `p50 ${sorted[Math.floor((sorted.length - 1) / 2)]} ms, max ${sorted[sorted.length - 1]} ms ` +
           `(${xs.join(", ")})`;
  };
  console.log(`screen update after a command's ack: ${summary(delays)}; after its start: ${summary(fromStart)}`);
});
