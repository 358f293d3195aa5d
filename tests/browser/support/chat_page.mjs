// The chat page in Debian's Chromium, driven through playwright-core: one browser context per
// person (its own localStorage), with what the page shows read back from the DOM.

const WAIT_MS = 10000;

// Known good on this machine, running as root; no browser is ever downloaded.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

export async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new Error('playwright-core is not installed: run `npm ci --prefix tests/browser` ' +
      `(scripts/test.sh does)\n${error.message}`);
  }
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BINARY || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    timeout: 30000,
  });
}

// What a line of the log shows, as the person reads it (the time stamp left out).
function describeLines() {
  return [...document.querySelectorAll('#log li')].map((li) => ({
    kinds: [...li.classList],
    from: li.querySelector('.from')?.textContent,
    text: li.querySelector('.text')?.textContent,
    whole: [...li.childNodes].filter((n) => n.nodeName !== 'TIME').map((n) => n.textContent)
      .join(''),
  }));
}

export class ChatPage {
  // A page in a new browser context (a new person), or in `context` (another tab of one).
  static async open(browser, url, { viewport = { width: 1000, height: 700 }, context } = {}) {
    context ??= await browser.newContext({ viewport });
    const page = await context.newPage();
    const chat = new ChatPage(context, page);
    chat.response = await page.goto(url, { timeout: WAIT_MS });
    return chat;
  }

  dialogs = [];    // every alert/confirm/prompt the page raised: there must be none
  problems = [];   // uncaught errors and CSP refusals

  constructor(context, page) {
    this.context = context;
    this.page = page;
    page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) {
        this.problems.push(`console: ${message.text()}`);
      }
    });
  }

  async pickNick(name) {
    await this.page.fill('#nick-input', name);
    await this.page.press('#nick-input', 'Enter');
    await this.waitForStatus(`connected as ${name}`);
  }

  // Types a line into the message box and sends it with Enter, as a person would.
  async type(text) {
    await this.page.fill('#say', text);
    await this.page.press('#say', 'Enter');
  }

  status() {
    return this.page.textContent('#status');
  }

  // The members panel's names, in its order.
  members() {
    return this.page.$$eval('#members li button', (buttons) => buttons.map((b) => b.textContent));
  }

  lines() {
    return this.page.evaluate(describeLines);
  }

  // Polls `read` until `check` holds of what it returned. Polling from here rather than
  // waitForFunction keeps every check in Node, and no code is built from strings in the page,
  // whose CSP forbids eval.
  async #until(read, check, explain, timeoutMs = WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await read();
      if (check(seen)) return seen;
      if (Date.now() > deadline) throw new Error(`${explain(seen)} (waited ${timeoutMs} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  waitForStatus(expected, timeoutMs) {
    const check = typeof expected === 'string' ? (s) => s === expected : (s) => expected.test(s);
    return this.#until(() => this.status(), check,
      (s) => `status never matched ${expected}; it says '${s}'`, timeoutMs);
  }

  waitForMembers(names, timeoutMs) {
    return this.#until(() => this.members(), (seen) => seen.join(' ') === names.join(' '),
      (seen) => `members never became [${names}]; they are [${seen}]`, timeoutMs);
  }

  // Waits for a log line with every given property: kind (a class), from, text, whole, history.
  // Resolves with the log as it was then.
  waitForLine(want, timeoutMs) {
    const fits = (line) =>
      (want.kind === undefined || line.kinds.includes(want.kind)) &&
      (want.history === undefined || line.kinds.includes('history') === want.history) &&
      (want.from === undefined || line.from === want.from) &&
      (want.text === undefined || line.text === want.text) &&
      (want.whole === undefined || line.whole === want.whole);
    return this.#until(() => this.lines(), (lines) => lines.some(fits), (lines) =>
      `no line like ${JSON.stringify(want)}; the log holds:\n` +
      lines.map((l) => `  [${l.kinds.join(' ')}] ${l.whole}`).join('\n'), timeoutMs);
  }

  // Closes this person's browser context, every tab in it.
  close() {
    return this.context.close();
  }
}
