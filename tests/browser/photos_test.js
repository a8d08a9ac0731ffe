// The photo library (图片库) in headless chromium: photos of image progress
// (形象进度) uploaded with the CLI, shown as thumbnails on the project's page
// and as the project's latest photo in the screen's carousel, served with
// their media type and digest, refused to a leader not responsible for the
// project; a bad file is refused naming it, and nothing is written.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const {check, cli, equal, must, run, token} = require("./harness");

const P1 = "2026-530115-70-01-000001";  // 王副区长's
const P2 = "2026-530115-70-01-000002";  // 张副区长's (the harness's leader token)

function register(server, code, name, leader) {
  return must(server, "office", [
    "project", "register", code, `info.name=${name}`, "info.level=district",
    "info.owner=示例企业", "info.total_investment_yuan=3000000000", "info.plan_year=2026",
    "info.annual_plan_yuan=600000000", `info.responsible_leader=${leader}`,
    "info.lead_unit=区住建局", "info.initial_stage=under_construction",
    "info.started_on=2025-10-08"]);
}

const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");

run("2026-03-02", async (server, browser) => {
  const base = `http://${server.http}`;
  await register(server, P1, "晋宁吾悦广场项目", "王副区长");
  await register(server, P2, "滇池东岸污水处理厂", "张副区长");

  // Real pictures, made by the browser itself: a JPEG and a PNG.
  const maker = await browser.newPage();
  await maker.setViewport({width: 320, height: 200});
  await maker.setContent('<body style="margin:0;background:linear-gradient(#3fa9ff,#ffcc00)">' +
                         '<h1 style="color:#fff">主体施工</h1></body>');
  const files = fs.mkdtempSync(path.join(os.tmpdir(), "taizhang-photos-"));
  const jpeg = path.join(files, "三月主体施工.jpg"), png = path.join(files, "三月塔吊.png");
  fs.writeFileSync(jpeg, await maker.screenshot({type: "jpeg"}));
  fs.writeFileSync(png, await maker.screenshot({type: "png"}));
  await maker.close();
  const jpegHex = sha256(fs.readFileSync(jpeg)), pngHex = sha256(fs.readFileSync(png));

  // A PNG named .jpg (declared a JPEG) is refused, naming the file; nothing written.
  const disguised = path.join(files, "伪装.jpg");
  fs.copyFileSync(png, disguised);
  let r = await cli(server, "zhujian", ["project", "record-image-progress", P1, "note=主体施工",
                                        "--file", jpeg, "--file", disguised]);
  check(r.code !== 0 && /伪装\.jpg/.test(r.stderr) && /不符/.test(r.stderr),
        "a PNG declared as JPEG is refused, naming the file", r.stderr);
  r = await cli(server, "office", ["--json", "project", "show", P1]);
  equal((JSON.parse(r.stdout).state.photos || []).length, 0, "nothing was written");

  await must(server, "zhujian", ["project", "record-image-progress", P1, "note=主体施工",
                                 "--file", jpeg, "--file", png]);

  // The project's page: the thumbnails of its latest photos, rendered.
  const page = await browser.newPage();
  await page.authenticate({username: "督查室", password: token("office")});
  let response = await page.goto(`${base}/project/${P1}`);
  equal(response.status(), 200, "the project's page opens");
  await page.waitForFunction(
      () => [...document.querySelectorAll("#photos img")].every((i) => i.complete), {timeout: 5000});
  const thumbs = await page.$$eval("#photos img", (is) => is.map(
      (i) => ({src: i.getAttribute("src"), width: i.naturalWidth, alt: i.alt})));
  equal(thumbs.map((t) => t.src).sort(), [`/photo/${P1}/${jpegHex}`, `/photo/${P1}/${pngHex}`].sort(),
        "both photos on the page, by digest");
  check(thumbs.every((t) => t.width === 320), "the thumbnails are rendered pictures", thumbs);
  const caption = await page.$eval("#photos figcaption", (f) => f.textContent);
  check(/2026-03-02 形象进度/.test(caption), "a thumbnail's caption: the day and the source", caption);

  // The photo itself: its type, its digest as ETag, its bytes.
  const got = await page.evaluate(async (url) => {
    const res = await fetch(url);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {status: res.status, type: res.headers.get("content-type"), etag: res.headers.get("etag"),
            size: bytes.length, hex: [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
                .map((b) => b.toString(16).padStart(2, "0")).join("")};
  }, `/photo/${P1}/${jpegHex}`);
  equal([got.status, got.type, got.etag, got.hex], [200, "image/jpeg", `"${jpegHex}"`, jpegHex],
        "the JPEG served with its type and digest, byte for byte");
  response = await page.goto(`${base}/photo/${P1}/${"0".repeat(64)}`);
  equal(response.status(), 404, "a digest the project does not name is not found");
  response = await page.goto(`${base}/photo/${P2}/${jpegHex}`);
  equal(response.status(), 404, "another project's digest is not found under this one");

  // A leader not responsible for the project may not see its photos.
  const leader = await (await browser.createBrowserContext()).newPage();
  await leader.authenticate({username: "张副区长", password: token("leader")});
  response = await leader.goto(`${base}/photo/${P1}/${jpegHex}`);
  equal(response.status(), 403, "a leader not responsible for the project gets 403");
  response = await leader.goto(`${base}/project/${P2}`);
  equal(response.status(), 200, "the leader opens its own project's page");
  check(await leader.$("#photos-none") !== null, "which has no photos yet");
  // The PNG, as the office reads it.
  response = await page.goto(`${base}/photo/${P1}/${pngHex}`);
  equal([response.status(), response.headers()["content-type"], response.headers()["etag"]],
        [200, "image/png", `"${pngHex}"`], "the PNG served with its type and digest");

  // The screen's carousel: the project's latest photo.
  const screen = await browser.newPage();
  await screen.setViewport({width: 1920, height: 1080});
  response = await screen.goto(`${base}/screen?token=${token("screen")}`);
  equal(response.status(), 200, "the screen opens");
  await screen.waitForFunction(() => window.__screen.snapshots > 0 &&
                                   document.getElementById("project").dataset.code, {timeout: 5000});
  // The carousel turns every few seconds: each look puts it on the project first.
  const at = (i) => screen.evaluate((i) => {
    window.__screen.index = i;
    showProject();
    const img = document.getElementById("p-photo");
    return {
      code: document.getElementById("project").dataset.code,
      src: img.getAttribute("src"),
      loaded: img.complete && img.naturalWidth > 0,
      hidden: document.getElementById("p-photo-frame").hidden,
      caption: document.getElementById("p-photo-on").textContent,
    };
  }, i);
  let shown;
  for (const until = Date.now() + 5000; Date.now() < until;) {
    shown = await at(0);
    if (shown.loaded) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  equal(shown.code, P1, "the carousel shows the first project");
  check([`/screen/photo/${P1}/${jpegHex}`, `/screen/photo/${P1}/${pngHex}`].includes(shown.src) &&
        shown.loaded && !shown.hidden, "its latest photo in the carousel, rendered", shown);
  equal(shown.caption, "形象进度 2026-03-02", "with its day");
  shown = await at(1);
  equal([shown.code, shown.hidden, shown.src], [P2, true, null],
        "the next project has no photo: none shown");
  fs.rmSync(files, {recursive: true, force: true});
});
