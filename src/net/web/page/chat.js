// The chat page's behaviour: one WebSocket to /ws speaking the JSON frames of docs/protocol.md
// ("The WebSocket door"), the message log, the people and rooms panels, reconnecting with
// backoff. Every piece of server or user text enters the page through textContent or
// createTextNode, never as HTML, so a message cannot become markup.
'use strict';

const MAX_LINES = 3000;            // older lines are dropped so a busy room cannot grow memory
const FLUSH_MS = 16;               // a burst of frames (a history replay) lands in one layout
const STICK_PX = 40;               // "at the bottom" within this much, so rounding cannot unstick
const PANEL_THROTTLE_MS = 300;     // a burst of joins and leaves costs one `who`, not one each
const ROOMS_REFRESH_MS = 10000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
const NICK_KEY = 'chatd.nick';
const CLOSE_WORDS = { 1005: 'no reason given', 1006: 'connection lost' };
// The server closed because the person was away: coming back by itself would only start the
// wait again, so the page waits for the person instead.
const IDLE_REASON = 'idle for too long';
const LEFT_WORDS = { closed: 'closed', too_slow: 'too slow', timed_out: 'timed out' };
const CLOCK = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
// Frames that are a room's own traffic. After a `join` the new room's replay and join notice come
// before its `room` answer, so the first of these naming another room is where the page moves.
const ROOM_TRAFFIC = new Set(['history', 'message', 'action', 'joined', 'left', 'renamed', 'room']);

const ui = Object.fromEntries([
  'log', 'jump', 'status', 'reconnect', 'room-name', 'side-toggle', 'members', 'members-title',
  'rooms', 'join-form', 'join-input', 'composer', 'say', 'nick-dialog', 'nick-form',
  'nick-input', 'nick-error',
].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), document.getElementById(id)]));

const state = {
  socket: null,
  welcomed: false,
  name: '',             // who the server says we are
  room: '',             // the room we are in, or were in when the socket closed
  nick: loadNick(),     // the nickname we want; sent again after every reconnect
  pendingNick: null,    // { name, fromForm }: a `nick` sent and not yet answered
  replayLeft: 0,        // messages and actions still to come in a history replay
  quitting: false,
  attempt: 0,           // reconnects since the last welcome, for the backoff
  retryTimer: 0,
  panelTimer: 0,
  asked: { who: [], rooms: [] },  // who asked for each answer on its way: 'person' or 'page'
  sent: [],             // the person's own lines, for the up arrow
  recall: 0,
  stick: true,          // the log was at the bottom when last scrolled
  pending: [],          // log lines waiting for the next flush
  flushTimer: 0,
  unread: 0,
};

// ---- The connection ----

