// A promise-based IRC client for the end-to-end tests: irc-framework's Client (the library real
// bots and web clients use) connected to chatd's IRC door, with every raw line kept in order so
// a test can wait for the next one that matches, and the library's events turned into promises.
import IRC from 'irc-framework';

const DEFAULT_TIMEOUT_MS = 10000;

export class IrcClient {
  // Connects and registers as `nick`; resolves once the server sent 001 ('registered').
  // options: tls (connect over TLS; the tests' throwaway certificate is accepted unverified,
  // since irc-framework cannot be given a CA: set rejectUnauthorized to verify against the
  // system's), caps (extra capabilities to request), echoMessage (request echo-message),
  // username, gecos, password, timeoutMs, and `framework`: any other irc-framework option,
  // e.g. { ping_interval: 0 } for a client that never pings.
  static async connect(host, port, nick, options = {}) {
    const client = new IrcClient(options.caps ?? []);
    await client.#register(host, port, nick, options);
    return client;
  }

  client;                // the irc-framework Client itself, for anything not wrapped here
  lines = [];            // every line received, without its "\r\n"
  sent = [];             // every line sent, without its "\r\n"
  #cursor = 0;           // lines before this one were already matched by `waitForLine`
  #waiters = new Set();  // wake-ups for `waitForLine`, run on every new line
  #closed = false;

  constructor(caps) {
    this.client = new IRC.Client();
    for (const cap of caps) this.client.requestCap(cap);
    this.client.on('raw', ({ line, from_server: fromServer }) => {
      const text = line.replace(/\r?\n$/, '');
      (fromServer ? this.lines : this.sent).push(text);
      if (fromServer) for (const wake of this.#waiters) wake();
    });
    this.client.on('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters) wake();
    });
  }

  get closed() { return this.#closed; }
  get nick() { return this.client.user.nick; }
  // The capabilities the server acknowledged.
  get caps() { return [...this.client.network.cap.enabled]; }

  async #register(host, port, nick, options) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const registered = this.waitFor('registered', () => true, timeoutMs);
    const failed = new Promise((resolve, reject) => {
      const fail = (why) => () => {
        if (this.client.connection.registered) return;
        reject(new Error(`irc client ${nick}: ${why} before registering; got:\n` +
          this.lines.join('\n')));
      };
      this.client.once('close', fail('connection closed'));
      this.client.once('socket error', fail('socket error'));
      registered.then(resolve, () => {});
    });
    this.client.connect({
      host,
      port,
      nick,
      username: options.username ?? nick,
      gecos: options.gecos ?? nick,
      password: options.password,
      tls: options.tls ?? false,
      rejectUnauthorized: options.rejectUnauthorized ?? false,
      enable_echomessage: options.echoMessage ?? false,
      auto_reconnect: false,
      ...options.framework,
    });
    await Promise.race([registered, failed]);
  }

  // Sends one raw line; the library adds the "\r\n".
  send(line) {
    this.client.raw(line);
  }

  // The next `event` from irc-framework (e.g. 'join', 'privmsg', 'nick in use') for which
  // predicate(payload) holds; resolves with the payload. Only events after the call count.
  waitFor(event, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const listener = (payload) => {
        if (!predicate(payload)) return;
        finish();
        resolve(payload);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`irc client ${this.nick}: no '${event}' within ${timeoutMs} ms; got:\n` +
          this.lines.slice(this.#cursor).join('\n')));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.client.removeListener(event, listener);
      };
      this.client.on(event, listener);
    });
  }

  // The next line received after the last match that equals `expected` (a string) or matches it
  // (a RegExp); lines received before the call count too.
  waitForLine(expected, timeoutMs = DEFAULT_TIMEOUT_MS) {
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
        if (this.#closed) {
          finish();
          reject(new Error(`irc client ${this.nick}: closed before a line ${expected}; got:\n` +
            this.lines.slice(this.#cursor).join('\n')));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`irc client ${this.nick}: no line ${expected} within ${timeoutMs} ms; ` +
          'got:\n' + this.lines.slice(this.#cursor).join('\n')));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(look);
      };
      this.#waiters.add(look);
      look();
    });
  }

  // Resolves once the server has closed the connection (after ERROR, a kick or a timeout).
  waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS) {
    if (this.#closed) return Promise.resolve();
    return this.waitFor('close', () => true, timeoutMs).then(() => {});
  }

  // Sends QUIT with `reason` and resolves once the server has closed the connection.
  async quit(reason = '') {
    if (this.#closed) return;
    const closed = this.waitForClose();
    this.client.quit(reason);
    await closed;
  }

  // Drops the connection without QUIT, as a crashed client would.
  destroy() {
    this.client.connection.end();
  }
}
