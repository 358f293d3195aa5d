// chatd's IRC door end to end (issue 11, "The IRC door"): the real chatd binary, a real IRC
// client library (irc-framework), raw sockets where a test needs to say what no library would
// (before registering, silence through a PING), and line (`nc`-style) and WebSocket members in
// the same rooms. Every test starts its own chatd on ephemeral loopback ports and stops it by
// PID, so no test sees another's members.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { ChatdServer, SERVER_NAME } from './support/chatd_server.mjs';
import { IrcClient } from './support/irc_client.mjs';
import { RawClient } from './support/raw_client.mjs';
import { WebClient } from './support/web_client.mjs';

const HOST = '127.0.0.1';
const S = SERVER_NAME;
// How long a test waits before it concludes that something did not arrive.
const QUIET_MS = 300;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The raw line `:SOURCE COMMAND params... :trailing`, allowing the trailing colon to be left out
// when the last parameter is one word (both are the same IRC message).
const ircLine = (source, command, ...params) => {
  const last = params.pop();
  const head = [`:${source}`, command, ...params].map(escape).join(' ');
  const tail = /^[^ :]+$/.test(last) ? `:?${escape(last)}` : `:${escape(last)}`;
  return new RegExp(`^(@\\S+ )?${head} ${tail}$`);
};
const src = (nick) => `${nick}!${nick}@chatd`;
const count = (lines, pattern) => lines.filter((line) => pattern.test(line)).length;

// One chatd for one test, and every client the test opened, closed after it (chatd by PID).
async function chatd(t, extraArgs = []) {
  const server = await ChatdServer.start({ extraArgs });
  const opened = [];
  t.after(async () => {
    for (const client of opened) {
      try {
        if (client instanceof IrcClient) { if (!client.closed) client.destroy(); } else client.close();
      } catch { /* already gone */ }
    }
    await server.stop();
  });
  const keep = (client) => { opened.push(client); return client; };
  return {
    server,
    irc: async (nick, options = {}) => keep(await IrcClient.connect(HOST, server.ircPort, nick, {
      // The suite's clients never ping the server on their own: the server's PINGs are tested.
      ...options, framework: { ping_interval: 0, ...options.framework },
    })),
    raw: async () => keep(await RawClient.irc(server.ircPort)),
    // A line client, named `name` if given (else it keeps chatd's "127.0.0.1:PORT").
    line: async (name) => {
      const client = keep(await RawClient.line(server.linePort));
      await client.waitFor(`* ${client.chatdName} joined`);
      if (name) {
        client.send(`/nick ${name}`);
        await client.waitFor(`* ${client.chatdName} is now known as ${name}`);
      }
      return client;
    },
    web: async () => {
      const client = keep(await WebClient.connect(server.webPort));
      const welcome = await client.waitFor((f) => f.type === 'welcome');
      client.name = welcome.name;
      return client;
    },
  };
}

// Joins `channel` and waits for its own JOIN and the NAMES that follow it.
async function join(irc, channel) {
  irc.send(`JOIN ${channel}`);
  await irc.waitForLine(ircLine(src(irc.nick), 'JOIN', channel));
  await irc.waitForLine(new RegExp(`^:${escape(S)} 366 ${escape(irc.nick)} ${escape(channel)} `));
}

// Registers a raw socket by hand as `nick`, without CAP; resolves after the MOTD.
async function registerRaw(raw, nick) {
  raw.send(`NICK ${nick}`);
  raw.send(`USER ${nick} 0 * :${nick}`);
  await raw.waitFor(new RegExp(`^:${escape(S)} 001 ${nick} `));
  return raw.waitFor(new RegExp(`^:${escape(S)} (376|422) ${nick} `));
}

