#!/usr/bin/env python3
"""Local STS for the aws-as integration tests. Loopback only; started by tests/common/sts.rs.

Usage:
    .venv/bin/python tests/support/sts.py moto [--delay SECONDS] [--date-offset SECONDS]
    .venv/bin/python tests/support/sts.py fault MODE

Binds 127.0.0.1 on a free port, prints exactly one line ``PORT <n>`` to stdout, then serves
until killed or until its stdin reaches EOF (so a crashed test never leaves it running; pass
``--ignore-stdin`` when running it by hand with stdin closed).

Modes:
  moto            moto's STS (any role ARN can be assumed; credentials are fake but consistent).
                  ``--delay S`` sleeps S seconds before answering GetSessionToken/AssumeRole.
                  ``--lifetime ACTION=S`` (repeatable) makes the sessions ACTION (GetSessionToken,
                  AssumeRole) issues expire S seconds after they are issued, whatever
                  DurationSeconds asked for: sessions that expire within a test.
                  ``--date-offset S`` puts every answer's Date header S seconds from now (a
                  server whose clock is off: aws-as doctor's clock check).
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
                    echo               502 HTML page of a proxy echoing the request: its headers
                                       (the X-Amz-Security-Token signed with) and its form body,
                                       with terminal escapes and line breaks
                    cut-short          200 with STS's answer cut off inside the SessionToken
                                       (CUT_SHORT_SECRET and CUT_SHORT_TOKEN in it)
                    hang               never answers (sleeps up to 120 s)
                    token-suffix:HEX   moto, with the UTF-8 text HEX encodes appended to every
                                       SessionToken it issues (hostile values for the outputs)

Every STS request (in both modes) is recorded; ``GET /__calls`` returns them as a JSON list,
``POST /__reset`` clears the list. ``POST /__expire`` (moto mode) makes every session token
issued so far count as expired: a request signed with one gets 400 ExpiredToken, as AWS answers
for a session its holder still believes valid (clock skew, a shortened session).
``POST /__fault?mode=MODE`` switches a moto-mode server to that fault from now on; without a
mode it goes back to moto: STS goes down, throttles or hangs while the sessions it issued are in
aws-as's cache. No control endpoint is recorded.

/federation is a stand-in for the AWS console sign-in endpoint (tests/support/federation.py),
with its own records at GET /__federation/calls and POST /__federation/refuse.

Secrets: nothing here logs requests (werkzeug's access log is silenced), so access keys and
session tokens never reach stderr. They are only returned by /__calls to the test itself.
"""

import argparse
import hashlib
import io
import json
import re
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs

from werkzeug.serving import WSGIRequestHandler

from federation import Federation
from serving import serve

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
    "echo",
    "cut-short",
    "hang",
    "token-suffix:HEX",
)
HANG_SECONDS = 120
# The credentials in the cut-short answer: a test checks that no message shows them.
CUT_SHORT_SECRET = "cutShortSecret/EXAMPLE0123456789abcdefGHIJ"
CUT_SHORT_TOKEN = "FwoGZXIvYXdzCUTSHORTtoken0123456789+abcdefghijklmnopqrstuvwxyz/ABCDEFGH"

_CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/")
# The signing region: Credential=KEY/DATE/REGION/sts/aws4_request.
_SCOPE_REGION_RE = re.compile(r"Credential=[^/,\s]+/[^/,\s]+/([^/,\s]+)/")
_SESSION_TOKEN_RE = re.compile(rb"<SessionToken>([^<]+)</SessionToken>")
_EXPIRATION_RE = re.compile(rb"<Expiration>[^<]+</Expiration>")


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
    scope = _SCOPE_REGION_RE.search(auth) or _SCOPE_REGION_RE.search(
        "Credential=" + (params.get("X-Amz-Credential") or "")
    )
    duration = params.get("DurationSeconds")
    try:
        duration = int(duration) if duration is not None else None
    except ValueError:
        pass  # keep the raw string; the test will see what was sent
    return {
        "action": params.get("Action"),
        "access_key_id": access_key_id,
        "region": scope.group(1) if scope else None,
        "security_token": token,
        "serial_number": params.get("SerialNumber"),
        "token_code": params.get("TokenCode"),
        "role_arn": params.get("RoleArn"),
        "role_session_name": params.get("RoleSessionName"),
        "external_id": params.get("ExternalId"),
        "duration_seconds": duration,
        "name": params.get("Name"),
        "policy": params.get("Policy"),
        # AssumeRole's session tags (Tags.member.N.Key/Value), in order, and the rest of
        # aws-vault's role settings.
        "tags": [
            [params.get(f"Tags.member.{n}.Key"), params.get(f"Tags.member.{n}.Value")]
            for n in range(1, 51)
            if f"Tags.member.{n}.Key" in params
        ],
        "transitive_tag_keys": [
            params[f"TransitiveTagKeys.member.{n}"]
            for n in range(1, 51)
            if f"TransitiveTagKeys.member.{n}" in params
        ],
        "source_identity": params.get("SourceIdentity"),
        # AssumeRoleWithWebIdentity's token, hashed: what reached STS, never the token itself.
        "web_identity_token_sha256": (
            hashlib.sha256(params["WebIdentityToken"].encode()).hexdigest()
            if "WebIdentityToken" in params
            else None
        ),
        "signed": bool(auth) or "X-Amz-Credential" in params,
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
    def __init__(self, mode, fault=None, delay=0.0, lifetimes=None):
        self.mode = mode
        self.fault = fault
        self.delay = delay
        self.lifetimes = lifetimes or {}
        self.switched_fault = None
        self.recorder = Recorder()
        self.lock = threading.Lock()
        self.throttle_left = 0
        self.issued = set()
        self.expired = set()
        # Access keys IAM's DeleteAccessKey removed: moto checks no signature, so a call signed
        # with one is refused here, as AWS refuses it (InvalidClientTokenId).
        self.deleted_keys = set()
        self.moto = None
        self.federation = Federation()
        if fault is not None and fault.startswith(("token-suffix:", "wrong-mfa-unless:")):
            self.moto = make_moto_app()
        elif fault is not None and fault.startswith("throttle-then-ok:"):
            self.throttle_left = int(fault.split(":", 1)[1])
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
            read_body(environ)
            mode = parse_qs(environ.get("QUERY_STRING", "")).get("mode", [""])[-1]
            if mode and not valid_fault(mode):
                return respond(start_response, "400 Bad Request", "unknown fault mode", "text/plain")
            with self.lock:
                self.switched_fault = mode or None
                if mode.startswith("throttle-then-ok:"):
                    self.throttle_left = int(mode.split(":", 1)[1])
            return respond(start_response, "200 OK", "{}", "application/json")
        if path == "/federation":
            return self.federation(environ, start_response)
        if path == "/__federation/calls" and method == "GET":
            data = json.dumps(self.federation.snapshot())
            return respond(start_response, "200 OK", data, "application/json")
        if path == "/__federation/refuse" and method == "POST":
            read_body(environ)
            status = parse_qs(environ.get("QUERY_STRING", "")).get("status", ["400"])[-1]
            self.federation.refuse(int(status))
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
            switched = self.switched_fault
        if self.mode == "moto" and switched:
            return self.answer_fault(environ, start_response, call, switched)
        if self.mode == "moto":
            if self.delay > 0 and call["action"] in SLOW_ACTIONS:
                time.sleep(self.delay)
            with self.lock:
                expired = call["security_token"] in self.expired
                deleted = call["access_key_id"] in self.deleted_keys
                if call["action"] == "DeleteAccessKey" and params.get("AccessKeyId"):
                    self.deleted_keys.add(params["AccessKeyId"])
            if deleted:
                return sts_error(
                    start_response, "403 Forbidden", "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                )
            if expired:
                return sts_error(
                    start_response, "400 Bad Request", "ExpiredToken",
                    "The security token included in the request is expired",
                )
            lifetime = self.lifetimes.get(call["action"])
            if call["action"] in IAM_ACTIONS:
                # IAM's access keys are long-term: their AKIA ids stay as moto gives them.
                return self.moto(environ, start_response)
            return self.remember_tokens(
                self.rewritten(
                    environ, start_response,
                    lambda b: temporary_key_id(b if lifetime is None else shorten(b, lifetime)),
                )
            )
        return self.answer_fault(environ, start_response, call)

    def rewritten(self, environ, start_response, rewrite):
        """moto's answer with its body changed by ``rewrite`` (and Content-Length with it)."""
        answer = {}

        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return lambda data: None

        body = rewrite(b"".join(self.moto(environ, capture)))
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(answer["status"], headers)
        return [body]

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
        if fault.startswith("token-suffix:"):
            suffix = bytes.fromhex(fault.split(":", 1)[1]).decode("utf-8")
            return self.rewrite_tokens(environ, start_response, suffix)
        if fault == "http500":
            return respond(start_response, "500 Internal Server Error", "InternalFailure", "text/plain")
        if fault == "malformed":
            return respond(start_response, "200 OK", "<<<not xml")
        if fault == "echo":
            headers = "".join(
                f"{key[5:].replace('_', '-').title()}: {value}\r\n"
                for key, value in sorted(environ.items())
                if key.startswith("HTTP_")
            )
            body = read_body(environ).decode("utf-8", "replace")
            page = (
                "<html><head><title>502 Bad Gateway</title></head><body>\x1b[31mupstream failed"
                f"\x1b[0m\r\n<pre>{headers}\r\n{body}</pre></body></html>"
            )
            return respond(start_response, "502 Bad Gateway", page, "text/html")
        if fault == "cut-short":
            answer = (
                f'<{action}Response xmlns="{STS_NS}"><{action}Result><Credentials>'
                "<AccessKeyId>ASIACUTSHORTEXAMPLE1</AccessKeyId>"
                f"<SecretAccessKey>{CUT_SHORT_SECRET}</SecretAccessKey>"
                f"<SessionToken>{CUT_SHORT_TOKEN}"
            )
            return respond(start_response, "200 OK", answer)
        if fault == "hang":
            time.sleep(HANG_SECONDS)
            return respond(start_response, "504 Gateway Timeout", "hung", "text/plain")
        raise AssertionError(f"unknown fault mode {fault!r}")


    def rewrite_tokens(self, environ, start_response, suffix):
        """moto's answer with `suffix` appended to each SessionToken, escaped as XML (control
        characters as character references, which a parser keeps as they are)."""
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.moto(environ, capture))
        escaped = "".join(
            f"&#{ord(c)};" if ord(c) < 0x20 or c in "&<>" else c for c in suffix
        ).encode("utf-8")
        body = _SESSION_TOKEN_RE.sub(
            lambda m: b"<SessionToken>" + m.group(1) + escaped + b"</SessionToken>", body
        )
        headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(seen["status"], headers)
        return [body]


# IAM calls tests make through this server (moto answers them too).
IAM_ACTIONS = {
    "CreateUser", "CreateAccessKey", "ListAccessKeys", "DeleteAccessKey", "UpdateAccessKey",
    "GetUser",
}


def temporary_key_id(body):
    """The response with an ``ASIA`` key id where moto gives ``AKIA``: moto answers
    GetSessionToken and GetFederationToken with the fixed long-term-looking id
    AKIAIOSFODNN7EXAMPLE, where STS gives every temporary credential an ASIA id (and aws-as
    takes an AKIA id in a section for an IAM user's long-term key)."""
    return body.replace(b"<AccessKeyId>AKIA", b"<AccessKeyId>ASIA")


def shorten(body, seconds):
    """The response with its Expiration ``seconds`` from now."""
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
    return _EXPIRATION_RE.sub(b"<Expiration>" + when.encode() + b"</Expiration>", body, count=1)


# Seconds added to the clock of every answer's Date header (--date-offset): a server whose clock
# is off, for aws-as doctor's clock check.
DATE_OFFSET = 0.0


class QuietHandler(WSGIRequestHandler):
    """No access log: keeps request details (and anything secret-looking) off stderr."""

    def date_time_string(self, timestamp=None):
        return super().date_time_string((time.time() if timestamp is None else timestamp) + DATE_OFFSET)

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
    if mode.startswith("token-suffix:"):
        try:
            return bytes.fromhex(mode.split(":", 1)[1]).decode("utf-8") != ""
        except ValueError:
            return False
    return False


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["moto", "fault"])
    parser.add_argument("fault", nargs="?", help="fault mode: " + ", ".join(FAULT_MODES))
    parser.add_argument("--delay", type=float, default=0.0,
                        help="moto mode: seconds to sleep before GetSessionToken/AssumeRole")
    parser.add_argument("--lifetime", action="append", default=[], metavar="ACTION=SECONDS",
                        help="moto mode: sessions ACTION issues expire SECONDS after issue")
    parser.add_argument("--date-offset", type=float, default=0.0, metavar="SECONDS",
                        help="every answer's Date header SECONDS from now (a skewed clock)")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not exit when stdin reaches EOF")
    args = parser.parse_args(argv)
    if args.mode == "fault":
        if not args.fault or not valid_fault(args.fault):
            parser.error("fault mode needs one of: " + ", ".join(FAULT_MODES))
    elif args.fault:
        parser.error("moto mode takes no fault argument")

    lifetimes = {}
    for item in args.lifetime:
        action, _, seconds = item.partition("=")
        if action not in SLOW_ACTIONS or not seconds.isdigit():
            parser.error(f"--lifetime takes GetSessionToken=S or AssumeRole=S, not {item!r}")
        lifetimes[action] = int(seconds)
    global DATE_OFFSET
    DATE_OFFSET = args.date_offset
    app = StsApp(args.mode, fault=args.fault, delay=args.delay, lifetimes=lifetimes)
    serve(app, QuietHandler, args.ignore_stdin)


if __name__ == "__main__":
    main(sys.argv[1:])
