// The office's working rhythm in headless chromium: the office page lists the
// open and overdue decided matters by unit, each meeting series' latest
// meeting with its missed weeks, and the month's visits per person; the
// screen shows the matters' line and updates it when a matter is done.
"use strict";

const {check, equal, must, run, token} = require("./harness");

const P1 = "2026-530115-70-01-000001";

// Two matters: 区住建局's within 2 working days (due Tuesday 11-10), 昆阳街道办's
// by 11-30.
const MATTERS = JSON.stringify({matters: [
  {text: "完成5号地块清表", responsibleUnits: ["区住建局"], limit: {kind: "WORKING_DAYS", n: 2}},
  {text: "办理施工许可", responsibleUnits: ["昆阳街道办"],
   limit: {kind: "FIXED_DATE", fixedDate: "2026-11-30"}},
]});

function table(page, id, key) {
  return page.$$eval(`#${id} tr[data-${key}]`,
                     (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
}

run("2026-11-02", async (server, browser) => {
  const base = `http://${server.http}`;
  await must(server, "office", [
    "project", "register", P1, "info.name=晋宁吾悦广场项目", "info.level=district",
    "info.owner=示例企业", "info.total_investment_yuan=3000000000", "info.plan_year=2026",
    "info.annual_plan_yuan=0", "info.responsible_leader=张副区长", "info.lead_unit=区住建局"]);
  await must(server, "office", ["series", "declare", "hl-weekly", "name=全区重点项目建设周调度会",
                                "rhythm_policy=hualong-weekly-friday", "chair=区长"]);
  // Friday 11-06: the weekly meeting and its two matters.
  await must(server, "admin", ["clock", "set", "2026-11-06"]);
  await must(server, "office", ["meeting", "record", "w45", "kind=weekly_dispatch",
                                "series_id=hl-weekly", "title=第45周调度会", "--body", MATTERS]);
  // Visits in November: the leader's own, and one the office keys in for a
  // service contact; one in October does not count for November.
  await must(server, "leader", ["project", "visit", P1, "findings=现场协调用地"]);
  await must(server, "office", ["project", "visit", P1, "visitor=李镇长", "findings=了解用电报装"]);
  await must(server, "leader", ["project", "visit", P1, "findings=再次协调"]);
  // Monday 11-16: week 11-09..11-15 had no meeting; 区住建局's matter is overdue.
  await must(server, "admin", ["clock", "set", "2026-11-16"]);

  const page = await browser.newPage();
  await page.authenticate({username: "督查室", password: token("office")});
  const response = await page.goto(`${base}/`);
  equal(response.status(), 200, "the office page opens");
  equal(await page.$eval("#matters-open", (e) => e.textContent), "2", "two matters open");
  equal(await page.$eval("#matters-overdue", (e) => e.textContent), "1", "one of them overdue");
  const units = await table(page, "matter-units", "unit");
  equal(units.map((u) => u.slice(0, 3)), [["区住建局", "1", "1"], ["昆阳街道办", "1", "0"]],
        "the matters by unit, the overdue unit first");
  check(units[0][3].includes("完成5号地块清表") && units[0][3].includes("限2026-11-10") &&
        units[0][3].includes("已逾期"), "the overdue matter named with its meeting and limit", units[0][3]);
  check(units[1][3].includes("第45周调度会 2026-11-06"), "the meeting named", units[1][3]);
  const overdueCell = await page.$eval("#matter-units tr[data-unit='区住建局'] td:nth-child(3)",
                                       (td) => td.className);
  equal(overdueCell, "red", "an overdue count is marked red");

  const series = await table(page, "series", "id");
  equal(series.length, 1, "one series");
  equal(series[0].slice(0, 5), ["全区重点项目建设周调度会", "每周五", "1", "第45周调度会", "2026-11-06"],
        "the series with its latest meeting");
  equal(series[0][5], "共2项，办结0项，未办结2项", "the latest meeting's matters");
  equal(series[0][6], "2026-11-09至2026-11-15", "the missed week");
  equal(series[0][7], "2026-11-16至2026-11-22（尚未召开）", "this week, not held yet");

  const visits = await table(page, "visit-persons", "person");
  equal(visits.map((v) => [v[0], v[2], v[3]]), [["张副区长", "2", "1"], ["李镇长", "1", "1"]],
        "the month's visits per person, most first");
  equal(visits[0][1], "分包领导", "the leader's capacity, in Chinese");
  equal(await page.$eval("#visits-total", (e) => e.textContent), "3", "three visits this month");

  // The screen's matters line, updated when 区住建局 completes its matter.
  const screen = await browser.newPage();
  equal((await screen.goto(`${base}/screen?token=${token("screen")}`)).status(), 200, "the screen opens");
  await screen.waitForFunction(() => window.__screen.snapshots > 0, {timeout: 5000});
  const line = () => screen.$eval("#matters-line", (e) => e.textContent);
  equal(await line(), "会议商定事项 2 项：已办结 0 项（按时 0 项），未办结 2 项（逾期 1 项）",
        "the screen's matters line");
  await must(server, "zhujian", ["task", "complete", "matter-w45-1", "text=清表完成"]);
  await screen.waitForFunction(
      () => document.getElementById("matters-line").textContent.includes("已办结 1 项"), {timeout: 5000});
  equal(await line(), "会议商定事项 2 项：已办结 1 项（按时 0 项），未办结 1 项（逾期 0 项）",
        "the line after the late matter is done");
});
