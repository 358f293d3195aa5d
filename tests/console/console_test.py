#!/usr/bin/env python3
"""`chat` on a real terminal: the binary runs in a tmux pane against a real chatd, keys are typed
with `tmux send-keys` and the screen is read with `tmux capture-pane`.

    python3 tests/console/console_test.py PATH/TO/chatd PATH/TO/chat [unittest options]

Each test starts its own chatd and its own tmux server (on a socket in a temporary directory)
and stops both by PID when it ends. Other members are plain sockets. Everything is on 127.0.0.1.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CHATD = CHAT = None  # set from the command line in main()
HOST = "127.0.0.1"
WIDTH, HEIGHT = 80, 24
ESC = "\x1b"


def stop_pid(proc, grace=5.0):
    """Stops one child by its PID (SIGTERM, then SIGKILL) and reaps it."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


def eventually(check, what, timeout=5.0):
    """Retries `check` (returning a true value or raising AssertionError) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
            failure = AssertionError(what)
        except AssertionError as error:
            failure = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: {failure}")
        time.sleep(0.05)


class Chatd:
    """chatd on a loopback port (a free one, or `port`), line door only; stderr kept in a file."""

    def __init__(self, test, port=0, *flags):
        self.log_path = os.path.join(test.directory, f"chatd-{time.monotonic_ns()}.log")
        self.log_file = open(self.log_path, "wb")
        test.addCleanup(self.log_file.close)
        self.proc = subprocess.Popen(
            [CHATD, "--threads", "2", "--host", HOST, "--port", str(port), "--web", "off",
             "--irc", "off", *(flags or ("--history", "0"))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log_file)
        test.addCleanup(stop_pid, self.proc)
        line = eventually(lambda: re.search(r"listening on [\d.]+:(\d+)", self.log()),
                          "chatd never said it was listening")
        self.port = int(line.group(1))

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self):
        stop_pid(self.proc)


class Member:
    """Another member of the room: a plain socket and the lines it has received."""

    def __init__(self, test, port, nick=None):
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.sock.settimeout(None)  # the reader waits as long as the test runs
        test.addCleanup(self.sock.close)
        self.lines, self._partial, self._lock = [], b"", threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        if nick:
            self.send("/nick " + nick)
            self.wait_for(lambda line: line.endswith(" is now known as " + nick))

    def _read(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                *done, self._partial = (self._partial + chunk).split(b"\n")
                self.lines += [line.decode("utf-8", "replace") for line in done]

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def received(self):
        with self._lock:
            return list(self.lines)

    def wait_for(self, want, timeout=5.0):
        match = want if callable(want) else (lambda line: line == want)
        return eventually(lambda: [line for line in self.received() if match(line)],
                          f"never received {want!r}; got {self.received()!r}", timeout)

    def close(self):
        # shutdown first: a close alone waits for the reader thread's recv, and sends no FIN.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


SANITIZER_OPTIONS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def alive(pid):
    """True while `pid` runs (a zombie has finished: its parent, tmux, reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Terminal:
    """A tmux server of the test's own with one WIDTH x HEIGHT pane running `chat`."""

    def __init__(self, test, port, *flags, shell_after=None, shell=None):
        self.socket_path = os.path.join(test.directory, f"tmux-{time.monotonic_ns()}")
        command = [CHAT, "--port", str(port), *flags]
        if shell is not None:  # a shell in the pane instead, where the test types the commands
            command = shell.split()
        if shell_after is not None:  # run `shell_after` in the pane once chat has exited
            # The shell survives the Ctrl-C meant for chat (an interactive shell would run chat
            # in a process group of its own); chat starts with the default action again.
            command = ["sh", "-c", 'trap : INT; "$@"; ' + shell_after, "sh", *command]
        # No configuration: the user's ~/.tmux.conf stays out of the test. A sanitizer build's
        # reports go to files the test checks, not to the pane.
        environment = ["LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color"]
        for name in SANITIZER_OPTIONS:
            if name in os.environ:
                environment.append(f"{name}={os.environ[name]}:log_path={test.directory}/sanitizer")
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT),
                  *[flag for variable in environment for flag in ("-e", variable)],
                  "--", *command)
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}"))
        self.chat_pid = int(self.pane("pane_pid"))
        test.addCleanup(self.stop)

    def tmux(self, *args):
        done = subprocess.run(["tmux", "-S", self.socket_path, *args], check=True,
                              capture_output=True, text=True, timeout=10)
        return done.stdout.strip()

    def stop(self):
        """Ends chat with SIGHUP, as a closing terminal would (it exits as on any signal, checking
        for leaks in a sanitizer build; so does a shell around it), then the tmux server, by
        their PIDs."""
        pane_processes = children(self.chat_pid) + [self.chat_pid]  # chat, under a shell or not
        for group, stop_signal in ((pane_processes, signal.SIGHUP),
                                   ([self.server_pid], signal.SIGTERM)):
            for pid in group:
                try:
                    os.kill(pid, stop_signal)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            for pid in group:
                while time.monotonic() < deadline and alive(pid):
                    time.sleep(0.02)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def type(self, text):
        self.tmux("send-keys", "-l", "--", text)

    def press(self, *keys):
        self.tmux("send-keys", *keys)

    def rows(self, styles=False):
        """The pane's rows, trailing blanks removed (with SGR sequences when `styles`)."""
        screen = self.tmux("capture-pane", "-p", *(["-e"] if styles else []))
        return [row.rstrip() for row in screen.split("\n")]

    def last_row(self):
        rows = [row for row in self.rows() if row]
        return rows[-1] if rows else ""

    def wait_row(self, want, timeout=5.0):
        """Waits for a row equal to `want` (or matching the compiled regex)."""
        def find():
            rows = self.rows()
            return [row for row in rows if (want.fullmatch(row) if hasattr(want, "fullmatch")
                                            else row == want)]
        return eventually(find, f"no row {want!r} on the screen:\n" + "\n".join(self.rows()),
                          timeout)

    def wait_last_row(self, want, timeout=5.0):
        return eventually(lambda: self.last_row() == want,
                          f"the input row is not {want!r}; the screen:\n" +
                          "\n".join(self.rows()), timeout)

    def pane(self, field):
        return self.tmux("display-message", "-p", "#{" + field + "}")


