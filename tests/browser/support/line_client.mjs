// An nc-style client of chatd's line door: a TCP socket, lines out with "\n", lines in kept in
// order so a test can wait for the next one that matches.
import net from 'node:net';

const DEFAULT_TIMEOUT_MS = 10000;

export class LineClient {
  static async connect(port, host = '127.0.0.1') {
    const socket = net.createConnection({ port, host });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`line client: no connection to ${host}:${port} within 5 s`));
      }, 5000);
      socket.once('connect', () => { clearTimeout(timer); resolve(); });
      socket.once('error', (error) => { clearTimeout(timer); reject(error); });
    });
    return new LineClient(socket);
  }

  #socket;
  #partial = '';
  #waiters = new Set();
  lines = [];        // every line received, without its "\n"
  #cursor = 0;       // lines before this one were already matched by `waitFor`

  constructor(socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop();
      this.lines.push(...parts);
      for (const wake of this.#waiters) wake();
    });
    socket.on('error', () => {});   // a server restart resets the socket; `lines` keeps the past
  }

  send(line) {
    this.#socket.write(`${line}\n`);
  }

  // The next line after the last match that equals `expected` (a string) or matches it (a RegExp).
  async waitFor(expected, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const matches = (line) =>
      (typeof expected === 'string' ? line === expected : expected.test(line));
    return new Promise((resolve, reject) => {
      const look = () => {
        for (let i = this.#cursor; i < this.lines.length; i++) {
          if (!matches(this.lines[i])) continue;
          this.#cursor = i + 1;
          finish();
          resolve(this.lines[i]);
          return;
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`line client: no line ${expected} within ${timeoutMs} ms; got:\n` +
          this.lines.slice(this.#cursor).join('\n')));
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