test('registration with CAP: echo-message and server-time acknowledged, 001 names the nick, ' +
  'ISUPPORT and the MOTD follow', async (t) => {
  const { irc } = await chatd(t);
  const alice = await irc('alice', { echoMessage: true });

  assert.ok(alice.sent.includes('CAP LS 302'), `irc-framework sent: ${alice.sent.join(' | ')}`);
  await alice.waitForLine(`:${S} CAP * LS :echo-message multi-prefix server-time`);
  const ack = await alice.waitForLine(/^:\S+ CAP \S+ ACK :/);
  for (const cap of ['echo-message', 'server-time']) {
    assert.ok(ack.split(':').at(-1).split(' ').includes(cap), `${cap} not acknowledged: ${ack}`);
    assert.ok(alice.caps.includes(cap), `irc-framework has ${alice.caps} enabled, not ${cap}`);
  }
  await alice.waitForLine(`:${S} 001 alice :Welcome to the chatd Network, alice!alice@chatd`);
  await alice.waitForLine(/^:test\.chatd 002 alice :Your host is test\.chatd, running version /);
  await alice.waitForLine(/^:test\.chatd 003 alice :/);
  await alice.waitForLine(/^:test\.chatd 004 alice test\.chatd \S+ /);
  const isupport = await alice.waitForLine(/^:test\.chatd 005 alice /);
  for (const token of ['CASEMAPPING=ascii', 'CHANTYPES=#', 'NICKLEN=32', 'CHANNELLEN=33',
    'NETWORK=chatd']) {
    assert.ok(isupport.split(' ').includes(token), `005 lacks ${token}: ${isupport}`);
  }
  assert.equal(alice.client.network.name, 'chatd');
  assert.equal(alice.client.network.supports('NICKLEN'), '32');
  await alice.waitForLine(/^:test\.chatd 375 alice :- test\.chatd Message of the day/);
  await alice.waitForLine(/^:test\.chatd 372 alice :- /);
  await alice.waitForLine(`:${S} 376 alice :End of /MOTD command.`);

  // server-time: what the rooms relay carries a @time tag of now, which irc-framework reads.
  await join(alice, '#lobby');
  const before = Date.now();
  const own = alice.waitFor('privmsg', (e) => e.message === 'timed');
  alice.client.say('#lobby', 'timed');
  const echoed = await own;
  assert.ok(Math.abs(echoed.time - before) < 5000, `server-time ${echoed.time} is not now`);
  const tagged = await alice.waitForLine(/PRIVMSG #lobby :?timed$/);
  assert.match(tagged, /^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :alice!alice@chatd /);
});

test('registration waits for CAP END, NAKs a request with an unknown cap, and answers ' +
  'commands before registering with 451', async (t) => {
  const { raw } = await chatd(t);
  const zed = await raw();
  zed.send('PRIVMSG #lobby :x');
  await zed.waitFor(`:${S} 451 * :You have not registered`);
  assert.ok(!zed.closed, 'a command before registering cost the connection');
  zed.send('CAP LS 302');
  await zed.waitFor(`:${S} CAP * LS :echo-message multi-prefix server-time`);
  zed.send('NICK zed');
  zed.send('USER zed 0 * :Zed');
  zed.send('CAP REQ :echo-message bogus');
  await zed.waitFor(`:${S} CAP zed NAK :echo-message bogus`);
  zed.send('CAP REQ :server-time');
  await zed.waitFor(ircLine(S, 'CAP', 'zed', 'ACK', 'server-time'));
  await sleep(QUIET_MS);
  assert.equal(count(zed.texts, / 001 /), 0, `welcomed before CAP END:\n${zed.texts.join('\n')}`);
  zed.send('CAP END');
  await zed.waitFor(`:${S} 001 zed :Welcome to the chatd Network, zed!zed@chatd`);
  await zed.waitFor(`:${S} 376 zed :End of /MOTD command.`);
});

test('registration without CAP works, PASS is ignored without a server password', async (t) => {
  const { raw, irc } = await chatd(t);
  const zed = await raw();
  zed.send('PASS whatever');
  await registerRaw(zed, 'zed');
  assert.equal(count(zed.texts, / CAP /), 0);
  assert.equal(count(zed.texts, /^:test\.chatd 005 zed .*CASEMAPPING=ascii/), 1);
  zed.send('USER zed 0 * :again');
  await zed.waitFor(/^:test\.chatd 462 zed :/);
  // The hand-registered client is a member like any other.
  const alice = await irc('alice');
  await join(alice, '#lobby');
  zed.send('JOIN #lobby');
  await alice.waitForLine(ircLine(src('zed'), 'JOIN', '#lobby'));
});

test('JOIN #a,#b joins both channels, NAMES lists the members, and the channels\' traffic ' +
  'stays apart', async (t) => {
  const { irc, line } = await chatd(t);
  const alice = await irc('alice');
  const joins = [];
  alice.client.on('join', (e) => joins.push(e.channel));
  const userlists = [];
  alice.client.on('userlist', (e) => userlists.push(e));
  alice.send('JOIN #a,#b');
  // Each channel's lines come in their order; the two channels' lines may interleave (each
  // room is a stream of its own), as on any IRC server.
  await alice.waitFor('userlist', () => userlists.length === 2);
  for (const channel of ['#a', '#b']) {
    const at = (pattern) => alice.lines.findIndex((l) => pattern.test(l));
    const joined = at(ircLine(src('alice'), 'JOIN', channel));
    const named = at(ircLine(S, '353', 'alice', '=', channel, 'alice'));
    const ended = at(new RegExp(`^:${escape(S)} 366 alice ${channel} `));
    assert.ok(joined >= 0 && joined < named && named < ended, alice.lines.join('\n'));
  }
  assert.deepEqual(joins.sort(), ['#a', '#b']);
  assert.deepEqual(userlists.map((e) => [e.channel, e.users.map((u) => u.nick)]).sort(),
    [['#a', ['alice']], ['#b', ['alice']]]);

  const bob = await irc('bob');
  await join(bob, '#b');
  await alice.waitForLine(ircLine(src('bob'), 'JOIN', '#b'));
  const carol = await line('carol');
  carol.send('/join a');
  await alice.waitForLine(ircLine(src('carol'), 'JOIN', '#a'));
  await carol.waitFor('* carol joined');

  alice.send('NAMES #a');
  const names = await alice.waitForLine(/^:test\.chatd 353 alice = #a :/);
  assert.deepEqual(names.split(' :')[1].split(' ').sort(), ['alice', 'carol']);
  await alice.waitForLine(`:${S} 366 alice #a :End of /NAMES list`);

  alice.client.say('#a', 'only in a');
  await carol.waitFor('alice:only in a');
  alice.client.say('#b', 'only in b');
  await bob.waitForLine(ircLine(src('alice'), 'PRIVMSG', '#b', 'only in b'));
  carol.send('back in a');
  await alice.waitForLine(ircLine(src('carol'), 'PRIVMSG', '#a', 'back in a'));
  await sleep(QUIET_MS);
  assert.equal(count(bob.lines, /only in a|back in a/), 0, `#a leaked into #b:\n${bob.lines.join('\n')}`);
  assert.ok(!carol.texts.includes('alice:only in b'), `#b leaked into a:\n${carol.texts.join('\n')}`);
  // alice never joined #lobby: an IRC client starts in no channel.
  assert.equal(count(alice.lines, / (JOIN|PART|PRIVMSG|353|366) #lobby/), 0);
});

test('messages go both ways between IRC, a line member and a web member in #lobby', async (t) => {
  const { irc, line, web } = await chatd(t);
  const nc = await line();
  const tab = await web();
  const alice = await irc('alice');
  await join(alice, '#lobby');
  await nc.waitFor('* alice joined');
  await tab.waitFor((f) => f.type === 'joined' && f.who === 'alice' && f.room === 'lobby');
  const names = alice.lines.find((l) => l.startsWith(`:${S} 353 alice = #lobby :`));
  assert.deepEqual(names.split(' :')[1].split(' ').sort(),
    [nc.ircAlias, `ip-127-0-0-1_${tab.name.split(':')[1]}`, 'alice'].sort());

  // IRC to the others.
  alice.client.say('#lobby', 'hi');
  await nc.waitFor('alice:hi');
  await tab.waitFor((f) => f.type === 'message' && f.room === 'lobby' && f.from === 'alice' &&
    f.text === 'hi');
  alice.send('NOTICE #lobby :psst');
  await nc.waitFor('alice:psst');
  alice.client.action('#lobby', 'dances');
  await nc.waitFor('* alice dances');
  await tab.waitFor((f) => f.type === 'action' && f.from === 'alice' && f.text === 'dances');

  // The line member, unnamed, under its alias; then named.
  const privmsg = alice.waitFor('privmsg', (e) => e.message === 'hello');
  nc.send('hello');
  await alice.waitForLine(ircLine(src(nc.ircAlias), 'PRIVMSG', '#lobby', 'hello'));
  const hello = await privmsg;
  assert.deepEqual([hello.nick, hello.ident, hello.hostname, hello.target],
    [nc.ircAlias, nc.ircAlias, 'chatd', '#lobby']);
  nc.send('/nick bob');
  await alice.waitForLine(ircLine(src(nc.ircAlias), 'NICK', 'bob'));
  nc.send('hello again');
  await alice.waitForLine(ircLine(src('bob'), 'PRIVMSG', '#lobby', 'hello again'));
  const action = alice.waitFor('action', (e) => e.nick === 'bob');
  nc.send('/me waves');
  await alice.waitForLine(ircLine(src('bob'), 'PRIVMSG', '#lobby', '\x01ACTION waves\x01'));
  assert.equal((await action).message, 'waves');

  // The web member.
  const tabAlias = `ip-127-0-0-1_${tab.name.split(':')[1]}`;
  tab.send({ type: 'say', text: 'from the tab' });
  await alice.waitForLine(ircLine(src(tabAlias), 'PRIVMSG', '#lobby', 'from the tab'));
  tab.send({ type: 'nick', name: 'wendy' });
  await alice.waitForLine(ircLine(src(tabAlias), 'NICK', 'wendy'));
  tab.send({ type: 'me', text: 'smiles' });
  const smile = await alice.waitFor('action', (e) => e.nick === 'wendy');
  assert.deepEqual([smile.target, smile.message], ['#lobby', 'smiles']);
});

test('echo-message: a client without it does not get its own PRIVMSG back, one with it gets ' +
  'it exactly once', async (t) => {
  const { irc, line } = await chatd(t);
  const plain = await irc('plain');
  const echo = await irc('echo', { echoMessage: true });
  assert.ok(!plain.caps.includes('echo-message'));
  assert.ok(echo.caps.includes('echo-message'));
  await join(plain, '#lobby');
  await join(echo, '#lobby');
  const nc = await line();

  plain.client.say('#lobby', 'from plain');
  plain.send('NOTICE #lobby :notice from plain');
  await nc.waitFor('plain:notice from plain');
  echo.client.say('#lobby', 'from echo');
  await nc.waitFor('echo:from echo');
  nc.send('after both');   // in room order after both messages: when it arrives, they would have
  await plain.waitForLine(ircLine(src(nc.ircAlias), 'PRIVMSG', '#lobby', 'after both'));
  await echo.waitForLine(ircLine(src(nc.ircAlias), 'PRIVMSG', '#lobby', 'after both'));
  await sleep(QUIET_MS);

  assert.equal(count(plain.lines, /from plain/), 0, `plain got its own:\n${plain.lines.join('\n')}`);
  assert.equal(count(plain.lines, ircLine(src('echo'), 'PRIVMSG', '#lobby', 'from echo')), 1);
  assert.equal(count(echo.lines, ircLine(src('plain'), 'PRIVMSG', '#lobby', 'from plain')), 1);
  assert.equal(count(echo.lines, ircLine(src('echo'), 'PRIVMSG', '#lobby', 'from echo')), 1,
    `echo's own message, once:\n${echo.lines.join('\n')}`);
});

test('NAMES, WHO, WHOIS, TOPIC, LIST, MODE, ISON, USERHOST and AWAY are answered with the ' +
  'right numerics; a line member shows in NAMES, WHO and WHOIS by nick', async (t) => {
  const { irc, line } = await chatd(t);
  const bob = await line('bob');
  const alice = await irc('alice');
  await join(alice, '#lobby');
  await bob.waitFor('* alice joined');

  const userlist = alice.waitFor('userlist', (e) => e.channel === '#lobby');
  alice.send('NAMES #lobby');
  assert.deepEqual((await userlist).users.map((u) => u.nick).sort(), ['alice', 'bob']);

  const wholist = alice.waitFor('wholist', () => true);
  alice.send('WHO #lobby');
  await alice.waitForLine(`:${S} 352 alice #lobby bob chatd ${S} bob H :0 bob`);
  await alice.waitForLine(`:${S} 315 alice #lobby :End of WHO list`);
  assert.deepEqual((await wholist).users.map((u) => u.nick).sort(), ['alice', 'bob']);

  const whois = alice.waitFor('whois', (e) => e.nick === 'bob');
  alice.send('WHOIS bob');
  await alice.waitForLine(ircLine(S, '311', 'alice', 'bob', 'bob', 'chatd', '*', 'bob'));
  await alice.waitForLine(/^:test\.chatd 312 alice bob test\.chatd /);
  await alice.waitForLine(`:${S} 318 alice bob :End of /WHOIS list`);
  const info = await whois;
  assert.deepEqual([info.ident, info.hostname, info.server], ['bob', 'chatd', S]);
  alice.send('WHOIS nobody');
  await alice.waitForLine(`:${S} 401 alice nobody :No such nick/channel`);
  await alice.waitForLine(`:${S} 318 alice nobody :End of /WHOIS list`);

  alice.send('TOPIC #lobby');
  await alice.waitForLine(`:${S} 331 alice #lobby :No topic is set`);
  alice.send('TOPIC #elsewhere');
  await alice.waitForLine(/^:test\.chatd 442 alice #elsewhere :/);

  const list = alice.waitFor('channel list end', () => true);
  alice.send('LIST');
  await alice.waitForLine(/^:test\.chatd 321 alice /);
  await alice.waitForLine(ircLine(S, '322', 'alice', '#lobby', '2', ''));
  await alice.waitForLine(`:${S} 323 alice :End of /LIST`);
  await list;

  alice.send('MODE #lobby');
  await alice.waitForLine(ircLine(S, '324', 'alice', '#lobby', '+n'));
  alice.send('MODE alice');
  await alice.waitForLine(ircLine(S, '221', 'alice', '+'));
  alice.send('MODE bob');
  await alice.waitForLine(/^:test\.chatd 502 alice :/);
  alice.send('MODE #lobby +m');
  await alice.waitForLine(/^:test\.chatd 482 alice #lobby :/);

  alice.send('ISON bob nobody alice');
  await alice.waitForLine(`:${S} 303 alice :bob alice`);
  alice.send('ISON nobody');
  await alice.waitForLine(ircLine(S, '303', 'alice', ''));
  alice.send('USERHOST bob');
  await alice.waitForLine(ircLine(S, '302', 'alice', 'bob=+bob@chatd'));
  alice.send('AWAY :lunch');
  await alice.waitForLine(/^:test\.chatd 306 alice :/);
  alice.send('AWAY');
  await alice.waitForLine(/^:test\.chatd 305 alice :/);
  alice.send('PING :sync-1');
  await alice.waitForLine(ircLine(S, 'PONG', S, 'sync-1'));
});

test('nicks are unique across doors: 433 for a line member\'s name, a line /nick of an IRC ' +
  'nick is refused, and an IRC NICK change is seen by line and web members', async (t) => {
  const { irc, raw, line, web } = await chatd(t);
  const lineAlice = await line('alice');

  const zed = await raw();
  zed.send('NICK alice');
  zed.send('USER alice 0 * :alice');
  await zed.waitFor(`:${S} 433 * alice :Nickname is already in use`);
  zed.send('NICK ALICE');   // CASEMAPPING=ascii: the same nick
  await zed.waitFor(`:${S} 433 * ALICE :Nickname is already in use`);
  zed.send('NICK zed');
  await zed.waitFor(`:${S} 001 zed :Welcome to the chatd Network, zed!zed@chatd`);

  const carol = await irc('carol');
  const nc = await line();
  nc.send('/nick carol');
  await nc.waitFor('! nickname carol is taken');
  nc.send('/nick CAROL');
  await nc.waitFor('! nickname CAROL is taken');
  const tab = await web();
  tab.send({ type: 'nick', name: 'carol' });
  await tab.waitFor((f) => f.type === 'error' && f.text === 'nickname carol is taken');

  await join(carol, '#lobby');
  const inUse = carol.waitFor('nick in use', (e) => e.nick === 'alice');
  carol.send('NICK alice');
  await inUse;
  await carol.waitForLine(`:${S} 433 carol alice :Nickname is already in use`);
  carol.send('NICK carol2');
  await carol.waitForLine(ircLine(src('carol'), 'NICK', 'carol2'));
  await lineAlice.waitFor('* carol is now known as carol2');
  await tab.waitFor((f) => f.type === 'renamed' && f.from === 'carol' && f.to === 'carol2');
  assert.equal(carol.nick, 'carol2');
  // The old nick is free again, for any door.
  nc.send('/nick carol');
  await nc.waitFor(`* ${nc.chatdName} is now known as carol`);
  await carol.waitForLine(ircLine(src(nc.ircAlias), 'NICK', 'carol'));
  // A nick change in no channel is told to the client itself.
  zed.send('NICK zed2');
  await zed.waitFor(ircLine(src('zed'), 'NICK', 'zed2'));
});

test('a NICK change in two channels is one NICK line, for the client and for a member of both',
  async (t) => {
    const { irc } = await chatd(t);
    const alice = await irc('alice');
    const dave = await irc('dave');
    for (const client of [alice, dave]) await join(client, '#a');
    for (const client of [alice, dave]) await join(client, '#b');
    alice.send('NICK alice2');
    dave.send('PING :sync');
    await dave.waitForLine(ircLine(src('alice'), 'NICK', 'alice2'));
    await sleep(QUIET_MS);
    const nick = ircLine(src('alice'), 'NICK', 'alice2');
    assert.equal(count(alice.lines, nick), 1, `alice:\n${alice.lines.join('\n')}`);
    assert.equal(count(dave.lines, nick), 1, `dave:\n${dave.lines.join('\n')}`);
  });

test('a 600-byte line gets 417 and the connection carries on; 512 bytes with CRLF is the limit, ' +
  'and a long message is relayed whole', async (t) => {
  const { irc, raw, line } = await chatd(t);
  const bob = await line('bob');
  const dave = await irc('dave');
  await join(dave, '#lobby');
  const zed = await raw();
  await registerRaw(zed, 'zed');
  zed.send('JOIN #lobby');
  await zed.waitFor(ircLine(src('zed'), 'JOIN', '#lobby'));

  zed.send(`PRIVMSG #lobby :${'x'.repeat(600)}`);
  await zed.waitFor(`:${S} 417 zed :Input line was too long`);
  zed.send('PRIVMSG #lobby :still here');
  await bob.waitFor('zed:still here');
  assert.ok(!zed.closed);
  assert.ok(!bob.texts.some((l) => l.includes('xxxxxxxxxx')), 'the long line was relayed');

  // "PRIVMSG #lobby :" is 16 bytes: 494 more and CRLF make 512, the most a line may be.
  const longest = 'y'.repeat(493) + 'Z';
  zed.send(`PRIVMSG #lobby :${longest}`);
  await bob.waitFor(`zed:${longest}`);
  zed.send(`PRIVMSG #lobby :${longest}z`);   // 513 bytes
  await zed.waitFor(`:${S} 417 zed :Input line was too long`);
  zed.send('PRIVMSG #lobby :done');
  await bob.waitFor('zed:done');
  assert.ok(!bob.texts.includes(`zed:${longest}z`));

  // To dave the 494 bytes do not fit one line after the source: they come in pieces, all there.
  await dave.waitForLine(ircLine(src('zed'), 'PRIVMSG', '#lobby', 'done'));
  // (dave has server-time: the 512 bytes are the message's, after the tags.)
  const pieces = dave.lines.map((l) => l.replace(/^@\S+ /, ''))
    .filter((l) => /^:zed!zed@chatd PRIVMSG #lobby :?[yZ]/.test(l));
  assert.ok(pieces.length >= 2, `one line cannot hold it: ${pieces.length} pieces`);
  for (const piece of pieces) assert.ok(Buffer.byteLength(piece) + 2 <= 512, piece);
  const text = (l) => l.replace(/^:zed!zed@chatd PRIVMSG #lobby :?/, '');
  assert.equal(pieces.map(text).join(''), longest);
  const said = dave.waitFor('privmsg', (e) => e.message === 'whole');
  zed.send('PRIVMSG #lobby :whole');
  assert.equal((await said).nick, 'zed');
});

test('PING timeout with --idle-timeout 2: a silent client is PINGed after ~1 s, then dropped ' +
  'with "Ping timeout" after ~2 s'
  , async (t) => {
  const { irc, raw } = await chatd(t, ['--idle-timeout', '2']);
  const alice = await irc('alice');
  await join(alice, '#lobby');
  const zed = await raw();
  await registerRaw(zed, 'zed');
  zed.send('JOIN #lobby');
  const joined = await zed.waitFor(ircLine(src('zed'), 'JOIN', '#lobby'));
  const ping = await zed.waitFor(/^(:test\.chatd )?PING :?test\.chatd$/, 4000);
  const pingedAfter = ping.at - joined.at;
  assert.ok(pingedAfter >= 700 && pingedAfter <= 2000, `PING after ${pingedAfter} ms, not ~1 s`);
  await zed.waitFor(/^ERROR :Closing Link: 127\.0\.0\.1:\d+ \(Ping timeout\)$/, 4000);
  await zed.waitForClose(2000);
  const droppedAfter = zed.closedAt - joined.at;
  assert.ok(droppedAfter >= 1700 && droppedAfter <= 3500, `dropped after ${droppedAfter} ms, not ~2 s`);
  assert.ok(zed.closedAt - ping.at >= 500, `dropped ${zed.closedAt - ping.at} ms after the PING`);
  await alice.waitForLine(ircLine(src('zed'), 'QUIT', 'Ping timeout'));
});

test('PING timeout with --idle-timeout 2: clients that answer the PINGs stay 4 s without ' +
  'saying anything else, and still chat'
  , async (t) => {
  const { irc } = await chatd(t, ['--idle-timeout', '2']);
  const alice = await irc('alice');
  const bob = await irc('bob');
  await join(alice, '#lobby');
  await join(bob, '#lobby');
  await sleep(4000);
  assert.ok(!alice.closed && !bob.closed, 'a client that answers PINGs was dropped');
  for (const client of [alice, bob]) {
    assert.ok(client.lines.filter((l) => /^(:test\.chatd )?PING /.test(l)).length >= 2,
      `${client.nick} was not PINGed every ~1 s:\n${client.lines.join('\n')}`);
    assert.ok(client.sent.some((l) => /^PONG /.test(l)), 'irc-framework did not answer the PING');
  }
  alice.client.say('#lobby', 'still here after 4 s');
  await bob.waitForLine(ircLine(src('alice'), 'PRIVMSG', '#lobby', 'still here after 4 s'));
});

test('QUIT and PART reasons reach line and IRC members; a dropped connection is a QUIT too',
  async (t) => {
    const { irc, line } = await chatd(t);
    const bob = await line('bob');
    const alice = await irc('alice');
    const dave = await irc('dave');
    const erin = await irc('erin');
    for (const client of [alice, dave, erin]) await join(client, '#lobby');

    const quit = dave.waitFor('quit', (e) => e.nick === 'alice');
    await alice.quit('gone for lunch');
    assert.ok(alice.lines.some((l) =>
      /^ERROR :Closing Link: 127\.0\.0\.1:\d+ \(Quit: gone for lunch\)$/.test(l)),
    `alice's last lines:\n${alice.lines.slice(-3).join('\n')}`);
    await bob.waitFor('* alice left (gone for lunch)');
    await dave.waitForLine(ircLine(src('alice'), 'QUIT', 'Quit: gone for lunch'));
    assert.equal((await quit).message, 'Quit: gone for lunch');

    erin.send('PART #lobby :see you');
    await erin.waitForLine(ircLine(src('erin'), 'PART', '#lobby', 'see you'));
    await dave.waitForLine(ircLine(src('erin'), 'PART', '#lobby', 'see you'));
    await bob.waitFor('* erin left (see you)');
    assert.ok(!erin.closed);
    erin.send('PRIVMSG #lobby :x');
    await erin.waitForLine(`:${S} 404 erin #lobby :Cannot send to channel`);

    const fred = await irc('fred');
    await join(fred, '#lobby');
    fred.send('QUIT');
    await dave.waitForLine(ircLine(src('fred'), 'QUIT', 'Quit'));
    await bob.waitFor('* fred left (quit)');

    const gus = await irc('gus');
    await join(gus, '#lobby');
    gus.destroy();
    await dave.waitForLine(ircLine(src('gus'), 'QUIT', 'Connection closed'));
    await bob.waitFor('* gus left (closed)');
  });

test('a QUIT is one QUIT line for a member sharing two channels with the quitter',
  async (t) => {
    const { irc } = await chatd(t);
    const alice = await irc('alice');
    const dave = await irc('dave');
    for (const client of [alice, dave]) { await join(client, '#a'); await join(client, '#b'); }
    await alice.quit('bye');
    const quit = ircLine(src('alice'), 'QUIT', 'Quit: bye');
    await dave.waitForLine(quit);
    await sleep(QUIET_MS);
    assert.equal(count(dave.lines, quit), 1, `dave:\n${dave.lines.join('\n')}`);
  });

test('with server-time every line a room relays, the client\'s own PART too, has a @time tag',
  async (t) => {
    const { irc } = await chatd(t);
    const alice = await irc('alice');
    assert.ok(alice.caps.includes('server-time'));
    await join(alice, '#lobby');
    alice.send('PART #lobby :bye');
    const part = await alice.waitForLine(ircLine(src('alice'), 'PART', '#lobby', 'bye'));
    assert.match(part, /^@time=\S+ /);
  });

test('errors: unknown command 421, PRIVMSG to a channel not joined 404, PART of one 442, and ' +
  'the other numerics for bad input', async (t) => {
  const { irc } = await chatd(t);
  const alice = await irc('alice');
  const checks = [
    ['FROBNICATE now', `:${S} 421 alice FROBNICATE :Unknown command`],
    ['PRIVMSG #notjoined :x', `:${S} 404 alice #notjoined :Cannot send to channel`],
    ['PART #notjoined', `:${S} 442 alice #notjoined :You're not on that channel`],
    ['PRIVMSG nobody :hi', `:${S} 401 alice nobody :No such nick/channel`],
    ['JOIN lobby', /^:test\.chatd 403 alice lobby :/],
    ['JOIN', /^:test\.chatd 461 alice JOIN :/],
    ['PRIVMSG', /^:test\.chatd 411 alice :/],
    ['PRIVMSG #lobby', /^:test\.chatd 412 alice :/],
    ['NICK 9lives', /^:test\.chatd 432 alice 9lives :/],
    ['NICK', /^:test\.chatd 431 alice :/],
    ['PASS secret', /^:test\.chatd 462 alice :/],
  ];
  for (const [input, expected] of checks) {
    alice.send(input);
    await alice.waitForLine(expected, 3000);
  }
  assert.ok(!alice.closed);
  alice.send('PING :still-on');
  await alice.waitForLine(ircLine(S, 'PONG', S, 'still-on'));
});

test('private messages go between IRC and line members by nick, to them alone, and an IRC ' +
  'client in no channel can send one but not receive one', async (t) => {
  const { irc, line } = await chatd(t);
  const bob = await line('bob');
  const carol = await line('carol');
  const alice = await irc('alice');
  await join(alice, '#lobby');
  alice.send('PRIVMSG bob :psst bob');
  await bob.waitFor('alice -> bob:psst bob');
  bob.send('/msg alice hello alice');
  await alice.waitForLine(ircLine(src('bob'), 'PRIVMSG', 'alice', 'hello alice'));
  await bob.waitFor('bob -> alice:hello alice');
  bob.send('sync');
  await carol.waitFor('bob:sync');
  assert.ok(!carol.texts.some((l) => l.includes('psst') || l.includes('hello alice')),
    carol.texts.join('\n'));
  // Without echo-message the sender does not see its own copy.
  assert.equal(count(alice.lines, /PRIVMSG bob :/), 0);

  const dave = await irc('dave');
  dave.send('PRIVMSG bob :from nowhere');
  await bob.waitFor('dave -> bob:from nowhere');
  bob.send('/msg dave are you there');
  await bob.waitFor('! no such nickname: dave');
});

test('TOPIC sets the room\'s topic for every door, and a newcomer gets 332 after its JOIN',
  async (t) => {
    const { irc, line } = await chatd(t);
    const bob = await line('bob');
    const alice = await irc('alice');
    await join(alice, '#lobby');
    alice.send('TOPIC #lobby');
    await alice.waitForLine(`:${S} 331 alice #lobby :No topic is set`);
    alice.send('TOPIC #lobby :release on friday');
    await alice.waitForLine(ircLine(src('alice'), 'TOPIC', '#lobby', 'release on friday'));
    await bob.waitFor('* alice set the topic: release on friday');
    const dave = await irc('dave');
    dave.send('JOIN #lobby');
    await dave.waitForLine(`:${S} 332 dave #lobby :release on friday`);
    await dave.waitForLine(new RegExp(`^:${escape(S)} 366 dave #lobby `));
    const lines = dave.lines.filter((l) => / JOIN :?#lobby$| 332 | 353 /.test(l));
    assert.match(lines[0], / JOIN :?#lobby$/, lines.join('\n'));
    assert.match(lines[1], / 332 /, lines.join('\n'));
    assert.match(lines[2], / 353 /, lines.join('\n'));
    bob.send('/topic');
    await bob.waitFor('* topic of lobby: release on friday (set by alice)');
  });

test('SIGTERM closes every IRC client at once — in a channel, in none, still registering — ' +
  'with "Server shutting down", and chatd exits 0 without waiting for its drain deadline',
  async (t) => {
    const { server, irc, raw } = await chatd(t);
    const inChannel = await irc('alice');
    await join(inChannel, '#lobby');
    const inNone = await irc('bob');
    const registering = await raw();
    registering.send('NICK carol');
    const started = Date.now();
    const stopped = server.stop();
    const closing = /^ERROR :Closing Link: 127\.0\.0\.1:\d+ \(Server shutting down\)$/;
    await inChannel.waitForLine(closing);
    await inNone.waitForLine(closing);
    await registering.waitFor(closing);
    const { code } = await stopped;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms`);
    assert.doesNotMatch(server.log, /drain deadline passed/);
  });

test('an IRC client that stops reading is closed as too slow, and the room goes on', async (t) => {
  const { server, irc, raw, line } = await chatd(t, ['--outbox', '256K', '--rate', '0']);
  const stalled = await raw();
  await registerRaw(stalled, 'zed');
  stalled.send('JOIN #lobby');
  await stalled.waitFor(/ 366 zed #lobby /);
  stalled.stopReading();
  const alice = await irc('alice');
  await join(alice, '#lobby');
  const flooder = await line('flood');
  // Bursts well below the outbox bound, which a reading client keeps up with.
  const text = 'x'.repeat(1000);
  for (let burst = 0; burst < 500 && !/disconnected \(too slow\)/.test(server.log); burst++) {
    flooder.write(`${text}\n`.repeat(50));
    await sleep(20);
  }
  assert.match(server.log, /127\.0\.0\.1:\d+ disconnected \(too slow\)/);
  flooder.send('still here');
  await alice.waitForLine(ircLine(src('flood'), 'PRIVMSG', '#lobby', 'still here'), 20000);
});