NAME_COLOURS = {32, 33, 34, 35, 36, 92, 93, 94, 95, 96}  # never 31, the errors' red


def style_at(screen, text):
    """The SGR attributes in force where `text` starts on a screen captured with styles. tmux
    writes a style once where it begins, however many rows it spans, so the whole screen before
    the text counts."""
    style = {"bold": False, "dim": False, "fg": None}
    plain, styles = [], []
    for match in re.finditer(r"\x1b\[([\d;]*)m|(.)", screen, re.DOTALL):
        if match.group(2) is not None:
            plain.append(match.group(2))
            styles.append(dict(style))
            continue
        for code in [int(code or 0) for code in match.group(1).split(";")]:
            if code == 0:
                style = {"bold": False, "dim": False, "fg": None}
            elif code in (1, 2):
                style["bold" if code == 1 else "dim"] = True
            elif code == 22:
                style["bold"] = style["dim"] = False
            elif 30 <= code <= 37 or 90 <= code <= 97:
                style["fg"] = code
            elif code == 39:
                style["fg"] = None
    start = "".join(plain).find(text)
    if start == -1:
        raise AssertionError(f"{text!r} is not on the screen")
    return styles[start]


class ConsoleTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="chat-console-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.addCleanup(self.assert_no_sanitizer_reports)  # runs once chat has exited
        self.chatd = Chatd(self)

    def assert_no_sanitizer_reports(self):
        for name in sorted(os.listdir(self.directory)):
            if name.startswith("sanitizer"):
                with open(os.path.join(self.directory, name), errors="replace") as report:
                    self.fail(f"chat's sanitizer report {name}:\n{report.read()}")

    def chat(self, *flags, nick="alice", **options):
        terminal = Terminal(self, self.chatd.port, "--nick", nick, *flags, **options)
        terminal.wait_last_row(f"[{nick}@lobby]")
        return terminal

    def test_typing_survives_a_busy_room_and_the_sentence_is_sent_once(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("I am typing a long sent")
        terminal.wait_last_row("[alice@lobby] I am typing a long sent")
        for n in range(1, 6):
            bob.send(f"interrupting message {n}")
        carol = Member(self, self.chatd.port)
        carol_name = carol.sock.getsockname()
        carol_name = f"{carol_name[0]}:{carol_name[1]}"
        carol.close()
        terminal.wait_row(f"* {carol_name} left (closed)")
        rows = terminal.rows()
        for row in [f"bob:interrupting message {n}" for n in range(1, 6)] + [
                f"* {carol_name} joined", f"* {carol_name} left (closed)"]:
            self.assertEqual(rows.count(row), 1, f"{row!r} not alone on one row:\n" +
                             "\n".join(rows))
        self.assertEqual(terminal.last_row(), "[alice@lobby] I am typing a long sent")
        self.assertEqual(sum("I am typing" in row for row in rows), 1)

        terminal.type("ence here")
        terminal.press("Enter")
        bob.wait_for("alice:I am typing a long sentence here")
        terminal.wait_row("alice:I am typing a long sentence here")
        terminal.wait_last_row("[alice@lobby]")
        time.sleep(0.3)  # a second copy would have arrived by now
        self.assertEqual(bob.received().count("alice:I am typing a long sentence here"), 1)
        self.assertEqual(sum("I am typing" in row for row in terminal.rows()), 1)

    def test_the_cursor_stays_where_it_was_when_lines_arrive(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("hello world")
        terminal.press("Left", "Left", "Left", "Left", "Left")
        before_world = str(len("[alice@lobby] hello "))
        eventually(lambda: terminal.pane("cursor_x") == before_world, "the cursor did not move")
        bob.send("meanwhile")
        terminal.wait_row("bob:meanwhile")
        self.assertEqual(terminal.pane("cursor_x"), before_world)
        terminal.type("big ")
        terminal.wait_last_row("[alice@lobby] hello big world")
        terminal.press("Enter")
        bob.wait_for("alice:hello big world")

    def test_an_input_longer_than_a_row_stays_whole_below_incoming_lines(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        long_input = " ".join(f"word{n:02}" for n in range(20))  # 139 columns with the prompt
        terminal.type(long_input)
        drawn = "[alice@lobby] " + long_input
        wrapped = [drawn[:WIDTH], drawn[WIDTH:]]
        eventually(lambda: [row for row in terminal.rows() if row][-2:] == wrapped,
                   "the long input is not on the last two rows")
        for n in range(3):
            bob.send(f"over the long line {n}")
        terminal.wait_row("bob:over the long line 2")
        rows = [row for row in terminal.rows() if row]
        self.assertEqual(rows[-2:], wrapped)
        self.assertEqual(rows[-5:-2], [f"bob:over the long line {n}" for n in range(3)])
        terminal.press("Enter")
        bob.wait_for("alice:" + long_input)

    def test_a_typed_line_past_the_limit_is_cut_with_a_notice_and_the_client_carries_on(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("ab")
        terminal.press("M-9", "M-9")  # a repeat count, which would insert 99 at once: ignored
        terminal.type("y")
        terminal.wait_last_row("[alice@lobby] aby")
        terminal.press("C-u")
        terminal.type("z" * 3000)  # libedit's readline layer corrupted memory past ~1 KiB
        terminal.press("Enter")
        terminal.wait_row("chat: a line typed here holds at most 960 bytes; what came after "
                          "was not taken")
        line = bob.wait_for(lambda line: line.startswith("alice:z"))[0]
        self.assertLessEqual(len(line) - len("alice:"), 960)
        self.assertGreater(len(line) - len("alice:"), 900)
        terminal.type("still here")
        terminal.press("Enter")
        bob.wait_for("alice:still here")

    def test_the_up_arrow_recalls_earlier_lines_to_send_again(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        for line in ("first line", "second line"):
            terminal.type(line)
            terminal.press("Enter")
            bob.wait_for("alice:" + line)
        terminal.press("Up")
        terminal.wait_last_row("[alice@lobby] second line")
        terminal.press("Up")
        terminal.wait_last_row("[alice@lobby] first line")
        terminal.press("End")
        terminal.type(" again")
        terminal.press("Enter")
        bob.wait_for("alice:first line again")
        self.assertEqual(bob.received().count("alice:first line"), 1)

    def test_editing_keys_move_and_delete_within_the_line(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("hello wrld")
        terminal.press("Left", "Left", "Left")
        terminal.type("o")
        terminal.press("C-a")
        terminal.type(">> ")
        terminal.press("C-e")
        terminal.type(" extra")
        terminal.press("C-w")
        terminal.wait_last_row("[alice@lobby] >> hello world")  # and a blank before "extra"
        terminal.press("Enter")
        bob.wait_for("alice:>> hello world ")
        terminal.type("all of this goes")
        terminal.press("C-u")
        terminal.type("kept")
        terminal.press("Enter")
        bob.wait_for("alice:kept")

    def test_a_lone_escape_key_does_not_hold_up_the_room(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("abc")
        terminal.press("Escape")
        bob.send("shown without another key")
        terminal.wait_row("bob:shown without another key")
        terminal.wait_last_row("[alice@lobby] abc")
        terminal.type("d")
        terminal.press("Enter")
        bob.wait_for("alice:abcd")

    def test_ctrl_r_finds_an_earlier_line(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        for line in ("the build is green", "lunch?", "ok"):
            terminal.type(line)
            terminal.press("Enter")
            bob.wait_for("alice:" + line)
        terminal.press("C-r")
        terminal.type("build")
        terminal.wait_row("[alice@lobby] the build is green")  # with "bck:build" below it
        terminal.press("Enter")  # ends the search, keeping what it found
        terminal.wait_last_row("[alice@lobby] the build is green")
        terminal.press("Enter")
        eventually(lambda: bob.received().count("alice:the build is green") == 2,
                   "the found line was not sent")

    def test_tab_completes_a_name_seen_in_the_room_a_command_and_a_room(self):
        Member(self, self.chatd.port, "bobby_tables")
        Member(self, self.chatd.port, "carol")
        terminal = self.chat()
        terminal.wait_row("* 3 in lobby: alice bobby_tables carol")
        terminal.type("hi bo")
        terminal.press("Tab")
        terminal.wait_last_row("[alice@lobby] hi bobby_tables")
        terminal.press("C-u")
        dave = Member(self, self.chatd.port, "dave_speaks")
        dave.send("I was not here for /who")
        terminal.wait_row("dave_speaks:I was not here for /who")
        terminal.type("/m")
        terminal.press("Tab")
        terminal.type("x")  # two commands start with /m: Tab alone adds nothing
        terminal.press("BSpace")
        terminal.type("s")
        terminal.press("Tab")
        terminal.wait_last_row("[alice@lobby] /msg")
        terminal.type("da")
        terminal.press("Tab")
        terminal.type("yo")
        terminal.wait_last_row("[alice@lobby] /msg dave_speaks yo")
        terminal.press("Enter")
        dave.wait_for("alice -> dave_speaks:yo")
        dave.send("/join Backend")
        terminal.type("/rooms")
        terminal.press("Enter")
        terminal.wait_row("* rooms: Backend (1), lobby (3)")
        terminal.type("/join b")
        terminal.press("Tab")
        terminal.wait_last_row("[alice@lobby] /join Backend")
        terminal.press("Enter")
        terminal.wait_last_row("[alice@Backend]")

    def test_wide_characters_are_typed_edited_and_sent_whole(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("日本語で話す")
        terminal.press("Left", "Left")
        terminal.type("を")
        bob.send("ユニコード is fine")
        terminal.wait_row("bob:ユニコード is fine")
        terminal.wait_last_row("[alice@lobby] 日本語でを話す")
        terminal.press("Enter")
        bob.wait_for("alice:日本語でを話す")
        terminal.wait_row("alice:日本語でを話す")

    def test_names_are_coloured_own_lines_bold_notices_dim_errors_red(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        bob.send("colourful")
        terminal.type("mine")
        terminal.press("Enter")
        terminal.type("/bogus")
        terminal.press("Enter")
        terminal.wait_row("! unknown command /bogus (try /help)")
        screen = "\n".join(terminal.rows(styles=True))
        bob_style = style_at(screen, "bob:colourful")
        self.assertIn(bob_style["fg"], NAME_COLOURS)
        self.assertEqual(style_at(screen, ":colourful")["fg"], None)  # only the name is coloured
        self.assertEqual(style_at(screen, "alice:mine"), {"bold": True, "dim": False, "fg": None})
        self.assertEqual(style_at(screen, "! unknown command"),
                         {"bold": True, "dim": False, "fg": 31})
        self.assertEqual(style_at(screen, "* 2 in lobby: alice bob"),
                         {"bold": False, "dim": True, "fg": None})
        # The colour is the name's: bob has it on every terminal.
        again = Terminal(self, self.chatd.port, "--nick", "carol")
        again.wait_last_row("[carol@lobby]")
        bob.send("again")
        again.wait_row("bob:again")
        self.assertEqual(style_at("\n".join(again.rows(styles=True)), "bob:again")["fg"],
                         bob_style["fg"])

    def test_timestamps_start_each_received_line(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat("--timestamps")
        bob.send("what time is it")
        row = terminal.wait_row(re.compile(r"\d\d:\d\d bob:what time is it"))[0]
        self.assertEqual(row[:5], time.strftime("%H:%M") if row[:5] != "" else "")

    def test_the_client_reconnects_after_a_restart_and_rejoins_its_nick_and_room(self):
        terminal = self.chat()
        terminal.type("/join den")
        terminal.press("Enter")
        terminal.wait_last_row("[alice@den]")
        port = self.chatd.port
        self.chatd.stop()
        terminal.wait_row("chat: the server closed the connection")
        terminal.wait_row("chat: reconnecting in 1 s")
        terminal.wait_last_row("(offline) [alice@den]")
        terminal.type("typed while away")
        terminal.press("Enter")
        terminal.wait_row("chat: not connected: line not sent (the up arrow brings it back)")
        self.chatd = Chatd(self, port)
        eventually(lambda: terminal.rows().count(f"chat: connected to {HOST}:{port}") == 2,
                   "chat did not reconnect", timeout=10)
        terminal.wait_row("* 1 in den: alice")
        terminal.wait_last_row("[alice@den]")
        bob = Member(self, port, "bob")
        bob.send("/join den")
        terminal.wait_row("* bob joined")
        terminal.press("Up")
        terminal.wait_last_row("[alice@den] typed while away")
        terminal.press("Enter")
        bob.wait_for("alice:typed while away")

    def test_after_a_reconnect_the_replay_shows_only_what_was_said_meanwhile(self):
        # The server stays up: its idle timeout drops the silent client, which comes back into
        # the same room and its history.
        self.chatd.stop()
        self.chatd = Chatd(self, 0, "--history", "100", "--idle-timeout", "2")
        terminal = self.chat()
        talker = Member(self, self.chatd.port, "bob")
        for n in (1, 2, 3):
            talker.send(f"seen {n}")
        terminal.wait_row("bob:seen 3")
        terminal.wait_row("! disconnected: idle for too long")
        terminal.wait_row("chat: reconnecting in 1 s")
        other = Member(self, self.chatd.port, "carol")
        other.send("said while you were away")
        terminal.wait_row("carol:said while you were away", timeout=8)
        terminal.wait_row(
            re.compile(r"chat: \d+ replayed lines you saw before are not shown again"))
        rows = terminal.rows()
        for n in (1, 2, 3):
            self.assertEqual(rows.count(f"bob:seen {n}"), 1, "\n".join(rows))
        self.assertEqual(rows.count("carol:said while you were away"), 1)
        self.assertNotIn("* last 4 messages:", rows)

    def test_no_reconnect_exits_when_the_server_goes_away(self):
        # The status comes from a shell after chat: tmux may leave a dead pane unreaped a while.
        terminal = self.chat("--no-reconnect", shell_after='echo "exit $?"; sleep 30')
        self.chatd.stop()
        terminal.wait_row("exit 1")
        self.assertIn("chat: the server closed the connection", terminal.rows())

    def assert_modes_restored(self, terminal):
        """The `stty -a` the pane's shell ran after chat shows a line-editing terminal again."""
        settings = " ".join(terminal.rows())
        self.assertRegex(settings, r"(^| )icanon( |$)")
        self.assertRegex(settings, r"(^| )echo( |$)")

    def test_ctrl_d_leaves_with_quit_and_restores_the_terminal(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat(shell_after='echo "exit $?"; stty -a; sleep 30')
        terminal.press("C-d")
        bob.wait_for("* alice left (quit)")
        terminal.wait_row("exit 0")
        self.assert_modes_restored(terminal)

    def test_ctrl_c_exits_130_and_restores_the_terminal(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat(shell_after='echo "exit $?"; stty -a; sleep 30')
        terminal.type("half a line")
        terminal.press("C-c")
        terminal.wait_row("exit 130")
        bob.wait_for("* alice left (closed)")
        self.assert_modes_restored(terminal)

    def test_ctrl_z_gives_the_shell_its_terminal_and_fg_brings_the_input_back(self):
        bob = Member(self, self.chatd.port, "bob")
        # An interactive shell with job control, as a person has: chat is typed at its prompt.
        terminal = Terminal(self, self.chatd.port, shell="bash --norc --noprofile -i")
        terminal.type(f"PS1='$ ' {CHAT} --port {self.chatd.port} --nick alice")
        terminal.press("Enter")
        terminal.wait_last_row("[alice@lobby]")
        terminal.type("half typed")
        terminal.wait_last_row("[alice@lobby] half typed")
        terminal.press("C-z")
        terminal.wait_row(re.compile(r"\[1\]\+\s+Stopped.*"))
        terminal.type("stty -a")
        terminal.press("Enter")
        terminal.wait_row(re.compile(r".*(^| )icanon( .*|$)"))
        terminal.type("fg")
        terminal.press("Enter")
        terminal.wait_last_row("[alice@lobby] half typed")
        terminal.type(" and finished")
        terminal.press("Enter")
        bob.wait_for("alice:half typed and finished")

    def test_a_resized_terminal_keeps_the_input_whole(self):
        bob = Member(self, self.chatd.port, "bob")
        terminal = self.chat()
        terminal.type("still here after the resize")
        terminal.wait_last_row("[alice@lobby] still here after the resize")
        terminal.tmux("resize-window", "-x", "30", "-y", "12")
        bob.send("after resize")
        terminal.wait_row("bob:after resize")
        rows = [row for row in terminal.rows() if row]
        self.assertEqual("".join(rows[-2:]), "[alice@lobby] still here after the resize")
        terminal.press("Enter")
        bob.wait_for("alice:still here after the resize")


def main():
    global CHATD, CHAT
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    CHATD, CHAT = sys.argv[1], sys.argv[2]
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed (scripts/install-deps.sh installs it)")
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)


if __name__ == "__main__":
    main()
