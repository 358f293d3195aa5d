// The real chatd binary as a child process with its IRC door on: every door on an ephemeral
// loopback port, the ports read from chatd's own "listening on" log line, stopped by its PID
// (SIGTERM, then SIGKILL if it hangs). Like tests/browser/support/chatd_server.mjs, which runs
// with `--irc off`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;   // chatd's own shutdown takes at most 2.5 s (docs/protocol.md)

export const SERVER_NAME = 'test.chatd';

// "chatd listening on 127.0.0.1:40123 (line), 127.0.0.1:40124 (web), 127.0.0.1:40125 (irc) with
// 2 threads, ...": every "ADDRESS:PORT (door)" in it.
const LISTENING = /chatd listening on (.*) with \d+ threads/;
const ENDPOINT = /(\d+\.\d+\.\d+\.\d+):(\d+) \(([\w-]+)\)/g;

export class ChatdServer {
  // Starts chatd; resolves once it listens. `extraArgs` come last (e.g. --idle-timeout 2).
  static async start({ extraArgs = [], threads = 2 } = {}) {
    const binary = process.env.CHATD_BINARY;
    if (!binary) throw new Error('CHATD_BINARY is not set: it must name the chatd binary to test');
    const args = ['--host', '127.0.0.1', '--port', '0', '--web', '127.0.0.1:0',
      '--irc', '127.0.0.1:0', '--threads', String(threads), '--server-name', SERVER_NAME,
      ...extraArgs];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new ChatdServer(child, args);
    await server.#waitForPorts();
    return server;
  }

  host = '127.0.0.1';
  #child;
  #log = '';
  #exited;

  constructor(child, args) {
    this.#child = child;
    this.args = args;
    this.pid = child.pid;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { this.#log += chunk; });
    this.#exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
    });
  }

  get log() { return this.#log; }

  async #waitForPorts() {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `chatd did not log its ports within ${START_TIMEOUT_MS} ms; its log:\n${this.#log}`)),
      START_TIMEOUT_MS);
    });
    const exited = this.#exited.then(({ code, signal, error }) => {
      throw new Error(`chatd exited before listening (code ${code}, signal ${signal}` +
        `${error ? `, ${error.message}` : ''}); its log:\n${this.#log}`);
    });
    const listening = (async () => {
      for (;;) {
        const match = LISTENING.exec(this.#log);
        if (match) return match[1];
        await once(this.#child.stderr, 'data');
      }
    })();
    try {
      const endpoints = await Promise.race([listening, exited, timeout]);
      const ports = {};
      for (const [, , port, door] of endpoints.matchAll(ENDPOINT)) ports[door] = Number(port);
      for (const door of ['line', 'web', 'irc']) {
        if (!ports[door]) throw new Error(`chatd logged no ${door} port: ${endpoints}`);
      }
      this.linePort = ports.line;
      this.webPort = ports.web;
      this.ircPort = ports.irc;
    } catch (error) {
      await this.stop().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // Stops this chatd by its PID: SIGTERM, then SIGKILL if it has not exited in time. Throws
  // when its log holds a sanitizer report (the ASan and TSan builds run this suite too) or when
  // it died of a signal of its own.
  async stop() {
    const outcome = await this.#stopProcess();
    const report = this.#log.search(/==\d+==ERROR|WARNING: ThreadSanitizer|runtime error:/);
    if (report >= 0) {
      throw new Error(`chatd reported a problem:\n${this.#log.slice(report, report + 4000)}`);
    }
    if (outcome.signal && outcome.signal !== 'SIGTERM') {
      throw new Error(`chatd ended by ${outcome.signal}; its log:\n${this.#log.slice(-4000)}`);
    }
    return outcome;
  }

  async #stopProcess() {
    const gone = this.pid === undefined || this.#child.exitCode !== null ||
      this.#child.signalCode !== null;
    if (gone) return this.#exited;
    process.kill(this.pid, 'SIGTERM');
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'late');
    });
    const first = await Promise.race([this.#exited, late]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    process.kill(this.pid, 'SIGKILL');
    await this.#exited;
    throw new Error(`chatd did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM: SIGKILLed`);
  }
}
