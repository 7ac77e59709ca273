// The console's 政策沙盘 in the system Chromium: how long from a change of the criteria text to the sandbox redrawn
// with the new dry run (the editor waits 200 ms after the last keystroke, then reads the text and runs the dry run).
// Usage (from bench/app-load.sh): node bench/console-sandbox.mjs BASE_URL
import puppeteer from './lighthouse/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js';

const base = process.argv[2];
const browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH, headless: true, args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
await page.goto(`${base}/console/?dev-jurisdiction=620100#/edit/lz-employment-stability`);
await page.waitForSelector('#sandbox[data-generation]');
const times = [];
for (let i = 0; i < 25; i++) {
  const threshold = 10 + (i % 10) * 5;
  const ms = await page.evaluate(async (value) => {
    const box = document.getElementById('sandbox');
    const before = box.dataset.generation;
    const text = document.getElementById('f-criteria');
    const t0 = performance.now();
    text.value = text.value.replace(/employees >= \d+/, `employees >= ${value}`);
    text.dispatchEvent(new Event('input', { bubbles: true }));
    while (box.dataset.generation === before) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r)); // painted
    return performance.now() - t0;
  }, threshold + 1);
  times.push(ms);
}
times.sort((a, b) => a - b);
console.log(`console_sandbox_redraw_ms: median=${times[12].toFixed(0)} p95=${times[23].toFixed(0)} max=${times[24].toFixed(0)} changes=25 (of which 200 ms is the editor's wait after typing)`);
await browser.close();
