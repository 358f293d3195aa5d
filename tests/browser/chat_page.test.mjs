// The chat page in a real Chromium against the real chatd binary (CHATD_BINARY): two people in
// browsers and one nc-style line client share a room; hostile text stays text; a busy room's log
// stays bounded; a taken nickname brings the form back; the page comes back by itself when the
// server restarts on the same port, and waits for its person after an idle timeout. The cases
// run in order and build on each other. Run with `node --test` (CTest: browser.chat_page).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ChatdServer } from './support/chatd_server.mjs';
import { ChatPage, launchChromium } from './support/chat_page.mjs';
import { LineClient } from './support/line_client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.CHATD_ARTIFACTS || path.join(here, 'artifacts');
const HOSTILE = '<img src=x onerror=alert(1)>';
// No flood control, so the busy-room case can send its thousands of lines at once.
const SERVER_ARGS = ['--rate', '0'];
const MAX_LINES = 3000;   // chat.js's cap on the log

describe('the chat page against the real chatd', { timeout: 150000 }, () => {
  let server;
  let browser;
  let carol;     // the line client
  let alice;     // a page at desktop size
  let bob;       // a page at phone size
  const opened = [];

  before(async () => {
    server = await ChatdServer.start({ extraArgs: SERVER_ARGS });
    browser = await launchChromium();
  });

  after(async () => {
    carol?.close();
    for (const page of opened) await page.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test('two pages and a line client chat in one room, both ways, by name', async () => {
    carol = await LineClient.connect(server.linePort);
    carol.send('/nick carol');
    await carol.waitFor(/^\* \S+ is now known as carol$/);
    carol.send('said before anyone came');

    alice = await ChatPage.open(browser, server.webUrl);
    opened.push(alice);
    assert.match(alice.response.headers()['content-security-policy'] ?? '', /default-src 'self'/,
      'the page is served with the CSP it is written for');
    await alice.pickNick('alice');
    await carol.waitFor(/^\* \S+ is now known as alice$/);

    // carol's line came before alice did: the page shows it as replayed history, set apart.
    await alice.waitForLine({ kind: 'divider', text: '— earlier messages —' });
    await alice.waitForLine({ from: 'carol', text: 'said before anyone came', history: true });
    await alice.waitForLine({ kind: 'divider', text: '— live —' });

    bob = await ChatPage.open(browser, server.webUrl, { viewport: { width: 360, height: 640 } });
    opened.push(bob);
    await bob.pickNick('bob');
    await carol.waitFor(/^\* \S+ is now known as bob$/);
    const bobAddress = nameBefore('bob');
    await alice.waitForLine({ kind: 'notice', text: `${bobAddress} joined` });
    await alice.waitForLine({ kind: 'notice', text: `${bobAddress} is now known as bob` });
    await alice.waitForMembers(['alice', 'bob', 'carol']);
    await bob.waitForMembers(['alice', 'bob', 'carol']);

    await alice.type('hi');
    assert.equal(await carol.waitFor(/^alice:/), 'alice:hi');
    await bob.waitForLine({ kind: 'message', from: 'alice', text: 'hi', history: false });
    await alice.waitForLine({ kind: 'mine', from: 'alice', text: 'hi' });

    carol.send('hello from nc');
    await alice.waitForLine({ kind: 'message', from: 'carol', text: 'hello from nc' });
    await bob.waitForLine({ kind: 'message', from: 'carol', text: 'hello from nc' });

    await bob.type('/me waves');
    assert.equal(await carol.waitFor(/^\* bob /), '* bob waves');
    await alice.waitForLine({ kind: 'action', whole: '* bob waves' });

    await bob.type('//etc/passwd is a path');
    assert.equal(await carol.waitFor(/^bob:/), 'bob:/etc/passwd is a path');

    await alice.type('/who');
    await alice.waitForLine({ kind: 'notice', text: '3 in lobby: alice bob carol' });
    carol.send('/who');
    assert.equal(await carol.waitFor(/^\* \d+ in /), '* 3 in lobby: alice bob carol');

    assert.deepEqual([...alice.problems, ...bob.problems], []);
  });

  // The address name someone had before taking `nick`, from the rename carol saw.
  function nameBefore(nick) {
    const rename = carol.lines.find((line) => line.endsWith(` is now known as ${nick}`));
    return rename.slice('* '.length, rename.indexOf(' is now known as'));
  }

  test('a screenshot of the conversation is saved as a test artefact', async () => {
    await mkdir(artifacts, { recursive: true });
    const desktop = path.join(artifacts, 'chat_page.png');
    const phone = path.join(artifacts, 'chat_page_phone.png');
    await alice.page.screenshot({ path: desktop });
    await bob.page.click('#side-toggle');     // the phone layout's folded people panel, opened
    await bob.page.screenshot({ path: phone });
    await bob.page.keyboard.press('Escape');
    assert.ok((await stat(desktop)).size > 10000, `${desktop} is a real picture`);
    assert.ok((await stat(phone)).size > 5000, `${phone} is a real picture`);
  });

  test('markup from a line client is shown as text and never runs', async () => {
    carol.send(HOSTILE);
    carol.send(`/me ${HOSTILE}`);
    for (const page of [alice, bob]) {
      await page.waitForLine({ kind: 'message', from: 'carol', text: HOSTILE });
      await page.waitForLine({ kind: 'action', whole: `* carol ${HOSTILE}` });
    }
    await alice.type(HOSTILE);
    assert.equal(await carol.waitFor(/^alice:</), `alice:${HOSTILE}`);
    await bob.waitForLine({ kind: 'message', from: 'alice', text: HOSTILE });
    // An <img src=x> that had been created would have failed to load and fired by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const page of [alice, bob]) {
      assert.equal(await page.page.locator('#log img').count(), 0, 'no img element in the log');
      assert.equal(await page.page.locator('img').count(), 0, 'no img element anywhere');
    }
    assert.deepEqual([...alice.dialogs, ...bob.dialogs], [], 'no dialog fired');
    assert.deepEqual([...alice.problems, ...bob.problems], []);
  });

  test('a busy room scrolls the log only at the bottom and keeps at most 3000 lines', async () => {
    const log = () => alice.page.evaluate(() => {
      const list = document.getElementById('log');
      return {
        fromBottom: list.scrollHeight - list.clientHeight - list.scrollTop,
        top: list.scrollTop,
        count: list.childElementCount,
        jump: !document.getElementById('jump').hidden,
        focused: document.activeElement.id,
      };
    });
    for (let i = 0; i < 100; i++) carol.send(`burst ${i}`);
    await alice.waitForLine({ from: 'carol', text: 'burst 99' });
    await alice.page.waitForTimeout(100);
    assert.ok((await log()).fromBottom < 2, 'at the bottom, the log follows new lines');

    await alice.page.evaluate(() => { document.getElementById('log').scrollTop = 50; });
    await alice.page.waitForTimeout(100);
    for (let i = 100; i < 110; i++) carol.send(`burst ${i}`);
    await alice.waitForLine({ from: 'carol', text: 'burst 109' });
    await alice.page.waitForTimeout(100);
    const reading = await log();
    assert.equal(reading.top, 50, 'scrolled up to read, the log stays put');
    assert.equal(reading.jump, true, 'and offers a way down');
    await alice.page.click('#jump');
    const back = await log();
    assert.ok(back.fromBottom < 2 && !back.jump && back.focused === 'say', JSON.stringify(back));

    for (let i = 110; i < MAX_LINES + 100; i++) carol.send(`burst ${i}`);
    const lines = await alice.waitForLine({ from: 'carol', text: `burst ${MAX_LINES + 99}` }, 30000);
    assert.equal(lines.length, MAX_LINES);
    assert.ok(!lines.some((line) => line.text === 'hello from nc'), 'the oldest lines are gone');
    await bob.waitForLine({ from: 'carol', text: `burst ${MAX_LINES + 99}` }, 30000);
  });

  test('a remembered nickname that is taken brings the form back, and /quit leaves', async () => {
    // A second tab of alice's browser: the form offers the name she chose, which her first
    // tab holds.
    const again = await ChatPage.open(browser, server.webUrl, { context: alice.context });
    assert.equal(await again.page.inputValue('#nick-input'), 'alice');
    await again.page.press('#nick-input', 'Enter');
    await again.page.waitForSelector('#nick-dialog:not([hidden])', { timeout: 10000 });
    await again.page.waitForFunction(() =>
      document.getElementById('nick-error').textContent === 'nickname alice is taken', null,
    { timeout: 10000 });
    await again.pickNick('alice2');
    await again.waitForLine({ kind: 'error', text: 'nickname alice is taken' });
    await carol.waitFor(/^\* \S+ is now known as alice2$/);

    await again.type('/quit gone fishing');
    assert.equal(await carol.waitFor(/^\* alice2 left/), '* alice2 left (gone fishing)');
    await again.waitForStatus('you left (1000 bye) — send a line to come back');
    assert.equal(await again.page.isVisible('#reconnect'), true);
    assert.deepEqual(again.problems, []);
    await again.page.close();
  });

  test('the page reconnects when the server restarts on the same web port', async () => {
    await alice.type('/join dev');
    await alice.waitForStatus('connected as alice');
    await alice.page.waitForFunction(() =>
      document.getElementById('room-name').textContent === 'dev', null, { timeout: 10000 });
    await alice.waitForMembers(['alice']);
    await bob.waitForLine({ kind: 'notice', text: 'alice left (moved to dev)' });

    const webPort = server.webPort;
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, `chatd exits 0 on SIGTERM; its log:\n${server.log}`);
    carol.close();
    for (const page of [alice, bob]) {
      await page.waitForStatus(/^disconnected \(.*\) — reconnecting in \d+ s…$/);
      // The log keeps the close code and reason the server said goodbye with.
      await page.waitForLine({ kind: 'error', text: 'disconnected (1001 server shutting down)' });
    }

    server = await ChatdServer.start({ webPort, extraArgs: SERVER_ARGS });
    assert.equal(server.webPort, webPort);
    // The backoff is at most 10 s (with jitter); the rest is margin for a slow machine.
    await alice.waitForStatus('connected as alice', 20000);
    await bob.waitForStatus('connected as bob', 20000);
    await alice.page.waitForFunction(() =>
      document.getElementById('room-name').textContent === 'dev', null, { timeout: 10000 });

    carol = await LineClient.connect(server.linePort);
    carol.send('/nick carol');
    carol.send('/join dev');
    await carol.waitFor('* carol joined');
    await alice.waitForMembers(['alice', 'carol']);
    await alice.type('back again');
    assert.equal(await carol.waitFor(/^alice:/), 'alice:back again');
    carol.send('welcome back');
    await alice.waitForLine({ kind: 'message', from: 'carol', text: 'welcome back' });

    // bob stayed in lobby and can still talk there.
    await bob.type('still here');
    await bob.waitForLine({ kind: 'mine', from: 'bob', text: 'still here' });
  });
  test('after an idle timeout the page waits for its person, then comes back', async () => {
    const idleServer = await ChatdServer.start({ extraArgs: ['--idle-timeout', '2'] });
    const dozy = await ChatPage.open(browser, idleServer.webUrl);
    try {
      await dozy.pickNick('dozy');
      const expected = 'disconnected (1008 idle for too long) — send a line to come back';
      await dozy.waitForStatus(expected, 10000);
      await dozy.page.waitForTimeout(1500);   // longer than the first backoff step
      assert.equal(await dozy.status(), expected, 'no reconnect by itself');

      await dozy.type('I am back');   // reconnects; the line waits in the box for a second Enter
      await dozy.waitForStatus('connected as dozy');
      assert.equal(await dozy.page.inputValue('#say'), 'I am back');
      await dozy.page.press('#say', 'Enter');
      await dozy.waitForLine({ kind: 'mine', from: 'dozy', text: 'I am back' });
      assert.deepEqual(dozy.problems, []);
    } finally {
      await dozy.close();
      await idleServer.stop();
    }
  });
});
