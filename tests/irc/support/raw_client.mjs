// A plain TCP client that speaks in lines: an `nc` client of the line door (lines end "\n"), or a
// hand-driven IRC client (lines end "\r\n") for what irc-framework would not do by itself:
// talking before registering, staying silent through a PING. Lines in are kept in order, without
// their line ending, so a test can wait for the next one that matches.
import net from 'node:net';

const DEFAULT_TIMEOUT_MS = 10000;

export class RawClient {
  // `eol` is what `send` appends: "\n" for the line door, "\r\n" for IRC.
  static async connect(port, { host = '127.0.0.1', eol = '\n', label = 'raw client' } = {}) {
    const socket = net.createConnection({ port, host });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${label}: no connection to ${host}:${port} within 5 s`));
      }, 5000);
      socket.once('connect', () => { clearTimeout(timer); resolve(); });
      socket.once('error', (error) => { clearTimeout(timer); reject(error); });
    });
    return new RawClient(socket, eol, label);
  }

  static line(port) { return RawClient.connect(port, { eol: '\n', label: 'line client' }); }
  static irc(port) { return RawClient.connect(port, { eol: '\r\n', label: 'raw irc client' }); }

  #socket;
  #eol;
  #partial = '';
  #waiters = new Set();
  #cursor = 0;        // lines before this one were already matched by `waitFor`
  #closed = false;
  lines = [];         // every line received, without its line ending
  closedAt = null;    // Date.now() when the server closed the connection

  constructor(socket, eol, label) {
    this.#socket = socket;
    this.#eol = eol;
    this.label = label;
    // This end's port: chatd names an unnamed line client "127.0.0.1:PORT".
    this.localPort = socket.localPort;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop();
      for (const part of parts) this.lines.push({ text: part.replace(/\r$/, ''), at: Date.now() });
      this.#wake();
    });
    socket.on('error', () => {});   // a reset is a close; `lines` keeps the past
    socket.on('close', () => {
      this.#closed = true;
      this.closedAt = Date.now();
      this.#wake();
    });
  }

  // Stops reading the socket (the kernel's buffers fill, then TCP's window closes): a client
  // that never reads.
  stopReading() { this.#socket.pause(); }

  get closed() { return this.#closed; }
  get texts() { return this.lines.map((line) => line.text); }
  // The default name chatd gives this client, and the IRC alias of that name.
  get chatdName() { return `127.0.0.1:${this.localPort}`; }
  get ircAlias() { return `ip-127-0-0-1_${this.localPort}`; }

  #wake() { for (const wake of this.#waiters) wake(); }

  send(line) {
    this.#socket.write(`${line}${this.#eol}`);
  }

  // Raw bytes, no line ending added.
  write(bytes) {
    this.#socket.write(bytes);
  }

  // The next line after the last match that equals `expected` (a string) or matches it (a
  // RegExp); resolves with { text, at } (at: Date.now() when it arrived).
  waitFor(expected, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const matches = (text) =>
      (typeof expected === 'string' ? text === expected : expected.test(text));
    return new Promise((resolve, reject) => {
      const look = () => {
        for (let i = this.#cursor; i < this.lines.length; i++) {
          if (!matches(this.lines[i].text)) continue;
          this.#cursor = i + 1;
          finish();
          resolve(this.lines[i]);
          return;
        }
        if (this.#closed) {
          finish();
          reject(new Error(`${this.label}: closed before a line ${expected}; got:\n` +
            this.texts.slice(this.#cursor).join('\n')));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: no line ${expected} within ${timeoutMs} ms; got:\n` +
          this.texts.slice(this.#cursor).join('\n')));
      }, timeoutMs);
      const finish = () => { clearTimeout(timer); this.#waiters.delete(look); };
      this.#waiters.add(look);
      look();
    });
  }

  // Resolves once the server has closed the connection.
  waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const look = () => {
        if (!this.#closed) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: still open after ${timeoutMs} ms; got:\n` +
          this.texts.join('\n')));
      }, timeoutMs);
      const finish = () => { clearTimeout(timer); this.#waiters.delete(look); };
      this.#waiters.add(look);
      look();
    });
  }

  close() {
    this.#socket.destroy();
  }
}