function connect() {
  if (state.socket) return;
  clearTimeout(state.retryTimer);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${location.host}/ws`);
  Object.assign(state, {
    socket, welcomed: false, quitting: false, replayLeft: 0, asked: { who: [], rooms: [] },
  });
  ui.reconnect.hidden = true;
  setStatus('connecting…', 'connecting');
  // A socket replaced by a newer one must not touch the page any more.
  socket.onmessage = (event) => { if (state.socket === socket) receive(event.data); };
  socket.onclose = (event) => { if (state.socket === socket) closed(event); };
}

function send(frame) {
  const socket = state.socket;
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

// A question whose answer must be told apart: the person's `/who` is printed, the page's is not.
// Answers come back in the order asked, so a queue per type is enough.
function ask(type, asker) {
  if (send({ type })) state.asked[type].push(asker);
}

// The people and rooms panels, asked for again soon: someone came, went or changed names.
function refreshPanels() {
  if (state.panelTimer) return;
  state.panelTimer = setTimeout(() => {
    state.panelTimer = 0;
    ask('who', 'page');
    ask('rooms', 'page');
  }, PANEL_THROTTLE_MS);
}

function sendNick(name, fromForm) {
  if (send({ type: 'nick', name })) state.pendingNick = { name, fromForm };
}

function closed(event) {
  const wasLive = state.welcomed;
  state.socket = null;
  state.welcomed = false;
  const why = [event.code, event.reason || CLOSE_WORDS[event.code]].filter(Boolean).join(' ');
  ui.reconnect.hidden = false;
  if (state.quitting || event.reason === IDLE_REASON) {
    const what = state.quitting ? 'you left' : 'disconnected';
    if (wasLive) addNotice(`${what} (${why})`, state.quitting ? 'notice' : 'error');
    setStatus(`${what} (${why}) — send a line to come back`, 'offline');
    return;
  }
  if (wasLive) addNotice(`disconnected (${why})`, 'error');
  // Doubling with jitter, so a restarted server is not hit by every page at the same instant.
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** state.attempt++);
  const due = Date.now() + base * (0.75 + Math.random() / 2);
  const tick = () => {
    const left = due - Date.now();
    if (left <= 0) return connect();
    setStatus(`disconnected (${why}) — reconnecting in ${Math.ceil(left / 1000)} s…`, 'offline');
    state.retryTimer = setTimeout(tick, Math.min(left, 250));
  };
  tick();
}

function setStatus(text, kind) {
  ui.status.textContent = text;
  ui.status.dataset.state = kind;
}

// ---- Frames from the server ----

function receive(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    addNotice('the server sent a frame that is not JSON', 'error');
    return;
  }
  // Types this page does not know are skipped: a newer server may send more.
  if (!Object.hasOwn(handlers, frame?.type)) return;
  if (ROOM_TRAFFIC.has(frame.type) && state.welcomed && frame.room) enterRoom(frame.room);
  handlers[frame.type](frame);
}

const handlers = {
  welcome(f) {
    const wasIn = state.room;
    Object.assign(state, { welcomed: true, attempt: 0, name: f.name, room: '' });
    setStatus(`connected as ${f.name}`, 'online');
    addNotice(`connected as ${f.name}`);
    enterRoom(f.room);
    if (state.nick && state.nick !== f.name) sendNick(state.nick, true);
    if (wasIn && !sameName(wasIn, f.room)) send({ type: 'join', room: wasIn });
  },
  history(f) {
    if (f.count > 0) {
      state.replayLeft = f.count;
      addDivider('— earlier messages —');
    }
  },
  message(f) {
    addSpoken('message', f, [span('from', f.from), textWithLinks(f.text)]);
  },
  action(f) {
    addSpoken('action', f, [span('actor', `* ${f.from} `), textWithLinks(f.text)]);
  },
  joined(f) {
    addNotice(`${f.who} joined`);
    refreshPanels();
  },
  left(f) {
    const why = f.reason === 'moved' ? (f.detail ? `moved to ${f.detail}` : 'moved')
      : f.reason === 'quit' ? f.detail || 'quit' : LEFT_WORDS[f.reason] || f.reason;
    addNotice(`${f.who} left (${why})`);
    refreshPanels();
  },
  renamed(f) {
    addNotice(`${f.from} is now known as ${f.to}`);
    if (f.from === state.name) {
      state.name = f.to;
      setStatus(`connected as ${f.to}`, 'online');
      if (state.pendingNick && sameName(state.pendingNick.name, f.to)) {
        state.pendingNick = null;
        state.nick = f.to;
        saveNick(f.to);
      }
    }
    refreshPanels();
  },
  members(f) {
    if (state.asked.who.shift() === 'person') {
      const more = f.total > f.names.length ? ` (and ${f.total - f.names.length} more)` : '';
      addNotice(`${f.total} in ${f.room}: ${f.names.join(' ')}${more}`);
    }
    if (sameName(f.room, state.room)) showMembers(f);
  },
  rooms(f) {
    if (state.asked.rooms.shift() === 'person') {
      addNotice(`rooms: ${f.rooms.map((r) => `${r.name} (${r.members})`).join(', ')}`);
    }
    showRooms(f.rooms);
  },
  private(f) {
    addNotice(`${f.from} → ${f.to}: ${f.text}`, 'private');
  },
  topic(f) {
    addNotice(f.text ? `topic of ${f.room}: ${f.text} (set by ${f.by})` : `${f.room} has no topic`);
  },
  topic_changed(f) {
    addNotice(f.text ? `${f.by} set the topic: ${f.text}` : `${f.by} cleared the topic`);
  },
  room() {},   // receive() has moved the page already
  help(f) {
    // The line door's list, each line starting "* ": shown without the line protocol's marks.
    addNotice(f.text.replace(/^\* /gm, '').trimEnd(), 'help');
  },
  notice(f) {
    addNotice(f.text);
  },
  error(f) {
    addNotice(f.text, 'error');
    // Errors answer in order, and only a nickname's refusal mentions a nickname.
    if (state.pendingNick && /nickname|\/nick/.test(f.text)) {
      const { name, fromForm } = state.pendingNick;
      state.pendingNick = null;
      if (fromForm) {
        state.nick = '';   // not tried again on reconnect until the person picks anew
        openNickForm(name, f.text);
      }
    }
  },
};

function enterRoom(room) {
  if (room === state.room) return;
  state.room = room;
  ui.roomName.textContent = room;
  updateTitle();
  ui.members.replaceChildren();
  addDivider(`you are in ${room}`);
  refreshPanels();
}

// ---- The log ----

// A message or an action: part of a replay while the history frame's count lasts.
function addSpoken(kind, f, parts) {
  const replayed = state.replayLeft > 0;
  const item = line(kind, parts);
  if (f.from === state.name) item.classList.add('mine');
  if (replayed) {
    if (--state.replayLeft === 0) addDivider('— live —');
  } else if (document.hidden) {
    state.unread++;
    updateTitle();
  }
}

function addNotice(text, kind = 'notice') {
  line(kind, [span('text', text)]);
}

function addDivider(text) {
  line('divider', [span('text', text)]);
}

function line(kind, parts) {
  const item = document.createElement('li');
  item.className = `line ${kind}`;
  if (state.replayLeft > 0) {
    item.classList.add('history');
  } else if (kind !== 'divider') {
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString([], CLOCK);
    item.append(time);
  }
  item.append(...parts);
  state.pending.push(item);
  if (state.pending.length > MAX_LINES) state.pending.shift();
  if (!state.flushTimer) state.flushTimer = setTimeout(flush, FLUSH_MS);
  return item;
}

function flush() {
  state.flushTimer = 0;
  ui.log.append(...state.pending.splice(0));
  for (let extra = ui.log.childElementCount - MAX_LINES; extra > 0; extra--) {
    ui.log.firstElementChild.remove();
  }
  if (state.stick) ui.log.scrollTop = ui.log.scrollHeight;
  else ui.jump.hidden = false;
}

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

// http(s) links become anchors; the rest stays text nodes. The href is only ever a matched
// http:// or https:// string, so no other scheme can get in.
function textWithLinks(text) {
  const element = span('text', '');
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)]/g)) {
    const link = document.createElement('a');
    link.href = match[0];
    link.textContent = match[0];
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    element.append(document.createTextNode(text.slice(last, match.index)), link);
    last = match.index + match[0].length;
  }
  element.append(document.createTextNode(text.slice(last)));
  return element;
}

// ---- The side panel ----

function showMembers(f) {
  ui.membersTitle.textContent = `${f.total} in ${f.room}`;
  ui.sideToggle.textContent = `People (${f.total})`;
  const items = f.names.map((name) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.title = `mention ${name}`;
    button.addEventListener('click', () => mention(name));
    const item = document.createElement('li');
    if (name === state.name) item.className = 'me';
    item.append(button);
    return item;
  });
  if (f.total > f.names.length) {
    const more = document.createElement('li');
    more.className = 'more';
    more.textContent = `and ${f.total - f.names.length} more`;
    items.push(more);
  }
  ui.members.replaceChildren(...items);
}

function showRooms(rooms) {
  ui.rooms.replaceChildren(...rooms.map((r) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.append(span('name', r.name), span('count', String(r.members)));
    const item = document.createElement('li');
    if (sameName(r.name, state.room)) {
      item.className = 'current';
      button.setAttribute('aria-current', 'true');
    }
    button.addEventListener('click', () => {
      if (!sameName(r.name, state.room)) send({ type: 'join', room: r.name });
      focusInput();
    });
    item.append(button);
    return item;
  }));
}

function mention(name) {
  ui.say.value = ui.say.value ? `${ui.say.value.trimEnd()} ${name} ` : `${name}: `;
  focusInput();
}

// ---- What the person types ----

// A line as a frame. A command missing its argument, or one this page does not know, goes as the
// raw line: the server reads it as the line protocol and answers with its own usage or error.
function frameFor(text) {
  if (!text.startsWith('/')) return { type: 'say', text };
  if (text.startsWith('//')) return { type: 'say', text: text.slice(1) };
  const gap = text.search(/[ \t]/);
  const command = gap < 0 ? text.slice(1) : text.slice(1, gap);
  const arg = gap < 0 ? '' : text.slice(gap + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  switch (command) {
    case 'nick': return arg ? { type: 'nick', name: arg } : text;
    case 'me': return arg ? { type: 'me', text: arg } : text;
    case 'join': return arg ? { type: 'join', room: arg } : text;
    case 'quit': return arg ? { type: 'quit', reason: arg } : { type: 'quit' };
    case 'msg': {
      const space = arg.search(/[ \t]/);
      const words = space < 0 ? '' : arg.slice(space + 1).trimStart();
      return words ? { type: 'msg', to: arg.slice(0, space), text: words } : text;
    }
    case 'topic': return arg ? { type: 'topic', text: arg } : { type: 'topic' };
    case 'who': case 'rooms': case 'help': return { type: command };
    default: return text;
  }
}

function submit(text) {
  if (!state.welcomed) {
    connect();   // at once, whatever the backoff said: the person is here and waiting
    addNotice('not connected yet: your line is still in the box', 'error');
    return false;
  }
  const frame = frameFor(text);
  if (frame.type === 'who' || frame.type === 'rooms') ask(frame.type, 'person');
  else if (frame.type === 'nick') sendNick(frame.name, false);
  else {
    if (frame.type === 'quit') state.quitting = true;
    send(frame);
  }
  return true;
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.say.value;
  if (!text || !submit(text)) return;
  if (state.sent.at(-1) !== text) state.sent.push(text);
  state.recall = state.sent.length;
  ui.say.value = '';
  state.stick = true;   // the person wants to see their own line arrive
});

// Up and down walk through the person's own lines, as in a shell.
ui.say.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  const step = event.key === 'ArrowUp' ? -1 : 1;
  const next = state.recall + step;
  if (next < 0 || next > state.sent.length) return;
  event.preventDefault();
  state.recall = next;
  ui.say.value = state.sent[next] ?? '';
});

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = ui.joinInput.value.trim();
  if (room && !sameName(room, state.room)) send({ type: 'join', room });
  ui.joinInput.value = '';
  document.body.classList.remove('side-open');
  focusInput();
});

// ---- The nickname form ----

function openNickForm(name, error) {
  ui.nickInput.value = name;
  ui.nickError.textContent = error;
  ui.nickDialog.hidden = false;
  ui.nickInput.focus();
  ui.nickInput.select();
}

ui.nickForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = ui.nickInput.value.trim();
  ui.nickDialog.hidden = true;
  state.nick = name;
  if (!name) saveNick('');
  if (!state.socket) connect();
  else if (state.welcomed && name && name !== state.name) sendNick(name, true);
  focusInput();
});

function loadNick() {
  try {
    return localStorage.getItem(NICK_KEY) || '';
  } catch {
    return '';   // storage refused (privacy settings): just do not remember
  }
}

function saveNick(name) {
  try {
    if (name) localStorage.setItem(NICK_KEY, name);
    else localStorage.removeItem(NICK_KEY);
  } catch {
    // As in loadNick: a page that cannot remember still works.
  }
}

// ---- The page around it ----

function sameName(a, b) {
  return a.toLowerCase() === b.toLowerCase();   // names are ASCII and compared ignoring case
}

function focusInput() {
  if (ui.nickDialog.hidden) ui.say.focus();
}

function updateTitle() {
  const unread = state.unread ? `(${state.unread}) ` : '';
  document.title = `${unread}${state.room ? `${state.room} — ` : ''}chatd`;
}

ui.log.addEventListener('scroll', () => {
  const log = ui.log;
  state.stick = log.scrollHeight - log.scrollTop - log.clientHeight < STICK_PX;
  if (state.stick) ui.jump.hidden = true;
});

ui.jump.addEventListener('click', () => {
  ui.log.scrollTop = ui.log.scrollHeight;
  state.stick = true;
  ui.jump.hidden = true;
  focusInput();
});

ui.reconnect.addEventListener('click', () => {
  state.attempt = 0;
  connect();
  focusInput();
});

ui.sideToggle.addEventListener('click', () => {
  const open = document.body.classList.toggle('side-open');
  ui.sideToggle.setAttribute('aria-expanded', String(open));
});

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || !ui.nickDialog.hidden) return;
  document.body.classList.remove('side-open');
  focusInput();
});

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  state.unread = 0;
  updateTitle();
});

window.addEventListener('focus', () => { if (state.welcomed) ask('rooms', 'page'); });
window.addEventListener('online', () => { if (!state.socket && !state.quitting) connect(); });
// Only while someone can see it: every frame counts as activity for the server's --idle-timeout,
// and a tab left in the background should not keep its person from timing out.
setInterval(() => { if (state.welcomed && !document.hidden) ask('rooms', 'page'); },
  ROOMS_REFRESH_MS);

openNickForm(state.nick, '');
