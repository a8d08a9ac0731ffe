// The office page in headless chromium: the lists and their filters (the
// List RPCs' semantics and read scope), a bad filter's clear error, and a
// project's page with its cases, tasks, problems, slips and history.
"use strict";

const {check, equal, must, run, token} = require("./harness");

const P1 = "2026-530115-70-01-000001";  // 晋宁区
const P2 = "2026-530112-70-01-000002";  // 西山区

function rows(page, table) {
  return page.$$eval(`#${table} tr[data-id], #${table} tr[data-code]`,
                     (rs) => rs.map((r) => r.dataset.id || r.dataset.code));
}

async function submit(page, fields) {
  await page.evaluate((fields) => {
    const form = document.getElementById("filters");
    for (const [name, value] of Object.entries(fields)) {
      const el = form.elements[name];
      if (el.type === "checkbox") el.checked = value;
      else el.value = value;
    }
  }, fields);
  const [response] = await Promise.all([page.waitForNavigation(), page.click("#filters button")]);
  return response;
}

run("2026-03-02", async (server, browser) => {
  const base = `http://${server.http}`;
  for (const [code, name, unit, leader] of [[P1, "晋宁吾悦广场项目", "区自然资源局", "张副区长"],
                                             [P2, "西山污水处理厂", "区住建局", "王副区长"]]) {
    await must(server, "office", [
      "project", "register", code, `info.name=${name}`, "info.level=district", "info.owner=示例企业",
      "info.total_investment_yuan=3000000000", "info.plan_year=2026",
      "info.annual_plan_yuan=600000000", `info.responsible_leader=${leader}`,
      `info.lead_unit=${unit}`]);
  }
  const task = (id, code, title, unit, due) => must(server, "office", [
    "task", "create", id, `project_code=${code}`, `title=${title}`, `responsible_units=${unit}`,
    "deadline.rule.kind=fixed_date", `deadline.rule.fixed_date=${due}`]);
  await task("t-plot5", P1, "5号地块征地拆迁", "昆阳街道办", "2026-03-06");
  await task("t-permit", P1, "规划许可证发证", "区自然资源局", "2026-04-30");
  await task("t-pipe", P2, "管网迁改", "区住建局", "2026-04-30");
  await must(server, "office", ["problem", "raise", "pb-civil", `project_code=${P1}`,
                                "title=人防工程申报受阻", "source.kind=inspection", "source.name=督查室"]);
  await must(server, "office", ["problem", "assign", "pb-civil", "unit=区住建局", "measures=3月底前完成申报",
                                "limit.kind=fixed_date", "limit.fixed_date=2026-03-31"]);
  // A week on, the plot-5 task is red and overdue; the office raises a notice by hand.
  await must(server, "admin", ["clock", "advance", "7d"]);
  await must(server, "office", ["task", "raise-rung", "t-plot5", "issues=supervision_notice",
                                "rectification_working_days=3", "document_number=督办〔2026〕3号"]);

  const page = await browser.newPage();
  await page.authenticate({username: "督查室", password: token("office")});
  let response = await page.goto(`${base}/`);
  equal(response.status(), 200, "the office page opens with the office's token");
  equal(await rows(page, "projects"), [P2, P1], "every project listed (by code within a light)");
  equal((await rows(page, "tasks"))[0], "t-plot5", "the red task first");
  equal((await rows(page, "tasks")).length, 3, "every task listed");
  equal(await rows(page, "problems"), ["pb-civil"], "the problem listed");
  const redCell = await page.$eval('#tasks tr[data-id="t-plot5"] td.red', (td) => td.textContent);
  equal(redCell, "红灯", "lights read in Chinese");

  response = await submit(page, {light: "RED"});
  equal(await rows(page, "tasks"), ["t-plot5"], "light filter: only the red task");
  equal(await rows(page, "projects"), [], "light filter: no project is red");
  check(new URL(page.url()).searchParams.get("light") === "RED", "the filter is in the address");

  response = await submit(page, {light: "", unit: "区住建局"});
  equal(await rows(page, "tasks"), ["t-pipe"], "unit filter: that unit's tasks");
  equal(await rows(page, "problems"), ["pb-civil"], "unit filter: that unit's problems");
  equal(await rows(page, "projects"), [P2], "unit filter: the projects it leads");

  response = await submit(page, {unit: "", region: "530112"});
  equal(await rows(page, "projects"), [P2], "region filter");
  equal(await rows(page, "tasks"), ["t-pipe"], "region filter: that region's tasks");

  response = await submit(page, {region: "", overdue: true});
  equal(await rows(page, "tasks"), ["t-plot5"], "overdue filter");

  response = await page.goto(`${base}/?region=abc`);
  equal(response.status(), 400, "a bad filter is refused");
  const message = await page.$eval("#message", (p) => p.textContent);
  check(/region（行政区划）'abc'/.test(message), "the refusal names the filter, in Chinese", message);
  response = await page.goto(`${base}/?stage=nonsense`);
  equal(response.status(), 400, "an unknown stage is refused");

  // A project's page, from its link.
  await page.goto(`${base}/`);
  await Promise.all([page.waitForNavigation(), page.click(`#projects a[href="/project/${P1}"]`)]);
  equal(await page.$eval("#name", (h) => h.textContent), "晋宁吾悦广场项目", "the project's page");
  equal(await page.$eval("#stage", (d) => d.textContent), "储备（签订投资协议）", "its stage in Chinese");
  equal(await rows(page, "tasks"), ["t-permit", "t-plot5"], "its tasks");
  equal(await rows(page, "problems"), ["pb-civil"], "its problems");
  const slips = await page.$$eval("#slips tr", (rs) => rs.slice(1).map((r) => r.cells[2].textContent + "|" + r.cells[6].textContent));
  check(slips.length >= 1 && slips.every((s) => s.endsWith("|待回复")), "its slips, awaiting answers", slips);
  const history = await page.$$eval("#history tr", (rs) => rs.slice(1).map((r) => r.cells[3].textContent));
  equal(history[0], "项目登记", "its history starts with the registration, in Chinese");

  response = await page.goto(`${base}/project/2026-530115-70-01-999999`);
  equal(response.status(), 404, "an unknown project is not found");

  // A leader reads only its own projects, on the lists and on a project's page.
  // (Its own browser context: a browser keeps HTTP Basic credentials per origin.)
  const leader = await (await browser.createBrowserContext()).newPage();
  await leader.authenticate({username: "张副区长", password: token("leader")});
  await leader.goto(`${base}/`);
  equal(await rows(leader, "projects"), [P1], "a leader's list: its own project");
  response = await leader.goto(`${base}/project/${P2}`);
  equal(response.status(), 403, "a leader may not open another leader's project");
});
