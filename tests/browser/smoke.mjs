// Smoke test of the browser stack: node tests/browser/smoke.mjs URL
// Opens URL in Debian's headless Chromium through playwright-core and prints the page's title.
// It serves nothing itself: point it at a server on loopback. Exits 1 when the page fails to load.
import { chromium } from 'playwright-core';
import { launchOptions } from './launch.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node tests/browser/smoke.mjs URL');
  process.exit(2);
}
const browser = await chromium.launch(launchOptions);
try {
  const page = await browser.newPage();
  const response = await page.goto(url, { timeout: 15000 });
  if (!response || !response.ok()) {
    throw new Error(`${url}: HTTP ${response ? response.status() : 'no response'}`);
  }
  console.log(await page.title());
} catch (err) {
  console.error(`smoke: ${err.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
