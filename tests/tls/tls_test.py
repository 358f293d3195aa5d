#!/usr/bin/env python3
"""chatd's TLS doors end to end, against the real binaries.

    python3 tests/tls/tls_test.py PATH/TO/chatd PATH/TO/chat [unittest options]

Certificates are made for the run with the openssl CLI in a temporary directory. Every process
the suite starts (chatd, openssl s_client, chat) is tracked by PID and stopped by PID when its
test ends; everything listens and connects on 127.0.0.1 only.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CHATD = CHAT = None  # set from the command line in main()
CERTS = None  # the run's certificate files, made in setUpModule()
HOST = "127.0.0.1"


# --- certificates -------------------------------------------------------------------------------

def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=30)


def self_signed(directory, name, cn):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=" + cn,
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    return cert, key


class Certs:
    """The run's files: two self-signed certificates, a CA with a leaf and its chain file, a key
    that matches nothing, and a file of garbage."""

    def __init__(self, directory):
        self.dir = directory
        self.cert, self.key = self_signed(directory, "localhost", "localhost")
        self.reloaded_cert, self.reloaded_key = self_signed(directory, "reloaded", "reloaded")
        _, self.other_key = self_signed(directory, "other", "other")
        self.ca = os.path.join(directory, "ca.pem")
        ca_key = os.path.join(directory, "ca.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", ca_key, "-out", self.ca, "-days", "1", "-subj", "/CN=chatd test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        # The leaf names localhost only (no IP): `chat --host 127.0.0.1` must then refuse it.
        self.leaf_key = os.path.join(directory, "leaf.key")
        csr, leaf = os.path.join(directory, "leaf.csr"), os.path.join(directory, "leaf.pem")
        ext = os.path.join(directory, "leaf.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.leaf_key, "-out", csr, "-subj", "/CN=localhost")
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key, "-CAcreateserial",
                "-out", leaf, "-days", "1", "-extfile", ext)
        self.chain = os.path.join(directory, "chain.pem")  # leaf, then the CA
        with open(self.chain, "w") as out:
            for part in (leaf, self.ca):
                with open(part) as f:
                    out.write(f.read())
        self.garbage = os.path.join(directory, "garbage.pem")
        with open(self.garbage, "w") as f:
            f.write("this is not a certificate\n")


def subject_of(der):
    """`CN = reloaded` for a DER certificate, as `openssl x509 -subject` words it."""
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                         capture_output=True, check=True, timeout=10).stdout.decode()
    return out.strip().removeprefix("subject=").strip()


def client_context(cafile=None):
    """A TLS client context: verifying against `cafile`, or not verifying at all."""
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


# --- processes ----------------------------------------------------------------------------------

def stop_pid(proc, sig=signal.SIGTERM, grace=5.0):
    """Stops one child by its PID (SIGTERM, then SIGKILL) and reaps it; returns its status."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.wait()


def track(test, proc):
    """Stops `proc` by PID when the test ends, and closes the pipes to it."""
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            test.addCleanup(pipe.close)
    test.addCleanup(stop_pid, proc)
    return proc


