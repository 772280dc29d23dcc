"""The LUXI call the benchmarks share: one request on the master's Unix
socket with Ganeti's framing (JSON, then ETX); raises on an error answer."""

import json
import socket


def luxi(sock, method, args, timeout=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if timeout is not None:
        s.settimeout(timeout)
    try:
        s.connect(str(sock))
        s.sendall(json.dumps({"method": method, "args": args}).encode() + b"\x03")
        buf = b""
        while b"\x03" not in buf:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("masterd closed the connection")
            buf += chunk
    finally:
        s.close()
    reply = json.loads(buf.split(b"\x03")[0])
    if not reply["success"]:
        raise RuntimeError(reply["result"])
    return reply["result"]
