#!/usr/bin/env python3
"""A program that took the port of an aws-as server, for the control commands' tests.

Usage: python3 squatter.py PORT MODE   (python3 -c "$(cat squatter.py)" PORT MODE works too)

Listens on 127.0.0.1:PORT and records every byte each client sends. MODE:
  fake       answers every request as an aws-as server would look from outside: `Server: aws-as`,
             200, a JSON body with a made-up proof, the connection kept open.
  relay:N    passes each connection to the real server on 127.0.0.1:N and its answers back,
             with the Host header rewritten to the real server's (what a man in the middle
             that knows the protocol would do).
Prints "ready" once listening; when its stdin closes, prints what it received (a JSON list,
one string per connection, latin-1) and exits.
"""

import json
import socket
import sys
import threading

port, mode = int(sys.argv[1]), sys.argv[2]
received = []
lock = threading.Lock()


def record(slot, data):
    with lock:
        received[slot] += data.decode("latin-1")


def fake(conn, slot):
    buf = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        record(slot, chunk)
        buf += chunk
        while b"\r\n\r\n" in buf:
            _, buf = buf.split(b"\r\n\r\n", 1)
            body = json.dumps({"proof": "ab" * 32, "identity": None}).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nServer: aws-as\r\nContent-Type: application/json\r\n"
                + b"Content-Length: %d\r\n\r\n" % len(body)
                + body
            )


def relay(conn, slot, real):
    upstream = socket.create_connection(("127.0.0.1", real), timeout=10)

    def back():
        try:
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                conn.sendall(chunk)
        except OSError:
            pass
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=back, daemon=True).start()
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        record(slot, chunk)
        upstream.sendall(
            chunk.replace(b"Host: 127.0.0.1:%d" % port, b"Host: 127.0.0.1:%d" % real)
        )


def serve(conn):
    with lock:
        received.append("")
        slot = len(received) - 1
    conn.settimeout(15)
    try:
        if mode == "fake":
            fake(conn, slot)
        else:
            relay(conn, slot, int(mode.split(":", 1)[1]))
    except OSError:
        pass
    finally:
        conn.close()


def accept(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen()
threading.Thread(target=accept, args=(listener,), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
with lock:
    print(json.dumps(received), flush=True)
