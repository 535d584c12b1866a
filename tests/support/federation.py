"""A stand-in for the AWS federation sign-in endpoint (https://signin.aws.amazon.com/federation),
mounted by sts.py at /federation on its loopback port. aws-as finds it through
AWS_AS_FEDERATION_ENDPOINT.

  GET /federation?Action=getSigninToken&Session=JSON[&SessionDuration=S]
      records the request (the Session parsed as JSON when it is JSON) and answers
      {"SigninToken": <a new random token>}, or 400 while refusing.
  GET /federation?Action=login&Issuer=..&Destination=..&SigninToken=..
      records it (and whether the token is one it issued) and answers 200 "signed in".

Control (not recorded): GET /__federation/calls (the records, as JSON), POST
/__federation/refuse[?status=N] (getSigninToken answers 400 from now on, as AWS does for
credentials it refuses; or N: 404 is what a URL with no sign-in service behind it answers).

Secrets: nothing is logged; the tokens and sessions are only returned to the test by
/__federation/calls.
"""

import json
import secrets
import threading
from urllib.parse import parse_qs

KNOWN_PARAMETERS = ("Action", "Session", "SessionDuration", "Issuer", "Destination", "SigninToken")


class Federation:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.issued = set()
        self.refusing = None

    def snapshot(self):
        with self.lock:
            return list(self.calls)

    def refuse(self, status=400):
        with self.lock:
            self.refusing = status

    def __call__(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = {key: values[-1] for key, values in query.items()}
        action = params.get("Action")
        call = {
            "method": environ.get("REQUEST_METHOD"),
            "action": action,
            "repeated": sorted(k for k, v in query.items() if len(v) > 1),
            "unknown": sorted(k for k in params if k not in KNOWN_PARAMETERS),
            "session_duration": params.get("SessionDuration"),
            "session": None,
            "issuer": params.get("Issuer"),
            "destination": params.get("Destination"),
            "signin_token": params.get("SigninToken"),
            "known_token": None,
            "issued_token": None,
        }
        if action == "getSigninToken":
            try:
                call["session"] = json.loads(params.get("Session", ""))
            except ValueError:
                call["session"] = params.get("Session")
            with self.lock:
                refusing = self.refusing
                if not refusing:
                    token = secrets.token_urlsafe(240)
                    self.issued.add(token)
                    call["issued_token"] = token
                self.calls.append(call)
            if refusing == 404:
                return answer(start_response, "404 Not Found", "<html><body>Not Found</body></html>", "text/html")
            if refusing:
                reason = {400: "Bad Request", 403: "Forbidden"}.get(refusing, "Refused")
                return answer(start_response, f"{refusing} {reason}", "Invalid credentials parameter", "text/plain")
            return answer(start_response, "200 OK", json.dumps({"SigninToken": token}), "application/json")
        if action == "login":
            with self.lock:
                call["known_token"] = call["signin_token"] in self.issued
                self.calls.append(call)
            return answer(start_response, "200 OK", "signed in", "text/plain")
        with self.lock:
            self.calls.append(call)
        return answer(start_response, "400 Bad Request", "unknown action", "text/plain")


def answer(start_response, status, body, content_type):
    body = body.encode("utf-8")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
