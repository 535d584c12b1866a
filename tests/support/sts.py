#!/usr/bin/env python3
"""Local STS for the aws-as integration tests. Loopback only; started by tests/common/mod.rs.

Usage:
    .venv/bin/python tests/support/sts.py moto [--delay SECONDS]
    .venv/bin/python tests/support/sts.py fault MODE

Binds 127.0.0.1 on a free port, prints exactly one line ``PORT <n>`` to stdout, then serves
until killed or until its stdin reaches EOF (so a crashed test never leaves it running; pass
``--ignore-stdin`` when running it by hand with stdin closed).

Modes:
  moto            moto's STS (any role ARN can be assumed; credentials are fake but consistent).
                  ``--delay S`` sleeps S seconds before answering GetSessionToken/AssumeRole.
                  ``--role-expires-in S`` makes AssumeRole's credentials expire S seconds after
                  the call, whatever DurationSeconds asked (renewals in seconds, not hours).
  fault MODE      every STS request gets an STS-shaped failure:
                    wrong-mfa          403 AccessDenied (invalid MFA one time pass code)
                    wrong-mfa-unless:CODE  that, for a GetSessionToken whose TokenCode is not
                                       CODE; every other request goes to moto
                    access-denied      403 AccessDenied (not authorized to perform sts:...)
                    expired-keys       403 InvalidClientTokenId
                    expired-token      400 ExpiredToken
                    throttle-then-ok:N 400 Throttling for the first N requests, then moto
                    http500            500 with body ``InternalFailure``
                    malformed          200 with body ``<<<not xml``
                    hang               never answers (sleeps up to 120 s)

Every STS request (in both modes) is recorded; ``GET /__calls`` returns them as a JSON list,
``POST /__reset`` clears the list. ``POST /__expire`` (moto mode) makes every session token
issued so far count as expired: a request signed with one gets 400 ExpiredToken, as AWS answers
for a session its holder still believes valid (clock skew, a shortened session). No control
endpoint is recorded. ``POST /__fault`` with a fault MODE as its body (or ``none``) switches a
moto-mode server to that fault from now on (or back): STS goes down, throttles or hangs while the
sessions it issued are in aws-as's cache.

Secrets: nothing here logs requests (werkzeug's access log is silenced), so access keys and
session tokens never reach stderr. They are only returned by /__calls to the test itself.
"""

import argparse
import io
import json
import os
import re
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs

from werkzeug.serving import WSGIRequestHandler, make_server

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SLOW_ACTIONS = ("GetSessionToken", "AssumeRole")
FAULT_MODES = (
    "wrong-mfa",
    "wrong-mfa-unless:CODE",
    "access-denied",
    "expired-keys",
    "expired-token",
    "throttle-then-ok:N",
    "http500",
    "malformed",
    "hang",
)
HANG_SECONDS = 120

_CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/")
_SESSION_TOKEN_RE = re.compile(rb"<SessionToken>([^<]+)</SessionToken>")
_EXPIRATION_RE = re.compile(rb"<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([^<]*)</Expiration>")


class Recorder:
    """Thread-safe, ordered list of the STS requests seen."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls = []

    def add(self, call):
        with self._lock:
            self._calls.append(call)

    def snapshot(self):
        with self._lock:
            return list(self._calls)

    def reset(self):
        with self._lock:
            self._calls.clear()


def read_body(environ):
    """Read the request body and put an equivalent stream back for the next app."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def request_params(environ, body):
    """Query-protocol parameters from the query string and the form-encoded body."""
    params = {}
    for source in (environ.get("QUERY_STRING", ""), body.decode("utf-8", "replace")):
        for key, values in parse_qs(source, keep_blank_values=True).items():
            params[key] = values[-1]
    return params


