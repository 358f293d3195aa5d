// A minimal WebSocket client of chatd's web door (docs/protocol.md, "The WebSocket door"), on
// node:net alone: Node 20 has no global WebSocket in every release and this suite adds no
// dependency beyond irc-framework. It does what the door's protocol needs and no more: the
// HTTP upgrade, masked text frames out, unmasked text frames in (JSON, one object per frame),
// pongs to pings, and the close frame.
import crypto from 'node:crypto';
import net from 'node:net';

const DEFAULT_TIMEOUT_MS = 10000;

export class WebClient {
  static async connect(port, host = '127.0.0.1') {
    const socket = net.createConnection({ port, host });
    const client = new WebClient(socket);
    await client.#upgrade(host, port);
    return client;
  }

  #socket;
  #buffer = Buffer.alloc(0);
  #upgraded = false;
  #upgradeDone;
  #waiters = new Set();
  #cursor = 0;
  #closed = false;
  frames = [];        // every JSON object received, parsed

  constructor(socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      if (this.#upgradeDone) this.#upgradeDone.reject(new Error('web client: closed during upgrade'));
      for (const wake of this.#waiters) wake();
    });
  }

  async #upgrade(host, port) {
    const key = crypto.randomBytes(16).toString('base64');
    const accepted = new Promise((resolve, reject) => { this.#upgradeDone = { resolve, reject }; });
    const timer = setTimeout(() => this.#upgradeDone?.reject(
      new Error('web client: no upgrade within 5 s')), 5000);
    this.#socket.write(`GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    try {
      const head = await accepted;
      if (!/^HTTP\/1\.1 101 /.test(head)) throw new Error(`web client: upgrade refused:\n${head}`);
      const expected = crypto.createHash('sha1')
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      if (!head.includes(expected)) throw new Error(`web client: bad Sec-WebSocket-Accept:\n${head}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #drain() {
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#upgraded = true;
      const done = this.#upgradeDone;
      this.#upgradeDone = null;
      done.resolve(head);
    }
    for (;;) {
      if (this.#buffer.length < 2) return;
      const opcode = this.#buffer[0] & 0x0f;
      let length = this.#buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      const payload = this.#buffer.subarray(offset, offset + length);
      this.#buffer = this.#buffer.subarray(offset + length);
      if (opcode === 0x1) {
        this.frames.push(JSON.parse(payload.toString('utf8')));
        for (const wake of this.#waiters) wake();
      } else if (opcode === 0x9) {
        this.#sendFrame(0xa, payload);
      } else if (opcode === 0x8) {
        this.#socket.end();
      }
    }
  }

  #sendFrame(opcode, payload) {
    const mask = crypto.randomBytes(4);
    let head;
    if (payload.length < 126) {
      head = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else {
      head = Buffer.alloc(4);
      head[0] = 0x80 | opcode;
      head[1] = 0x80 | 126;
      head.writeUInt16BE(payload.length, 2);
    }
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
    this.#socket.write(Buffer.concat([head, mask, masked]));
  }

  // Sends one JSON object as a text frame.
  send(object) {
    this.#sendFrame(0x1, Buffer.from(JSON.stringify(object), 'utf8'));
  }

  // The next frame after the last match for which predicate(frame) holds.
  waitFor(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const look = () => {
        for (let i = this.#cursor; i < this.frames.length; i++) {
          if (!predicate(this.frames[i])) continue;
          this.#cursor = i + 1;
          finish();
          resolve(this.frames[i]);
          return;
        }
        if (this.#closed) {
          finish();
          reject(new Error('web client: closed before the frame; got:\n' +
            this.frames.slice(this.#cursor).map((f) => JSON.stringify(f)).join('\n')));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`web client: no such frame within ${timeoutMs} ms; got:\n` +
          this.frames.slice(this.#cursor).map((f) => JSON.stringify(f)).join('\n')));
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
