#!/usr/bin/env python3
"""Send exactly N GET requests for one file and check every response.

Used by scripts/bench under `strace -c -f` so system calls per request can be
counted on a fixed amount of work (wrk runs for a time, not a count).
Prints `head_bytes=H body_bytes=B` for the last response: the bytes on the
wire per response are H + B.

usage: fixed_requests.py PORT PATH N ka|close
"""
import socket
import sys


def read_response(sock, buf):
    """Read one response; return (head_len, body_len, closes, rest_of_buffer)
    where closes tells whether the server ends the connection after it."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        buf += chunk
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise RuntimeError("unexpected status line: " + lines[0])
    length, closes = None, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.lower() == "close":
            closes = True
    if length is None:
        raise RuntimeError("response without Content-Length")
    while len(buf) < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed inside the body")
        buf += chunk
    return len(head) + 4, length, closes, buf[length:]


def main():
    if len(sys.argv) != 5 or sys.argv[4] not in ("ka", "close"):
        sys.exit(__doc__.split("\n\n")[-1].strip())
    port, path, count, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    conn_header = "Connection: close\r\n" if mode == "close" else ""
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (path, conn_header)).encode()
    sock, buf = None, b""
    head = body = 0
    for _ in range(count):
        if sock is None:
            sock = socket.create_connection(("127.0.0.1", port))
            buf = b""
        sock.sendall(request)
        head, body, closes, buf = read_response(sock, buf)
        if mode == "close" and not closes:
            raise RuntimeError("response without Connection: close")
        # A server may also end a keep-alive connection (its request limit):
        # the client reconnects, and those system calls count too.
        if closes:
            if sock.recv(1):
                raise RuntimeError("server kept the connection open after Connection: close")
            sock.close()
            sock = None
    if sock is not None:
        sock.close()
    print("head_bytes=%d body_bytes=%d" % (head, body))


if __name__ == "__main__":
    main()