def describe_call(environ, params):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = _CREDENTIAL_RE.search(auth)
    if match:
        access_key_id = match.group(1)
    else:  # presigned query-string auth
        access_key_id = (params.get("X-Amz-Credential") or "").split("/")[0] or None
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or params.get("X-Amz-Security-Token")
    duration = params.get("DurationSeconds")
    try:
        duration = int(duration) if duration is not None else None
    except ValueError:
        pass  # keep the raw string; the test will see what was sent
    return {
        "action": params.get("Action"),
        "access_key_id": access_key_id,
        "security_token": token,
        "serial_number": params.get("SerialNumber"),
        "token_code": params.get("TokenCode"),
        "role_arn": params.get("RoleArn"),
        "role_session_name": params.get("RoleSessionName"),
        "external_id": params.get("ExternalId"),
        "duration_seconds": duration,
    }


def respond(start_response, status, body, content_type="text/xml"):
    if isinstance(body, str):
        body = body.encode("utf-8")
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body))),
         ("x-amzn-RequestId", str(uuid.uuid4()))],
    )
    return [body]


def sts_error(start_response, status, code, message, error_type="Sender"):
    """An error exactly as STS (AWS query protocol) returns it."""
    from xml.sax.saxutils import escape

    body = (
        f'<ErrorResponse xmlns="{STS_NS}">\n'
        f"  <Error>\n"
        f"    <Type>{error_type}</Type>\n"
        f"    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n"
        f"  </Error>\n"
        f"  <RequestId>{uuid.uuid4()}</RequestId>\n"
        f"</ErrorResponse>\n"
    )
    return respond(start_response, status, body)


def make_moto_app():
    # moto 5 layout; imported lazily because it takes a few seconds.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


