#!/usr/bin/env python3
"""What the terminal client costs per received line, against the piped client in the same run.

    python3 benchmarks/console_bench.py [--lines N] [--rounds R] [BUILD_DIR]

One chatd (flood control off, no history). Each round floods the lobby with N lines of 64 bytes
from a plain socket, once to a `chat` on a terminal (a tmux pane, 80x24) and once to a piped
`chat` writing to a file, in alternating order, and reads each client's CPU time (user + system,
from /proc) from just before the flood until its screen or file shows the flood's last line.
Prints the medians per 10 000 lines and the ratio terminal/piped. Only 127.0.0.1; every process
started is stopped by PID.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            sys.exit(f"console_bench: timed out waiting for {what}")
        time.sleep(0.01)


def flood(port, lines, tag):
    with socket.create_connection(("127.0.0.1", port)) as publisher:
        body = "".join(f"{tag} line {n:06} ".ljust(63, "x") + "\n" for n in range(lines))
        publisher.sendall(body.encode() + f"{tag} done\n".encode())
        time.sleep(0.2)  # let the server take the last line before the close


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build", nargs="?", default="build/release")
    parser.add_argument("--lines", type=int, default=200000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    chatd, chat = (os.path.join(args.build, "src", name) for name in ("chatd", "chat"))
    work = tempfile.mkdtemp(prefix="console-bench-")
    log = open(os.path.join(work, "chatd.log"), "wb")
    # A big outbox: a terminal that scrolls slower than the flood must not be evicted.
    server = subprocess.Popen([chatd, "--port", "0", "--web", "off", "--irc", "off", "--rate", "0",
                               "--outbox", str(256 << 20),
                               "--history", "0"], stderr=log, stdout=subprocess.DEVNULL)
    started = []
    try:
        def port_logged():
            with open(log.name) as text:
                return re.search(r"listening on [\d.]+:(\d+)", text.read())
        wait_until(port_logged, 10, "chatd")
        port = int(port_logged().group(1))

        tmux = ["tmux", "-S", os.path.join(work, "tmux"), "-f", "/dev/null"]
        subprocess.run(tmux + ["new-session", "-d", "-x", "80", "-y", "24", "-e", "LANG=C.UTF-8",
                               "--", chat, "--port", str(port), "--nick", "terminal"], check=True)
        terminal_pid = int(subprocess.run(tmux + ["display", "-p", "#{pane_pid}"], check=True,
                                          capture_output=True, text=True).stdout)
        tmux_pid = int(subprocess.run(tmux + ["display", "-p", "#{pid}"], check=True,
                                      capture_output=True, text=True).stdout)
        started += [terminal_pid, tmux_pid]
        output_path = os.path.join(work, "piped.out")
        piped = subprocess.Popen([chat, "--port", str(port), "--nick", "piped"],
                                 stdin=subprocess.PIPE, stdout=open(output_path, "wb"),
                                 stderr=subprocess.DEVNULL)
        started.append(piped.pid)

        def screen_shows(text):
            screen = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                    text=True).stdout
            return text in screen

        def file_shows(text):
            with open(output_path, "rb") as out:
                out.seek(max(0, os.path.getsize(output_path) - 4096))
                return text.encode() in out.read()

        wait_until(lambda: screen_shows("[terminal@lobby]") and file_shows("piped"), 10,
                   "the clients")
        figures = {"terminal": [], "piped": []}
        clients = {"terminal": (terminal_pid, screen_shows), "piped": (piped.pid, file_shows)}
        for round_number in range(args.rounds):
            order = ["terminal", "piped"] if round_number % 2 == 0 else ["piped", "terminal"]
            for name in order:
                pid, shows = clients[name]
                tag = f"r{round_number}{name[0]}"
                before = cpu_seconds(pid)
                flood(port, args.lines, tag)
                wait_until(lambda: shows(f":{tag} done"), 120, f"{name} round {round_number}")
                figures[name].append((cpu_seconds(pid) - before) * 10000 / args.lines)
        for name, values in figures.items():
            print(f"{name:8} CPU-s per 10 000 lines: median {statistics.median(values):.4f} "
                  f"(min {min(values):.4f}, max {max(values):.4f}, {len(values)} rounds)")
        piped_median = statistics.median(figures["piped"])
        if piped_median > 0:  # a short run can stay under the clock's tick
            print(f"terminal/piped: {statistics.median(figures['terminal']) / piped_median:.2f}x")
        else:
            print("terminal/piped: no ratio, the piped client used less than one clock tick")
    finally:
        for pid in started:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
