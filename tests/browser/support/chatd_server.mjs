// The real chatd binary as a child process: started on ephemeral loopback ports, its ports read
// from its own "listening on" log line, stopped by PID (SIGTERM, then SIGKILL if it hangs).
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;   // chatd's own shutdown takes at most 2.5 s (docs/protocol.md)

// "... chatd listening on 127.0.0.1:40123 (line), 127.0.0.1:40124 (web) with 1 threads, ..."
const LISTENING =
  /chatd listening on .*?(\d+\.\d+\.\d+\.\d+):(\d+) \(line\), (\d+\.\d+\.\d+\.\d+):(\d+) \(web\)/;

export class ChatdServer {
  // Starts chatd; resolves once it listens. `webPort` 0 picks a free port.
  static async start({ webPort = 0, extraArgs = [] } = {}) {
    const binary = process.env.CHATD_BINARY;
    if (!binary) throw new Error('CHATD_BINARY is not set: it must name the chatd binary to test');
    // Four I/O threads on any machine: the sanitizer builds run this test too, and races need
    // more than one thread to show.
    const args = ['--host', '127.0.0.1', '--port', '0', '--web', `127.0.0.1:${webPort}`,
      '--irc', 'off', '--threads', '4', ...extraArgs];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new ChatdServer(child, args);
    await server.#waitForPorts();
    return server;
  }

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
        if (match) return match;
        await once(this.#child.stderr, 'data');
      }
    })();
    try {
      const match = await Promise.race([listening, exited, timeout]);
      this.linePort = Number(match[2]);
      this.webPort = Number(match[4]);
      this.webUrl = `http://${match[3]}:${this.webPort}/`;
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // Stops this chatd by its PID: SIGTERM, then SIGKILL if it has not exited in time. Throws
  // when its log holds a sanitizer report: in the ASan and TSan builds that is a failed test.
  async stop() {
    const outcome = await this.#stopProcess();
    const report = this.#log.search(/==\d+==ERROR|WARNING: ThreadSanitizer|runtime error:/);
    if (report >= 0) throw new Error(`chatd reported a problem:\n${this.#log.slice(report, report + 4000)}`);
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
    return this.#exited;
  }
}