class StsApp:
    def __init__(self, mode, fault=None, delay=0.0, role_expires_in=None):
        self.mode = mode
        self.fault = fault
        self.delay = delay
        self.role_expires_in = role_expires_in
        self.runtime_fault = None
        self.recorder = Recorder()
        self.lock = threading.Lock()
        self.throttle_left = 0
        self.issued = set()
        self.expired = set()
        self.moto = None
        if fault is not None and fault.startswith("throttle-then-ok:"):
            self.throttle_left = int(fault.split(":", 1)[1])
            self.moto = make_moto_app()
        elif fault is not None and fault.startswith("wrong-mfa-unless:"):
            self.moto = make_moto_app()
        elif mode == "moto":
            self.moto = make_moto_app()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/__calls" and method == "GET":
            data = json.dumps(self.recorder.snapshot())
            return respond(start_response, "200 OK", data, "application/json")
        if path == "/__reset" and method == "POST":
            read_body(environ)
            self.recorder.reset()
            return respond(start_response, "200 OK", "{}", "application/json")
        if path == "/__fault" and method == "POST":
            mode = read_body(environ).decode().strip()
            if mode != "none" and not valid_fault(mode):
                return respond(start_response, "400 Bad Request", "bad fault", "text/plain")
            with self.lock:
                self.runtime_fault = None if mode == "none" else mode
                if mode.startswith("throttle-then-ok:"):
                    self.throttle_left = int(mode.split(":", 1)[1])
            return respond(start_response, "200 OK", "{}", "application/json")
        if path == "/__expire" and method == "POST":
            read_body(environ)
            with self.lock:
                self.expired |= self.issued
            return respond(start_response, "200 OK", "{}", "application/json")

        body = read_body(environ)
        params = request_params(environ, body)
        call = describe_call(environ, params)
        self.recorder.add(call)

        with self.lock:
            runtime_fault = self.runtime_fault
        if self.mode == "moto" and runtime_fault is not None:
            return self.answer_fault(environ, start_response, call, runtime_fault)
        if self.mode == "moto":
            if self.delay > 0 and call["action"] in SLOW_ACTIONS:
                time.sleep(self.delay)
            with self.lock:
                expired = call["security_token"] in self.expired
            if expired:
                return sts_error(
                    start_response, "400 Bad Request", "ExpiredToken",
                    "The security token included in the request is expired",
                )
            body = self.remember_tokens(self.moto(environ, start_response))
            if self.role_expires_in is not None and call["action"] == "AssumeRole":
                # Same length as moto's (its fraction of a second kept), so the Content-Length it
                # sent stays right.
                when = time.strftime(
                    "%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + self.role_expires_in)
                ).encode()
                body = [_EXPIRATION_RE.sub(
                    lambda m: b"<Expiration>" + when + m.group(1) + b"</Expiration>", body[0])]
            return body
        return self.answer_fault(environ, start_response, call)

    def remember_tokens(self, body_parts):
        body = b"".join(body_parts)
        tokens = {t.decode() for t in _SESSION_TOKEN_RE.findall(body)}
        with self.lock:
            self.issued |= tokens
            # moto issues the same token for every GetSessionToken: issued again, it is new.
            self.expired -= tokens
        return [body]

    def answer_fault(self, environ, start_response, call, fault=None):
        fault = fault or self.fault
        action = call["action"] or "UnknownOperation"
        if fault == "wrong-mfa":
            return sts_error(
                start_response, "403 Forbidden", "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
            )
        if fault.startswith("wrong-mfa-unless:"):
            accepted = fault.split(":", 1)[1]
            if call["action"] == "GetSessionToken" and call["token_code"] != accepted:
                return self.answer_fault(environ, start_response, call, "wrong-mfa")
            return self.moto(environ, start_response)
        if fault == "access-denied":
            resource = call["role_arn"] or "*"
            return sts_error(
                start_response, "403 Forbidden", "AccessDenied",
                "User: arn:aws:iam::111111111111:user/my-user1 is not authorized to perform: "
                f"sts:{action} on resource: {resource}",
            )
        if fault == "expired-keys":
            return sts_error(
                start_response, "403 Forbidden", "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            )
        if fault == "expired-token":
            return sts_error(
                start_response, "400 Bad Request", "ExpiredToken",
                "The security token included in the request is expired",
            )
        if fault.startswith("throttle-then-ok:"):
            with self.lock:
                throttle = self.throttle_left > 0
                if throttle:
                    self.throttle_left -= 1
            if throttle:
                return sts_error(start_response, "400 Bad Request", "Throttling", "Rate exceeded")
            return self.moto(environ, start_response)
        if fault == "http500":
            return respond(start_response, "500 Internal Server Error", "InternalFailure", "text/plain")
        if fault == "malformed":
            return respond(start_response, "200 OK", "<<<not xml")
        if fault == "hang":
            time.sleep(HANG_SECONDS)
            return respond(start_response, "504 Gateway Timeout", "hung", "text/plain")
        raise AssertionError(f"unknown fault mode {fault!r}")


class QuietHandler(WSGIRequestHandler):
    """No access log: keeps request details (and anything secret-looking) off stderr."""

    def log_request(self, *args, **kwargs):
        pass

    def log(self, type, message, *args):
        if type == "error":
            super().log(type, message, *args)


def valid_fault(mode):
    if mode in FAULT_MODES:
        return True
    if mode.startswith("throttle-then-ok:"):
        return mode.split(":", 1)[1].isdigit()
    if mode.startswith("wrong-mfa-unless:"):
        return mode.split(":", 1)[1] != ""
    return False


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["moto", "fault"])
    parser.add_argument("fault", nargs="?", help="fault mode: " + ", ".join(FAULT_MODES))
    parser.add_argument("--delay", type=float, default=0.0,
                        help="moto mode: seconds to sleep before GetSessionToken/AssumeRole")
    parser.add_argument("--role-expires-in", type=float, default=None,
                        help="moto mode: AssumeRole credentials expire this many seconds later")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not exit when stdin reaches EOF")
    args = parser.parse_args(argv)
    if args.mode == "fault":
        if not args.fault or not valid_fault(args.fault):
            parser.error("fault mode needs one of: " + ", ".join(FAULT_MODES))
    elif args.fault:
        parser.error("moto mode takes no fault argument")

    app = StsApp(args.mode, fault=args.fault, delay=args.delay,
                 role_expires_in=args.role_expires_in)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if args.ignore_stdin:
        thread.join()
    else:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