class Chatd:
    """The chatd binary with the given flags on free loopback ports; its stderr is collected by
    a thread. `ports` maps door names (line, web, irc, line-tls, web-tls, irc-tls) to ports."""

    def __init__(self, test, *flags, tls=None):
        cert, key = tls or (CERTS.cert, CERTS.key)
        argv = [CHATD, "--threads", "2", "--port", "0", "--web", HOST + ":0", "--irc", HOST + ":0",
                "--tls-cert", cert, "--tls-key", key, "--line-tls", HOST + ":0",
                "--web-tls", HOST + ":0", "--irc-tls", HOST + ":0", "--server-name", "tls.test"]
        self.proc = track(test, subprocess.Popen(argv + list(flags), stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.PIPE))
        self.log = []
        self._changed = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()
        line = self.wait_log("chatd listening on ")
        self.ports = {door: int(port) for port, door in re.findall(r":(\d+) \(([\w-]+)\)", line)}

    def _collect(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self._changed:
                self.log.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._changed.notify_all()

    def wait_log(self, text, timeout=5.0, count=1):
        """The first log line containing `text`, once `count` lines contain it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                hits = [line for line in self.log if text in line]
                if len(hits) >= count:
                    return hits[0]
                left = deadline - time.monotonic()
                # Once chatd has exited, only what is still in the pipe can come.
                if left <= 0 or (self.proc.poll() is not None and not self._changed.wait(0.2)):
                    raise AssertionError(f"chatd never logged {count} x {text!r}; its log:\n" +
                                         "\n".join(self.log[-40:]))
                self._changed.wait(left)

    def log_lines(self, text):
        with self._changed:
            return [line for line in self.log if text in line]

    def signal(self, sig):
        os.kill(self.proc.pid, sig)


# --- clients ------------------------------------------------------------------------------------

class Lines:
    """Lines read on demand from a socket or a pipe: `wait_for` reads until the line comes.
    `read(timeout)` gives bytes, b"" at the end, None when nothing came in time."""

    def __init__(self, read):
        self._read, self.partial, self.lines, self.ended = read, b"", [], False

    def _pump(self, timeout):
        chunk = self._read(max(timeout, 0.01))
        if chunk is None:
            return
        if not chunk:
            self.ended = True
            return
        *done, self.partial = (self.partial + chunk).split(b"\n")
        self.lines += [line.decode("utf-8", "replace") for line in done]

    def wait_for(self, want, timeout=5.0):
        """The first line equal to `want` (or for which `want(line)` is true)."""
        match = want if callable(want) else (lambda line: line == want)
        deadline = time.monotonic() + timeout
        while True:
            hits = [line for line in self.lines if match(line)]
            if hits:
                return hits[0]
            if self.ended or time.monotonic() >= deadline:
                raise AssertionError(f"never received {want!r}; got {self.lines!r}"
                                     + (" and then the end" if self.ended else ""))
            self._pump(deadline - time.monotonic())

    def wait_end(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.ended:
            if time.monotonic() >= deadline:
                raise AssertionError(f"the server did not close; got {self.lines!r}")
            self._pump(deadline - time.monotonic())

    def nick(self, name):
        """Takes a nickname (a member: its class has `send`)."""
        self.send("/nick " + name)
        self.wait_for(lambda line: line.endswith(" is now known as " + name))

    def drain(self, seconds):
        """Whatever arrives in the next `seconds`."""
        deadline = time.monotonic() + seconds
        while not self.ended and time.monotonic() < deadline:
            self._pump(deadline - time.monotonic())
        return self.lines


def socket_reader(sock, ends=None):
    """Reads a socket; how it ended goes into `ends`: "closed" (over TLS: with close_notify),
    "no close_notify" (TLS ended by a bare TCP close) or "reset"."""
    ends = ends if ends is not None else []

    def read(timeout):
        sock.settimeout(timeout)
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return None
        except ssl.SSLEOFError:
            ends.append("no close_notify")
            return b""
        except ConnectionResetError:
            ends.append("reset")
            return b""
        if not chunk:
            ends.append("closed")
        return chunk
    return read


def pipe_reader(pipe):
    def read(timeout):
        if not select.select([pipe], [], [], timeout)[0]:
            return None
        return os.read(pipe.fileno(), 65536)
    return read


class LineClient(Lines):
    """A line-protocol member over plain TCP (what `nc` is), or over TLS with `context`."""

    def __init__(self, test, port, context=None, server_hostname="localhost"):
        sock = socket.create_connection((HOST, port), timeout=5)
        if context is not None:
            sock = context.wrap_socket(sock, server_hostname=server_hostname,
                                       suppress_ragged_eofs=False)
        self.sock, self.name = sock, "%s:%d" % sock.getsockname()[:2]
        test.addCleanup(sock.close)
        self.ends = []  # how the server closed: see socket_reader
        super().__init__(socket_reader(sock, self.ends))

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")


class TlsLineClient(LineClient):
    """A line-protocol member over TLS through Python's ssl; no verification unless `cafile`."""

    def __init__(self, test, port, cafile=None):
        super().__init__(test, port, client_context(cafile))

    def peer_subject(self):
        return subject_of(self.sock.getpeercert(binary_form=True))


class Child(Lines):
    """A client program (openssl s_client, chat) with piped stdin and stdout, stopped by PID."""

    def __init__(self, test, argv):
        self.stderr_file = tempfile.TemporaryFile()
        test.addCleanup(self.stderr_file.close)
        self.proc = track(test, subprocess.Popen(argv, stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE,
                                                 stderr=self.stderr_file))
        super().__init__(pipe_reader(self.proc.stdout))

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def stderr(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode("utf-8", "replace")


def s_client(test, port, *extra):
    """`openssl s_client -quiet` as a line-protocol member over TLS."""
    return Child(test, ["openssl", "s_client", "-quiet", "-connect", "%s:%d" % (HOST, port),
                        "-servername", "localhost", *extra])


class WsClient:
    """A minimal RFC 6455 client over a TLS socket: text frames of JSON, masked as clients must."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, test, port, cafile, origin=None):
        sock = socket.create_connection((HOST, port), timeout=5)
        self.sock = client_context(cafile).wrap_socket(sock, server_hostname="localhost")
        test.addCleanup(self.sock.close)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /ws HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n")
        if origin:
            request += f"Origin: {origin}\r\n"
        self.sock.sendall((request + "\r\n").encode())
        self._buffer = b""
        while b"\r\n\r\n" not in self._buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip()
                        for k, _, v in (line.partition(":") for line in lines[1:])}
        if self.status == 101:
            accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
            test.assertEqual(self.headers.get("sec-websocket-accept"), accept)
        self.messages, self.close_frame = [], None

    def send(self, obj):
        payload, mask = json.dumps(obj).encode(), os.urandom(4)
        assert len(payload) < 126
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def _take(self, n, deadline):
        while len(self._buffer) < n:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise AssertionError(f"no frame in time; got {self.messages!r}") from None
            if not chunk:
                raise AssertionError(f"connection closed; got {self.messages!r}")
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _frame(self, deadline):
        first, second = self._take(2, deadline)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._take(2, deadline), "big")
        elif length == 127:
            length = int.from_bytes(self._take(8, deadline), "big")
        return first & 0x0F, self._take(length, deadline)

    def wait_for(self, want, timeout=5.0):
        """The first JSON message with all the fields of `want`."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if all(message.get(k) == v for k, v in want.items()):
                    return message
            opcode, payload = self._frame(deadline)
            if opcode == 0x1:
                self.messages.append(json.loads(payload))
            elif opcode == 0x8:
                self.close_frame = (int.from_bytes(payload[:2], "big"), payload[2:].decode())
                raise AssertionError(f"closed {self.close_frame}; got {self.messages!r}")

    def wait_close(self, timeout=5.0):
        """The close frame's (code, reason)."""
        try:
            self.wait_for({"type": "never sent"}, timeout)
        except AssertionError:
            if self.close_frame is None:
                raise
        return self.close_frame


def https_get(port, path, cafile=None):
    """(status, body) of a GET over TLS to 127.0.0.1, checking the name localhost."""
    connection = http.client.HTTPSConnection(HOST, port, timeout=5)
    connection.sock = client_context(cafile).wrap_socket(
        socket.create_connection((HOST, port), timeout=5), server_hostname="localhost")
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def http_get(port, path):
    """(status, body) of a plain GET."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def metric(text, name):
    match = re.search(r"^" + re.escape(name) + r" (\d+)$", text, re.M)
    if not match:
        raise AssertionError(f"no {name} in /metrics:\n{text}")
    return int(match.group(1))


# --- the tests ----------------------------------------------------------------------------------

class TlsTest(unittest.TestCase):

    def test_two_s_client_members_chat_over_line_tls_in_the_room_of_a_plaintext_member(self):
        server = Chatd(self)
        plain = LineClient(self, server.ports["line"])
        plain.nick("plain")
        alice = s_client(self, server.ports["line-tls"])
        alice.nick("alice")
        bob = s_client(self, server.ports["line-tls"])
        bob.nick("bob")
        alice.send("hello from alice")
        bob.wait_for("alice:hello from alice")
        bob.send("hello from bob")
        alice.wait_for("bob:hello from bob")
        for member in (alice, bob, plain):
            member.wait_for("alice:hello from alice")
            member.wait_for("bob:hello from bob")
        plain.send("hello from plain")
        alice.wait_for("plain:hello from plain")
        bob.wait_for("plain:hello from plain")
        self.assertEqual(bob.lines[bob.lines.index("alice:hello from alice") + 1],
                         "bob:hello from bob")

    def test_chat_tls_verifies_the_server_with_its_ca_and_refuses_what_it_cannot_verify(self):
        server = Chatd(self, tls=(CERTS.chain, CERTS.leaf_key))
        port = server.ports["line-tls"]
        watcher = LineClient(self, server.ports["line"])
        watcher.nick("watcher")
        carol = Child(self, [CHAT, "--tls", "--ca", CERTS.ca, "--host", "localhost",
                             "--port", str(port), "--nick", "carol"])
        carol.wait_for(lambda line: line.endswith(" is now known as carol"))
        carol.send("hello over verified tls")
        watcher.wait_for("carol:hello over verified tls")
        watcher.send("hello carol")
        carol.wait_for("watcher:hello carol")
        carol.proc.stdin.close()
        self.assertEqual(carol.proc.wait(timeout=5), 0, carol.stderr())

        # The chain file is served whole: the leaf, then the CA.
        chain = subprocess.run(
            ["openssl", "s_client", "-showcerts", "-connect", "%s:%d" % (HOST, port),
             "-servername", "localhost", "-CAfile", CERTS.ca, "-verify_return_error"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        self.assertEqual(chain.returncode, 0, chain.stderr.decode())
        self.assertEqual(chain.stdout.count(b"-----BEGIN CERTIFICATE-----"), 2)
        self.assertIn(b"Verify return code: 0 (ok)", chain.stdout)

        refused = [
            # The system's CAs do not know the test CA.
            [CHAT, "--tls", "--host", "localhost", "--port", str(port)],
            # The certificate names localhost, not 127.0.0.1.
            [CHAT, "--tls", "--ca", CERTS.ca, "--host", HOST, "--port", str(port)],
        ]
        for argv in refused:
            run = subprocess.run(argv, input=b"never sent\n", capture_output=True, timeout=10)
            self.assertEqual(run.returncode, 1, argv)
            self.assertRegex(run.stderr.decode(),
                             r"^chat: TLS handshake with \S+:%d failed: certificate verify failed"
                             % port)
        self.assertEqual(len(server.log_lines("TLS handshake failed")), 2)

        insecure = subprocess.run([CHAT, "--tls", "--insecure", "--host", HOST, "--port",
                                   str(port), "--nick", "dave"], input=b"insecure but here\n",
                                  capture_output=True, timeout=10)
        self.assertEqual(insecure.returncode, 0, insecure.stderr.decode())
        self.assertIn("dave:insecure but here", insecure.stdout.decode().splitlines())
        watcher.wait_for("dave:insecure but here")
        self.assertNotIn("never sent", "\n".join(watcher.lines))

    def test_the_web_door_over_tls_answers_https_and_chats_over_wss_with_line_tls(self):
        server = Chatd(self, tls=(CERTS.chain, CERTS.leaf_key))
        port = server.ports["web-tls"]
        self.assertEqual(https_get(port, "/healthz", CERTS.ca), (200, "ok\n"))
        self.assertEqual(http_get(server.ports["web"], "/healthz"), (200, "ok\n"))

        line = TlsLineClient(self, server.ports["line-tls"], cafile=CERTS.ca)
        line.nick("liner")
        web = WsClient(self, port, CERTS.ca, origin="https://%s:%d" % (HOST, port))
        self.assertEqual(web.status, 101)
        web.wait_for({"type": "welcome", "room": "lobby"})
        web.send({"type": "nick", "name": "webber"})
        web.wait_for({"type": "renamed", "to": "webber"})
        web.send({"type": "say", "text": "hi"})
        line.wait_for("webber:hi")
        web.wait_for({"type": "message", "from": "webber", "text": "hi"})
        line.send("hi web")
        web.wait_for({"type": "message", "room": "lobby", "from": "liner", "text": "hi web"})

        without_origin = WsClient(self, port, CERTS.ca)
        self.assertEqual(without_origin.status, 101)
        for origin in ("http://%s:%d" % (HOST, port), "https://%s:%d" % (HOST, port + 1)):
            refused = WsClient(self, port, CERTS.ca, origin=origin)
            self.assertEqual(refused.status, 403, origin)
        server.wait_log("WebSocket refused: origin http://%s:%d not allowed" % (HOST, port))

    def test_sighup_reloads_the_certificate_for_new_connections_and_keeps_old_ones(self):
        workdir = tempfile.mkdtemp(dir=CERTS.dir)
        cert, key = os.path.join(workdir, "server.pem"), os.path.join(workdir, "server.key")
        shutil.copy(CERTS.cert, cert)
        shutil.copy(CERTS.key, key)
        server = Chatd(self, tls=(cert, key))
        port = server.ports["line-tls"]
        before = TlsLineClient(self, port)
        self.assertEqual(before.peer_subject(), "CN = localhost")
        kept = s_client(self, port)
        kept.nick("kept")

        for source, target in ((CERTS.reloaded_cert, cert), (CERTS.reloaded_key, key)):
            shutil.copy(source, target + ".new")
            os.replace(target + ".new", target)
        server.signal(signal.SIGHUP)
        server.wait_log("SIGHUP: TLS certificate reloaded from " + cert)
        fresh = TlsLineClient(self, port)
        self.assertEqual(fresh.peer_subject(), "CN = reloaded")
        fresh.nick("fresh")
        kept.send("still here")
        fresh.wait_for("kept:still here")
        fresh.send("welcome back")
        kept.wait_for("fresh:welcome back")

        with open(cert, "w") as f:
            f.write("garbage, not PEM\n")
        server.signal(signal.SIGHUP)
        failed = server.wait_log("SIGHUP: TLS certificate not reloaded, keeping the old one: ")
        self.assertIn(cert, failed)
        self.assertEqual(TlsLineClient(self, port).peer_subject(), "CN = reloaded")
        kept.send("after the bad file")
        fresh.wait_for("kept:after the bad file")
        kept.wait_for("kept:after the bad file")

        # A key that does not match the certificate is refused too.
        shutil.copy(CERTS.cert, cert)
        shutil.copy(CERTS.other_key, key)
        server.signal(signal.SIGHUP)
        server.wait_log("SIGHUP: TLS certificate not reloaded", count=2)
        self.assertRegex(server.log_lines("not reloaded")[1],
                         "keeping the old one: key file %s: key values mismatch$" % key)
        self.assertEqual(TlsLineClient(self, port).peer_subject(), "CN = reloaded")
        self.assertEqual(len(server.log_lines("SIGHUP: TLS certificate reloaded")), 1)
        self.assertEqual(server.log_lines("disconnected"), [])

    def test_bad_certificate_or_key_files_stop_chatd_with_a_clear_message(self):
        missing = os.path.join(CERTS.dir, "missing.pem")
        cases = [
            ((missing, CERTS.key), missing),
            ((CERTS.garbage, CERTS.key), CERTS.garbage),
            ((CERTS.cert, missing), missing),
            ((CERTS.cert, CERTS.garbage), CERTS.garbage),
            ((CERTS.cert, CERTS.other_key), CERTS.other_key),
        ]
        for (cert, key), named in cases:
            with self.subTest(cert=os.path.basename(cert), key=os.path.basename(key)):
                run = subprocess.run([CHATD, "--port", "0", "--web", "off", "--irc", "off", "--tls-cert", cert,
                                      "--tls-key", key, "--line-tls", HOST + ":0"],
                                     stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
                self.assertEqual(run.returncode, 1)
                self.assertTrue(run.stderr.decode().startswith("chatd: TLS: "), run.stderr)
                self.assertIn(named, run.stderr.decode())
        usage = [
            ([], "chatd: --line-tls, --web-tls and --irc-tls need --tls-cert FILE and --tls-key FILE\n"),
            (["--tls-cert", CERTS.cert], "chatd: --tls-cert and --tls-key go together\n"),
            (["--tls-key", CERTS.key], "chatd: --tls-cert and --tls-key go together\n"),
        ]
        for door in ("--line-tls", "--web-tls"):
            for partial, message in usage:
                with self.subTest(door=door, partial=partial):
                    run = subprocess.run([CHATD, "--port", "0", "--web", "off", "--irc", "off", door,
                                          HOST + ":0", *partial], stdin=subprocess.DEVNULL,
                                         capture_output=True, timeout=10)
                    self.assertEqual(run.returncode, 2)
                    self.assertTrue(run.stderr.decode().startswith(message), run.stderr)

    def test_a_plaintext_client_on_the_tls_port_is_closed_and_reaches_nobody(self):
        server = Chatd(self)
        member = TlsLineClient(self, server.ports["line-tls"])
        member.nick("member")
        watcher = LineClient(self, server.ports["line"])
        watcher.nick("watcher")
        intruder = socket.create_connection((HOST, server.ports["line-tls"]), timeout=5)
        self.addCleanup(intruder.close)
        name = "%s:%d" % intruder.getsockname()[:2]
        intruder.sendall(b"hello\n")
        started = time.monotonic()
        reply = Lines(socket_reader(intruder))
        reply.wait_end(timeout=3)
        self.assertLess(time.monotonic() - started, 3)
        # At most a TLS alert came back, never a line of chat.
        self.assertNotIn("hello", "".join(reply.lines) + reply.partial.decode("latin-1"))
        server.wait_log(name + " TLS handshake failed: ")
        member.send("still fine")
        member.wait_for("member:still fine")
        watcher.wait_for("member:still fine")
        time.sleep(0.3)
        self.assertEqual(len(server.log_lines(name + " ")), 1, server.log)
        for client in (member, watcher):
            self.assertEqual([line for line in client.drain(0.2)
                              if "hello" in line or name in line], [])

    def test_a_tls_client_on_the_plaintext_port_is_turned_away_without_a_line(self):
        server = Chatd(self)
        port = server.ports["line"]
        watcher = LineClient(self, port)
        watcher.nick("watcher")
        intruder = socket.create_connection((HOST, port), timeout=5)
        name = "%s:%d" % intruder.getsockname()[:2]
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            client_context().wrap_socket(intruder, server_hostname="localhost")
        intruder.close()
        server.wait_log(name + " disconnected (read failed: TLS handshake on a plaintext port)")
        sclient = s_client(self, port)
        sclient.proc.stdin.close()
        self.assertNotEqual(sclient.proc.wait(timeout=5), 0)
        server.wait_log("disconnected (read failed: TLS handshake on a plaintext port)", count=2)
        watcher.send("after them")
        watcher.wait_for("watcher:after them")
        # Joins and leaves are notices ("* ..."); no message line came from the TLS clients.
        garbage = [line for line in watcher.lines
                   if not line.startswith("* ") and line != "watcher:after them"]
        self.assertEqual(garbage, [])
        self.assertEqual(metric(http_get(server.ports["web"], "/metrics")[1],
                                'chatd_tls_handshakes_failed_total{door="line-tls"}'), 0)

    def test_a_tls_client_on_the_plaintext_irc_port_is_turned_away(self):
        server = Chatd(self)
        intruder = socket.create_connection((HOST, server.ports["irc"]), timeout=5)
        name = "%s:%d" % intruder.getsockname()[:2]
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            client_context().wrap_socket(intruder, server_hostname="localhost")
        intruder.close()
        server.wait_log(name + " disconnected (read failed: TLS handshake on a plaintext port)")

    def test_a_handshake_flood_does_not_stop_service_and_times_out_after_ten_seconds(self):
        server = Chatd(self)
        port = server.ports["line-tls"]
        half_hello = half_client_hello()
        flood = []
        started = time.monotonic()
        for i in range(200):
            sock = socket.create_connection((HOST, port), timeout=5)
            self.addCleanup(sock.close)
            if i % 2:
                sock.sendall(half_hello)
            flood.append(sock)
        member = TlsLineClient(self, port)
        member.nick("member")
        member.send("still served")
        member.wait_for("member:still served", timeout=2)
        self.assertLess(time.monotonic() - started, 3)
        watcher = s_client(self, port)
        watcher.nick("watcher")

        time.sleep(max(0.0, started + 9.0 - time.monotonic()))
        for sock in flood[:10]:  # nobody is dropped much before the deadline
            self.assertIsNone(socket_reader(sock)(0.01), "closed before 9 s")
        for sock in flood:
            self.assertEqual(Lines(socket_reader(sock)).drain(started + 13 - time.monotonic()),
                             [])
        server.wait_log(" TLS handshake failed: timed out", count=200)
        self.assertLess(time.monotonic() - started, 14)
        text = https_get(server.ports["web-tls"], "/metrics", CERTS.cert)[1]
        self.assertEqual(metric(text, 'chatd_tls_handshakes_failed_total{door="line-tls"}'), 200)
        member.send("after the flood")
        watcher.wait_for("member:after the flood")

    def test_sigterm_with_tls_members_connected_exits_zero_within_five_seconds(self):
        server = Chatd(self)
        line = TlsLineClient(self, server.ports["line-tls"])
        line.nick("line")
        sclient = s_client(self, server.ports["line-tls"])
        sclient.nick("sclient")
        web = WsClient(self, server.ports["web-tls"], CERTS.cert)
        web.wait_for({"type": "welcome"})
        line.send("before the end")
        sclient.wait_for("line:before the end")
        web.wait_for({"type": "message", "from": "line", "text": "before the end"})
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        self.assertEqual(server.proc.wait(timeout=5), 0)
        self.assertLess(time.monotonic() - started, 5)
        line.wait_end(timeout=1)
        sclient.wait_end(timeout=1)  # s_client's exit status: see the close_notify test
        sclient.proc.wait(timeout=2)
        self.assertEqual(web.wait_close(timeout=1), (1001, "server shutting down"))
        server.wait_log("shutting down (SIGTERM), 3 clients")
        server.wait_log("chatd stopped")

    def test_an_irc_client_over_irc_tls_chats_with_a_line_tls_member(self):
        server = Chatd(self)
        irc = IrcOverTls(self, server.ports["irc-tls"], "alice")
        irc.send("JOIN #lobby")
        irc.wait_for(":alice!alice@chatd JOIN :#lobby")
        irc.wait_for(":tls.test 366 alice #lobby :End of /NAMES list")
        member = TlsLineClient(self, server.ports["line-tls"])
        member.nick("bob")
        irc.wait_for(lambda line: line.endswith("@chatd NICK bob"))
        member.send("hello irc")
        irc.wait_for(":bob!bob@chatd PRIVMSG #lobby :hello irc")
        irc.send("PRIVMSG #lobby :hello line")
        member.wait_for("alice:hello line")

    def test_chatd_ends_tls_connections_with_close_notify(self):
        """RFC 8446 6.1: each side sends close_notify before closing, so that a client can tell
        the end of the stream from a cut: on /quit, on the idle timeout and on shutdown alike."""
        server = Chatd(self, "--idle-timeout", "1")
        quitter = TlsLineClient(self, server.ports["line-tls"])
        quitter.send("/quit bye")
        idle = TlsLineClient(self, server.ports["line-tls"])
        quitter.wait_end(timeout=3)
        idle.wait_for("! disconnected: idle for too long", timeout=3)
        idle.wait_end(timeout=1)
        last = TlsLineClient(self, server.ports["line-tls"])
        last.wait_for(lambda line: line.endswith(" joined"))
        server.signal(signal.SIGTERM)
        last.wait_end(timeout=3)
        self.assertEqual((quitter.ends, idle.ends, last.ends), (["closed"],) * 3)

    def test_half_open_handshakes_do_not_lock_members_out_with_server_full(self):
        """The issue: a failed handshake "costs nothing else" and a handshake flood "does not
        stop service": connections still in their handshake are no members, so --max-clients
        silent TCP connections to the TLS port turn nobody away as "server full"."""
        server = Chatd(self, "--max-clients", "20")
        for _ in range(25):
            self.addCleanup(socket.create_connection((HOST, server.ports["line-tls"])).close)
        time.sleep(0.3)
        plain = LineClient(self, server.ports["line"])
        plain.send("still served")
        plain.wait_for(lambda line: line.endswith(":still served"), timeout=2)


class IrcOverTls:
    """An IRC client over TLS through Python's ssl: registers by hand, then reads lines."""

    def __init__(self, test, port, nick):
        self.sock = client_context().wrap_socket(socket.create_connection((HOST, port), timeout=5),
                                                 server_hostname="localhost")
        test.addCleanup(self.sock.close)
        self.lines = Lines(socket_reader(self.sock))
        self.send("NICK " + nick)
        self.send("USER %s 0 * :%s" % (nick, nick))
        self.wait_for(lambda line: " 001 %s " % nick in line)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def wait_for(self, want):
        """The first line (without its CR) equal to `want`, or for which `want(line)` is true."""
        match = want if callable(want) else (lambda line: line == want)
        return self.lines.wait_for(lambda line: match(line.rstrip("\r")))


def half_client_hello():
    """The first half of a real ClientHello: a handshake that will never finish."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    return hello[:len(hello) // 2]


def setUpModule():
    global CERTS
    CERTS = Certs(tempfile.mkdtemp(prefix="chatd-tls-test-"))


def tearDownModule():
    shutil.rmtree(CERTS.dir, ignore_errors=True)


def main():
    global CHATD, CHAT
    if len(sys.argv) < 3:
        sys.exit("usage: tls_test.py CHATD CHAT [unittest options]")
    CHATD, CHAT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)


if __name__ == "__main__":
    main()
