"""A core-NATS subscriber for VectorAdmin events, on a plain socket (no NATS library).

Subscribes to `--subject` (vectoradmin.v1.> by default) and validates every operation event
(five-token subject) with event_check.py. Prints `{"ready": true}` once the server has
confirmed the subscription, and one JSON report line when a message arrives on `--until`
(the NATS server delivers one connection's messages in order, so everything published before
that marker has been seen), then exits. Usage:

  python3 nats_subscriber.py --url nats://127.0.0.1:4222 --until e2e.done --schema \
    src/events/schema/operation-event.schema.json [--forbid other-tenant]
"""

import argparse
import json
import socket
import sys
from typing import Any
from urllib.parse import urlparse

from event_check import check_event, load_schema

CRLF = b"\r\n"
CONNECT = {"verbose": False, "pedantic": False, "name": "vectoradmin-python-e2e", "lang": "python"}
EVENT_TOKENS = 5


class NatsSubscriber:
    """The NATS text protocol, client side: CONNECT, SUB, PING/PONG and MSG, nothing more."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port or 4222), timeout_s)
        self.buffer = b""
        info = self._line()
        if not info.startswith(b"INFO "):
            raise ConnectionError(f"expected INFO, got {info[:80]!r}")

    def subscribe(self, subjects: list[str]) -> None:
        """Subscribes (sid = position + 1) and returns once the server answered a PING."""
        out = b"CONNECT " + json.dumps(CONNECT).encode() + CRLF
        for sid, subject in enumerate(subjects, start=1):
            out += f"SUB {subject} {sid}".encode() + CRLF
        self.sock.sendall(out + b"PING" + CRLF)
        message = self.next_message()
        if message is not None:
            raise ConnectionError(f"message before the subscription was confirmed: {message[0]}")

    def next_message(self) -> tuple[str, int, bytes] | None:
        """The next (subject, sid, payload); None when the server answers our PING."""
        while True:
            line = self._line()
            if line.startswith(b"MSG "):
                # MSG <subject> <sid> [reply-to] <#bytes>
                parts = line.decode().split(" ")
                size = int(parts[-1])
                payload = self._exactly(size + len(CRLF))[:size]
                return parts[1], int(parts[2]), payload
            if line == b"PING":
                self.sock.sendall(b"PONG" + CRLF)
            elif line == b"PONG":
                return None
            elif line.startswith(b"-ERR"):
                raise ConnectionError(line.decode())
            # +OK and later INFO lines need no answer.

    def close(self) -> None:
        """Closes the socket; the server drops the subscriptions with it."""
        self.sock.close()

    def _line(self) -> bytes:
        while CRLF not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(CRLF, 1)
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        chunk, self.buffer = self.buffer[:size], self.buffer[size:]
        return chunk

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("NATS server closed the connection")
        self.buffer += chunk


def summarize(event: Any, subject: str) -> dict[str, Any]:
    """The fields of an event the test compares with what the client did."""
    data = event.get("data") if isinstance(event, dict) else None
    data = data if isinstance(data, dict) else {}
    keys = ("tenant_id", "table", "operation", "outcome", "grpc_code", "points", "seq", "stream_id")
    return {"subject": subject, **{k: data[k] for k in keys if k in data}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--subject", default="vectoradmin.v1.>")
    parser.add_argument("--until", required=True, help="subject whose first message ends the run")
    parser.add_argument("--schema", required=True, help="operation-event.schema.json")
    parser.add_argument("--forbid", action="append", default=[], help="text no message may hold")
    parser.add_argument("--timeout-s", type=float, default=120.0, help="longest silence allowed")
    args = parser.parse_args()
    schema = load_schema(args.schema)
    nats = NatsSubscriber(args.url, args.timeout_s)
    nats.subscribe([args.subject, args.until])
    print(json.dumps({"ready": True}), flush=True)
    report: dict[str, Any] = {"events": [], "invalid": [], "other_subjects": [], "forbidden": []}
    while True:
        message = nats.next_message()
        if message is None:
            continue
        subject, sid, payload = message
        if sid == 2:
            break
        text = payload.decode("utf-8", errors="replace")
        for word in args.forbid:
            if word in subject or word in text:
                report["forbidden"].append({"subject": subject, "text": word})
        if len(subject.split(".")) != EVENT_TOKENS:
            report["other_subjects"].append(subject)
            continue
        try:
            event = json.loads(text)
        except ValueError:
            report["invalid"].append({"subject": subject, "problems": ["not JSON"]})
            continue
        problems = check_event(event, subject, schema)
        if problems:
            report["invalid"].append({"subject": subject, "problems": problems})
        report["events"].append(summarize(event, subject))
    nats.close()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
