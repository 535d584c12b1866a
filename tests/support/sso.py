#!/usr/bin/env python3
"""Local IAM Identity Center for the aws-as integration tests: the OIDC service (sso-oidc) and
the access portal (sso) on one loopback port, minting role credentials through moto's STS.
Started by tests/common/sso.rs; moto implements neither service.

Usage:
    .venv/bin/python tests/support/sso.py --sts URL [--start-url URL] [--interval S]
        [--auto-approve N] [--accounts N] [--ignore-stdin]

Binds 127.0.0.1 on a free port, prints exactly one line ``PORT <n>`` to stdout, then serves
until killed or until its stdin reaches EOF (as tests/support/sts.py does). Clients reach it
through AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO (or AWS_ENDPOINT_URL): both
services' paths are served at the root. ``--sts URL`` is moto's STS (tests/support/sts.py in
moto mode): GetRoleCredentials calls its AssumeRole for ``arn:aws:iam::ACCOUNT:role/ROLE``
(access key id STANDIN_KEY_ID, session name the directory's user), so GetCallerIdentity with
the credentials shows ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/USER``.

Shapes, methods, paths, status codes and error types are those of the service models botocore
1.44.18 ships (sso-oidc 2019-06-10, sso 2019-06-10). Errors are recognised by clients from the
``x-amzn-ErrorType`` header (botocore's RestJSONParser and the Rust SDK's parse_error_metadata
both read it first and drop what follows a ``:``); it is sent as ``TYPE:NAMESPACE-URL``. OIDC
error bodies are ``{"error": "...", "error_description": "..."}``, the portal's
``{"message": "..."}``. The portal's ForbiddenException (403, "No access", a role not assigned)
is what AWS answers although the model does not list it: botocore raises a plain ClientError.

OIDC (restJson1, no signing):
  POST /client/register          RegisterClient: clientName, clientType ("public"), scopes,
                                 grantTypes, redirectUris (loopback http://127.0.0.1/... only),
                                 issuerUrl. A registration expires after registration_lifetime.
                                 Without grantTypes a client may use the device code and refresh
                                 grants; with them, only those listed. A refresh token is issued
                                 only to a client registered with scopes (as AWS does).
  POST /device_authorization     StartDeviceAuthorization: clientId, clientSecret, startUrl (one
                                 of the accepted start URLs). verificationUri is this server's
                                 /device, verificationUriComplete /device?user_code=CODE.
  POST /token                    CreateToken, grantType one of
                                   urn:ietf:params:oauth:grant-type:device_code (deviceCode):
                                     AuthorizationPendingException until approved;
                                     SlowDownException when polled sooner than the interval
                                     after the previous poll (the interval then grows by
                                     slow_down_increment), except for early_polls_allowed such
                                     polls of each device code (default 1: botocore's fetcher,
                                     the AWS CLI v2's, polls twice back to back at the start); ExpiredTokenException after expiresIn;
                                     AccessDeniedException when the person denied it;
                                     InvalidGrantException once the code was used.
                                   authorization_code (code, redirectUri, codeVerifier): the
                                     redirect URI must equal the one given to /authorize, the
                                     verifier's base64url(SHA-256) must equal the S256
                                     challenge, the code is single-use (a code is spent by any
                                     attempt past client authentication; a replay also revokes
                                     the tokens issued for it) and lives auth_code_lifetime:
                                     else InvalidGrantException.
                                   refresh_token (refreshToken): rotates the refresh token (the
                                     old one is spent); InvalidGrantException when unknown,
                                     spent, revoked or expired.
                                 A bad or expired client: InvalidClientException (401); a grant
                                 the client did not register: UnauthorizedClientException;
                                 another grant: UnsupportedGrantTypeException.
  GET  /authorize                Not in the model: the person's browser. Query: response_type
                                 (code), client_id, redirect_uri (http://127.0.0.1:ANY/oauth/
                                 callback, the client having registered
                                 http://127.0.0.1/oauth/callback), state, code_challenge,
                                 code_challenge_method (S256), scopes. A bad client or redirect
                                 URI: 400 page, no redirect. Else 302 to the redirect URI with
                                 code and state, or error (access_denied while denying,
                                 unsupported_response_type, invalid_request, invalid_scope)
                                 and state.
  GET  /device?user_code=CODE    The person approving a device code (what verificationUriComplete
                                 opens): 200 page, 404 for an unknown code, 400 if expired.

Portal (restJson1, header x-amz-sso_bearer_token, no signing):
  GET  /federation/credentials?role_name=&account_id=   GetRoleCredentials: {"roleCredentials":
       {accessKeyId, secretAccessKey, sessionToken, expiration (epoch milliseconds)}}
  GET  /assignment/accounts[?next_token=&max_result=]   ListAccounts: {accountList, nextToken}
  GET  /assignment/roles?account_id=[&next_token=&max_result=]
                                                        ListAccountRoles: {roleList, nextToken}
  POST /logout                                          Logout: revokes the access token and the
                                                        refresh token issued with it; 200, empty.
  UnauthorizedException 401 (no, unknown, expired or revoked token), ForbiddenException 403
  (account or role not assigned), InvalidRequestException 400 (a missing parameter, max_result
  outside 1..100, a bad next_token), TooManyRequestsException 429 and ResourceNotFoundException
  404 (by fault only). A page holds max_result items, else page_size.

Test controls (never recorded; JSON in and out):
  GET  /__sso/calls        every request to the services above, in order (see describe_call:
                           no token, secret, code or verifier is ever in it, only a token's
                           hash: the first 16 hex digits of its SHA-256)
  POST /__sso/reset        forget the calls
  GET  /__sso/directory    the directory: {"user": NAME, "accounts": [{accountId, accountName,
                           emailAddress, roles: [NAME...]}]}
  POST /__sso/directory    replace it (same JSON; user optional)
  POST /__sso/generate     {"count": N, "roles": [NAME...], "hostile": bool}: N generated
                           accounts (ids 100000000000+i) with those roles; hostile mixes in
                           names with shell metacharacters, quotes, newlines, escapes, unicode.
                           Answers the directory.
  GET  /__sso/settings     the settings
  POST /__sso/settings     change some: access_token_lifetime, refresh_token_lifetime,
                           registration_lifetime, device_code_lifetime, auth_code_lifetime,
                           role_session_lifetime (seconds), interval, slow_down_increment,
                           early_polls_allowed (0: every early poll gets slow_down),
                           auto_approve_after (N polls answered pending, then approved; null:
                           only a person approves), page_size, start_urls (list)
  POST /__sso/faults       replace the faults (absent = off): down ("503" or "close"),
                           delay (seconds before answering), operations (the operations down,
                           delay, throttle and not_found apply to; default all), throttle
                           (429/SlowDownException), not_found (portal 404), unauthorized
                           (every portal request 401), deny_authorize (authorize redirects
                           with error=access_denied), deny_device (/device denies: the next
                           poll gets AccessDeniedException), slow_down_first (each device code's
                           first poll gets SlowDownException)
  POST /__sso/approve?user_code=CODE   approve a device code (as /device does)
  POST /__sso/deny?user_code=CODE      deny it
  GET  /__sso/device                   the device authorizations: user_code, client_id,
                                       status (pending/approved/denied/issued), polls
  POST /__sso/revoke       revoke every access and refresh token
  POST /__sso/expire       every access token issued so far is expired (refresh tokens live on)
  POST /__sso/token        {"access_token": T} or {"refresh_token": T}: {"known", "valid",
                           "revoked", "expired", "expires_at", "client_id"}
  GET  /__sso/state        counts of registrations, live access and refresh tokens

Secrets: nothing is logged (the access log is silenced) and nothing goes to stdout or stderr but
the PORT line and tracebacks; tokens are only in the answers to the client that asked.
"""

import argparse
import base64
import hashlib
import json
import secrets
import socket
import sys
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from werkzeug.serving import WSGIRequestHandler

from serving import serve

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTH_CODE_GRANT = "authorization_code"
REFRESH_GRANT = "refresh_token"
KNOWN_GRANTS = (DEVICE_GRANT, AUTH_CODE_GRANT, REFRESH_GRANT)
DEFAULT_START_URL = "https://d-standin.awsapps.com/start"
DEFAULT_USER = "standin-user"
DEFAULT_ROLES = ("AdministratorAccess", "ReadOnlyAccess")
# The access key id the stand-in signs its AssumeRole calls with: sts.py records them too.
STANDIN_KEY_ID = "AKIASSOSTANDIN000001"
STANDIN_SECRET = "ssoStandinSecret0000000000000000000000000"
ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
# OIDC errors: (HTTP status, the body's `error`), as the sso-oidc model gives the statuses.
OIDC_ERRORS = {
    "AccessDeniedException": (400, "access_denied"),
    "AuthorizationPendingException": (400, "authorization_pending"),
    "ExpiredTokenException": (400, "expired_token"),
    "InternalServerException": (500, "server_error"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidScopeException": (400, "invalid_scope"),
    "SlowDownException": (400, "slow_down"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
}
PORTAL_ERRORS = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
}
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}
OPERATIONS = {
    ("POST", "/client/register"): "RegisterClient",
    ("POST", "/device_authorization"): "StartDeviceAuthorization",
    ("POST", "/token"): "CreateToken",
    ("GET", "/authorize"): "Authorize",
    ("GET", "/device"): "VerifyDevice",
    ("GET", "/federation/credentials"): "GetRoleCredentials",
    ("GET", "/assignment/accounts"): "ListAccounts",
    ("GET", "/assignment/roles"): "ListAccountRoles",
    ("POST", "/logout"): "Logout",
}
PORTAL_OPERATIONS = ("GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout")
DEFAULT_SETTINGS = {
    "access_token_lifetime": 3600,
    "refresh_token_lifetime": 90 * 86400,
    "registration_lifetime": 90 * 86400,
    "device_code_lifetime": 600,
    "auth_code_lifetime": 300,
    "role_session_lifetime": 3600,
    "interval": 1,
    "slow_down_increment": 5,
    "early_polls_allowed": 1,
    "auto_approve_after": None,
    "page_size": 20,
    "start_urls": [DEFAULT_START_URL],
}
FAULT_KEYS = ("down", "delay", "operations", "throttle", "not_found", "unauthorized",
              "deny_authorize", "deny_device", "slow_down_first")
# Names a portal may hold and a shell must not run: metacharacters, quotes, line breaks,
# terminal escapes, unicode (combining, right-to-left, emoji), a leading dash, blanks.
HOSTILE_NAMES = (
    "$(touch /tmp/pwned-by-sso)",
    "`id`; rm -rf ~",
    "it's \"quoted\" & <tagged>",
    "line one\nline two",
    "tab\there\r\nand CR",
    "\x1b[31mred\x1b[0m \x07bell",
    "Prod | tee /tmp/x > /dev/null",
    "--help",
    "  spaced  out  ",
    "Ünïcödé Prøduction 生产",
    "e\u0301 combining \u202eRTL\u202c",
    "🚀 rocket",
    "back\\slash %s %n {}",
    "!history *glob* ?[a-z]",
    "",
)


def token_hash(token):
    if not token:
        return None
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def new_secret(prefix, nbytes=48):
    return prefix + secrets.token_urlsafe(nbytes)


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def query_params(environ):
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return {key: values[-1] for key, values in query.items()}


def respond(start_response, status, body=b"", content_type="application/json", headers=()):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    all_headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("x-amzn-RequestId", str(secrets.token_hex(16)))]
    all_headers.extend(headers)
    start_response(f"{status} {REASONS.get(status, 'Status')}", all_headers)
    return [body]


def page(start_response, status, text, headers=()):
    html = f"<html><head><title>IAM Identity Center</title></head><body>{text}</body></html>"
    return respond(start_response, status, html, "text/html; charset=utf-8", headers)


class ServiceError(Exception):
    """An error answer of one of the services; `kind` is "oidc" or "portal"."""

    def __init__(self, kind, error_type, description):
        super().__init__(error_type)
        self.kind = kind
        self.error_type = error_type
        self.description = description

    def answer(self, start_response):
        headers = [("x-amzn-ErrorType", f"{self.error_type}:{ERROR_NAMESPACE}")]
        if self.kind == "oidc":
            status, error = OIDC_ERRORS[self.error_type]
            body = {"error": error, "error_description": self.description}
        else:
            status = PORTAL_ERRORS[self.error_type]
            body = {"message": self.description}
        return respond(start_response, status, body, headers=headers)


def oidc(error_type, description):
    return ServiceError("oidc", error_type, description)


def portal(error_type, description):
    return ServiceError("portal", error_type, description)


def generated_directory(count, roles, hostile):
    accounts = []
    for i in range(count):
        name = f"account-{i:03d}"
        if hostile and i % 3 == 1:
            name = HOSTILE_NAMES[(i // 3) % len(HOSTILE_NAMES)]
        accounts.append({
            "accountId": f"{100000000000 + i:012d}",
            "accountName": name,
            "emailAddress": f"aws+{i}@example.com",
            "roles": list(roles),
        })
    return accounts


def default_directory():
    return [
        {"accountId": "111111111111", "accountName": "Development",
         "emailAddress": "dev@example.com", "roles": list(DEFAULT_ROLES)},
        {"accountId": "222222222222", "accountName": "Production",
         "emailAddress": "prod@example.com", "roles": ["ReadOnlyAccess"]},
    ]


class SsoApp:
    def __init__(self, sts_url, settings):
        self.sts_url = sts_url
        self.port = 0
        self.lock = threading.Lock()
        self.settings = dict(settings)
        self.faults = {}
        self.user = DEFAULT_USER
        self.accounts = default_directory()
        self.calls = []
        self.clients = {}  # client id -> registration
        self.devices = {}  # device code -> device authorization
        self.user_codes = {}  # user code -> device code
        self.codes = {}  # authorization code -> its grant
        self.access_tokens = {}  # token -> record
        self.refresh_tokens = {}  # token -> record
        self._sts = None

    # ---- plumbing --------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/__sso/"):
            return self.control(environ, start_response, method, path[len("/__sso/"):])
        operation = OPERATIONS.get((method, path))
        body = read_body(environ)
        call = {"operation": operation or "Unknown", "method": method, "path": path,
                "time": time.time(), "status": None, "error": None,
                "user_agent": environ.get("HTTP_USER_AGENT")}
        try:
            with self.lock:
                faults = dict(self.faults)
            if operation and self.fault_applies(faults, operation):
                if faults.get("delay"):
                    time.sleep(float(faults["delay"]))
                if faults.get("down") == "close":
                    call["status"] = 0
                    self.record(call)
                    return self.close(environ, start_response)
                if faults.get("down"):
                    call["status"] = 503
                    self.record(call)
                    return respond(start_response, 503, "Service Unavailable", "text/plain")
            if operation is None:
                raise portal("ResourceNotFoundException", f"No route for {method} {path}")
            handler = getattr(self, "op_" + operation)
            answer = handler(environ, start_response, body, call, faults)
            if call["status"] is None:
                call["status"] = 200
        except ServiceError as error:
            call["error"] = error.error_type
            call["status"] = (OIDC_ERRORS[error.error_type][0] if error.kind == "oidc"
                              else PORTAL_ERRORS[error.error_type])
            self.record(call)
            return error.answer(start_response)
        self.record(call)
        return answer

    def fault_applies(self, faults, operation):
        operations = faults.get("operations")
        return not operations or operation in operations

    def record(self, call):
        with self.lock:
            self.calls.append(call)

    def close(self, environ, start_response):
        """Close the connection without an answer."""
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return respond(start_response, 503, "")

    def json_body(self, body):
        try:
            data = json.loads(body or b"{}")
        except ValueError as err:
            raise oidc("InvalidRequestException", "Request body is not valid JSON") from err
        if not isinstance(data, dict):
            raise oidc("InvalidRequestException", "Request body is not a JSON object")
        return data

    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    # ---- OIDC ------------------------------------------------------------------------------

    def client(self, data, call):
        """The registration clientId/clientSecret name, or InvalidClientException."""
        client_id = data.get("clientId")
        call["client_id"] = client_id
        if not isinstance(client_id, str) or not client_id:
            raise oidc("InvalidRequestException", "clientId is required")
        registration = self.clients.get(client_id)
        if registration is None:
            raise oidc("InvalidClientException", "Invalid client")
        if data.get("clientSecret") != registration["secret"]:
            raise oidc("InvalidClientException", "Invalid client secret")
        if time.time() >= registration["expires_at"]:
            raise oidc("InvalidClientException", "Client registration has expired")
        return registration

    def op_RegisterClient(self, environ, start_response, body, call, faults):
        data = self.json_body(body)
        name, client_type = data.get("clientName"), data.get("clientType")
        scopes = data.get("scopes") or []
        grant_types = data.get("grantTypes")
        redirect_uris = data.get("redirectUris") or []
        call.update(client_name=name, client_type=client_type, scopes=scopes,
                    grant_types=grant_types, redirect_uris=redirect_uris,
                    issuer_url=data.get("issuerUrl"))
        if not isinstance(name, str) or not name:
            raise oidc("InvalidRequestException", "clientName is required")
        if client_type != "public":
            raise oidc("InvalidClientMetadataException", f"Invalid clientType: {client_type}")
        if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
            raise oidc("InvalidScopeException", "Invalid scopes")
        if grant_types is not None:
            unknown = [g for g in grant_types if g not in KNOWN_GRANTS]
            if unknown:
                raise oidc("UnsupportedGrantTypeException", f"Unsupported grant types {unknown}")
        for uri in redirect_uris:
            parts = urlsplit(uri) if isinstance(uri, str) else None
            if parts is None or parts.scheme != "http" or parts.hostname != "127.0.0.1":
                raise oidc("InvalidRedirectUriException", "Redirect URIs must be loopback")
        if grant_types and AUTH_CODE_GRANT in grant_types:
            if not redirect_uris:
                raise oidc("InvalidRedirectUriException", "authorization_code needs redirectUris")
            if not data.get("issuerUrl"):
                raise oidc("InvalidRequestException", "authorization_code needs issuerUrl")
        now = time.time()
        client_id = new_secret("standin-client-", 18)
        registration = {
            "client_id": client_id, "secret": new_secret("", 96), "name": name,
            "scopes": scopes, "grant_types": grant_types, "redirect_uris": redirect_uris,
            "issued_at": int(now),
            "expires_at": int(now + self.settings["registration_lifetime"]),
        }
        with self.lock:
            self.clients[client_id] = registration
        call["client_id"] = client_id
        answer = {
            "clientId": client_id, "clientSecret": registration["secret"],
            "clientIdIssuedAt": registration["issued_at"],
            "clientSecretExpiresAt": registration["expires_at"],
        }
        if grant_types and AUTH_CODE_GRANT in grant_types:
            answer["authorizationEndpoint"] = self.base_url() + "/authorize"
            answer["tokenEndpoint"] = self.base_url() + "/token"
        return respond(start_response, 200, answer)

    def allows(self, registration, grant):
        grants = registration["grant_types"]
        if grants is None:
            return grant in (DEVICE_GRANT, REFRESH_GRANT)
        return grant in grants

    def op_StartDeviceAuthorization(self, environ, start_response, body, call, faults):
        data = self.json_body(body)
        call["start_url"] = data.get("startUrl")
        if faults.get("throttle") and self.fault_applies(faults, call["operation"]):
            raise oidc("SlowDownException", "Too many requests")
        with self.lock:
            registration = self.client(data, call)
            if not data.get("startUrl"):
                raise oidc("InvalidRequestException", "startUrl is required")
            if data["startUrl"] not in self.settings["start_urls"]:
                raise oidc("InvalidRequestException", "Invalid start url")
            if not self.allows(registration, DEVICE_GRANT):
                raise oidc("UnauthorizedClientException", "Client may not use the device grant")
            device_code = new_secret("", 48)
            user_code = self.new_user_code()
            lifetime = self.settings["device_code_lifetime"]
            interval = self.settings["interval"]
            self.devices[device_code] = {
                "client_id": registration["client_id"], "user_code": user_code,
                "expires_at": time.time() + lifetime, "interval": interval,
                "status": "pending", "polls": 0, "last_poll": None, "slowed_first": False,
                "early_polls": 0,
                "scopes": registration["scopes"],
            }
            self.user_codes[user_code] = device_code
        call["user_code"] = user_code
        call["device_code_hash"] = token_hash(device_code)
        verification = self.base_url() + "/device"
        return respond(start_response, 200, {
            "deviceCode": device_code, "userCode": user_code,
            "verificationUri": verification,
            "verificationUriComplete": verification + "?" + urlencode({"user_code": user_code}),
            "expiresIn": lifetime, "interval": interval,
        })

    def new_user_code(self):
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"
        while True:
            code = "".join(secrets.choice(alphabet) for _ in range(8))
            code = code[:4] + "-" + code[4:]
            if code not in self.user_codes:
                return code

    def op_CreateToken(self, environ, start_response, body, call, faults):
        data = self.json_body(body)
        grant = data.get("grantType")
        call["grant_type"] = grant
        if faults.get("throttle") and self.fault_applies(faults, call["operation"]):
            raise oidc("SlowDownException", "Too many requests")
        with self.lock:
            registration = self.client(data, call)
            if not grant:
                raise oidc("InvalidRequestException", "grantType is required")
            if grant not in KNOWN_GRANTS:
                raise oidc("UnsupportedGrantTypeException", f"Unsupported grant type {grant}")
            if not self.allows(registration, grant):
                raise oidc("UnauthorizedClientException", f"Client may not use {grant}")
            if grant == DEVICE_GRANT:
                tokens = self.device_grant(registration, data, call, faults)
            elif grant == AUTH_CODE_GRANT:
                tokens = self.code_grant(registration, data, call)
            else:
                tokens = self.refresh_grant(registration, data, call)
        call["access_token_hash"] = token_hash(tokens["accessToken"])
        call["refresh_token_hash"] = token_hash(tokens.get("refreshToken"))
        return respond(start_response, 200, tokens)

    def issue(self, registration, scopes, origin):
        """New tokens (lock held). `origin` names the grant that produced them."""
        now = time.time()
        access = new_secret("aoa", 96)
        record = {"client_id": registration["client_id"], "issued_at": now,
                  "expires_at": now + self.settings["access_token_lifetime"],
                  "revoked": False, "origin": origin, "scopes": scopes, "refresh": None}
        answer = {"accessToken": access, "tokenType": "Bearer",
                  "expiresIn": int(self.settings["access_token_lifetime"])}
        if registration["scopes"]:
            refresh = new_secret("aor", 96)
            record["refresh"] = refresh
            self.refresh_tokens[refresh] = {
                "client_id": registration["client_id"], "issued_at": now,
                "expires_at": now + self.settings["refresh_token_lifetime"],
                "revoked": False, "origin": origin, "scopes": scopes, "access": access,
            }
            answer["refreshToken"] = refresh
        self.access_tokens[access] = record
        return answer

    def device_grant(self, registration, data, call, faults):
        device_code = data.get("deviceCode")
        call["device_code_hash"] = token_hash(device_code)
        if not device_code:
            raise oidc("InvalidRequestException", "deviceCode is required")
        device = self.devices.get(device_code)
        if device is None or device["client_id"] != registration["client_id"]:
            raise oidc("InvalidGrantException", "Invalid device code provided")
        call["user_code"] = device["user_code"]
        now = time.time()
        if device["status"] == "issued":
            raise oidc("InvalidGrantException", "Device code has already been used")
        if now >= device["expires_at"]:
            raise oidc("ExpiredTokenException", "Device code has expired")
        last, device["last_poll"] = device["last_poll"], now
        device["polls"] += 1
        if faults.get("slow_down_first") and not device["slowed_first"]:
            device["slowed_first"] = True
            device["interval"] += self.settings["slow_down_increment"]
            raise oidc("SlowDownException", "Client is polling too fast")
        if last is not None and now - last < device["interval"] - 0.05:
            if device["early_polls"] < self.settings["early_polls_allowed"]:
                device["early_polls"] += 1
            else:
                device["interval"] += self.settings["slow_down_increment"]
                raise oidc("SlowDownException", "Client is polling too fast")
        auto = self.settings["auto_approve_after"]
        if device["status"] == "pending" and auto is not None and device["polls"] > auto:
            device["status"] = "approved"
        if device["status"] == "denied":
            raise oidc("AccessDeniedException", "Access denied")
        if device["status"] == "pending":
            raise oidc("AuthorizationPendingException", "Authorization is still pending")
        device["status"] = "issued"
        return self.issue(registration, device["scopes"], "device:" + device_code)

    def code_grant(self, registration, data, call):
        code = data.get("code")
        call["code_hash"] = token_hash(code)
        call["redirect_uri"] = data.get("redirectUri")
        if not code:
            raise oidc("InvalidRequestException", "code is required")
        grant = self.codes.get(code)
        if grant is None or grant["client_id"] != registration["client_id"]:
            raise oidc("InvalidGrantException", "Invalid authorization code")
        if grant["used"]:
            for record in list(self.access_tokens.values()) + list(self.refresh_tokens.values()):
                if record["origin"] == "code:" + code:
                    record["revoked"] = True
            raise oidc("InvalidGrantException", "Authorization code has already been used")
        grant["used"] = True
        if time.time() >= grant["expires_at"]:
            raise oidc("InvalidGrantException", "Authorization code has expired")
        if data.get("redirectUri") != grant["redirect_uri"]:
            raise oidc("InvalidGrantException", "redirectUri does not match the authorization")
        verifier = data.get("codeVerifier")
        call["pkce_checked"] = True
        call["pkce_ok"] = isinstance(verifier, str) and s256(verifier) == grant["challenge"]
        if not call["pkce_ok"]:
            raise oidc("InvalidGrantException", "Invalid code verifier")
        return self.issue(registration, grant["scopes"], "code:" + code)

    def refresh_grant(self, registration, data, call):
        refresh = data.get("refreshToken")
        call["refresh_token_used_hash"] = token_hash(refresh)
        if not refresh:
            raise oidc("InvalidRequestException", "refreshToken is required")
        record = self.refresh_tokens.get(refresh)
        if record is None or record["client_id"] != registration["client_id"]:
            raise oidc("InvalidGrantException", "Invalid refresh token provided")
        if record["revoked"]:
            raise oidc("InvalidGrantException", "Refresh token has been revoked")
        if time.time() >= record["expires_at"]:
            raise oidc("InvalidGrantException", "Refresh token has expired")
        record["revoked"] = True  # rotated: spent
        return self.issue(registration, record["scopes"], record["origin"])

    def op_Authorize(self, environ, start_response, body, call, faults):
        params = query_params(environ)
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        state = params.get("state")
        call.update(client_id=client_id, redirect_uri=redirect_uri,
                    state_present=state is not None, scopes=params.get("scopes"),
                    code_challenge_method=params.get("code_challenge_method"))
        with self.lock:
            registration = self.clients.get(client_id or "")
            if registration is None or time.time() >= registration["expires_at"]:
                call.update(status=400, error="invalid_client")
                return page(start_response, 400, "Invalid client")
            if not self.redirect_allowed(registration, redirect_uri):
                call.update(status=400, error="invalid_redirect_uri")
                return page(start_response, 400, "Invalid redirect URI")
            error = None
            scopes = (params.get("scopes") or "").replace(",", " ").split()
            if params.get("response_type") != "code":
                error = "unsupported_response_type"
            elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
                error = "invalid_request"
            elif not set(scopes) <= set(registration["scopes"]):
                error = "invalid_scope"
            elif faults.get("deny_authorize"):
                error = "access_denied"
            if error is None:
                code = new_secret("", 32)
                self.codes[code] = {
                    "client_id": client_id, "redirect_uri": redirect_uri,
                    "challenge": params["code_challenge"], "used": False,
                    "scopes": scopes or registration["scopes"],
                    "expires_at": time.time() + self.settings["auth_code_lifetime"],
                }
                call["code_hash"] = token_hash(code)
                query = {"code": code}
            else:
                call["error"] = error
                query = {"error": error}
        if state is not None:
            query["state"] = state
        call["status"] = 302
        location = redirect_uri + "?" + urlencode(query)
        return page(start_response, 302, "Redirecting", [("Location", location)])

    @staticmethod
    def redirect_allowed(registration, redirect_uri):
        if not redirect_uri:
            return False
        parts = urlsplit(redirect_uri)
        try:
            port = parts.port
        except ValueError:
            return False
        if (parts.scheme != "http" or parts.hostname != "127.0.0.1" or not port
                or parts.path != "/oauth/callback" or parts.query or parts.fragment):
            return False
        return "http://127.0.0.1/oauth/callback" in registration["redirect_uris"]

    def op_VerifyDevice(self, environ, start_response, body, call, faults):
        user_code = query_params(environ).get("user_code", "")
        call["user_code"] = user_code
        decision = "denied" if faults.get("deny_device") else "approved"
        status = self.decide(user_code, decision)
        call["status"] = status
        texts = {200: f"Request {decision}", 404: "Unknown code", 400: "Code expired"}
        return page(start_response, status, texts[status])

    def decide(self, user_code, decision):
        with self.lock:
            return self.decide_locked(user_code, decision)

    def decide_locked(self, user_code, decision):
        """A person's decision on a device code: 200, 404 (unknown) or 400 (expired)."""
        device = self.devices.get(self.user_codes.get(user_code, ""))
        if device is None:
            return 404
        if time.time() >= device["expires_at"]:
            return 400
        if device["status"] == "pending":
            device["status"] = decision
        return 200

    # ---- portal ----------------------------------------------------------------------------

    def bearer(self, environ, call, faults):
        """The access token's record, or UnauthorizedException (lock held)."""
        token = environ.get("sso.bearer_token")
        call["access_token_hash"] = token_hash(token)
        if not token:
            raise portal("UnauthorizedException", "Session token not found or invalid")
        if faults.get("unauthorized"):
            raise portal("UnauthorizedException", "Session token not found or invalid")
        record = self.access_tokens.get(token)
        if record is None or record["revoked"] or time.time() >= record["expires_at"]:
            raise portal("UnauthorizedException", "Session token not found or invalid")
        return record

    def portal_faults(self, call, faults):
        if faults.get("throttle") and self.fault_applies(faults, call["operation"]):
            raise portal("TooManyRequestsException", "HTTP 429 Unknown Code")
        if faults.get("not_found") and self.fault_applies(faults, call["operation"]):
            raise portal("ResourceNotFoundException", "The resource was not found")

    def account(self, account_id):
        return next((a for a in self.accounts if a["accountId"] == account_id), None)

    def paginate(self, items, params, call, key):
        max_result = params.get("max_result")
        next_token = params.get("next_token")
        call.update(max_result=max_result, next_token=next_token)
        size = self.settings["page_size"]
        if max_result is not None:
            if not max_result.isdigit() or not 1 <= int(max_result) <= 100:
                raise portal("InvalidRequestException", "max_result must be between 1 and 100")
            size = int(max_result)
        start = 0
        if next_token is not None:
            try:
                start = int(base64.urlsafe_b64decode(next_token.encode()).decode().split(":")[1])
            except (ValueError, IndexError, UnicodeDecodeError) as err:
                raise portal("InvalidRequestException", "Invalid next_token") from err
        chunk = items[start:start + size]
        answer = {key: chunk}
        if start + size < len(items):
            token = f"standin:{start + size}"
            answer["nextToken"] = base64.urlsafe_b64encode(token.encode()).decode()
        call["returned"] = len(chunk)
        return answer

    def op_ListAccounts(self, environ, start_response, body, call, faults):
        params = query_params(environ)
        with self.lock:
            self.bearer(environ, call, faults)
            self.portal_faults(call, faults)
            items = [{k: a[k] for k in ("accountId", "accountName", "emailAddress")}
                     for a in self.accounts]
        return respond(start_response, 200, self.paginate(items, params, call, "accountList"))

    def op_ListAccountRoles(self, environ, start_response, body, call, faults):
        params = query_params(environ)
        call["account_id"] = params.get("account_id")
        with self.lock:
            self.bearer(environ, call, faults)
            self.portal_faults(call, faults)
            if not params.get("account_id"):
                raise portal("InvalidRequestException", "account_id is required")
            account = self.account(params["account_id"])
            if account is None:
                raise portal("ForbiddenException", "No access")
            items = [{"roleName": r, "accountId": account["accountId"]} for r in account["roles"]]
        return respond(start_response, 200, self.paginate(items, params, call, "roleList"))

    def op_GetRoleCredentials(self, environ, start_response, body, call, faults):
        params = query_params(environ)
        account_id, role_name = params.get("account_id"), params.get("role_name")
        call.update(account_id=account_id, role_name=role_name)
        with self.lock:
            self.bearer(environ, call, faults)
            self.portal_faults(call, faults)
            if not account_id or not role_name:
                raise portal("InvalidRequestException", "account_id and role_name are required")
            account = self.account(account_id)
            if account is None or role_name not in account["roles"]:
                raise portal("ForbiddenException", "No access")
            user, lifetime = self.user, self.settings["role_session_lifetime"]
        credentials = self.assume_role(account_id, role_name, user, lifetime)
        call["access_key_id"] = credentials["accessKeyId"]
        return respond(start_response, 200, {"roleCredentials": credentials})

    def assume_role(self, account_id, role_name, user, lifetime):
        if self._sts is None:
            import botocore.session  # lazily: it takes a moment

            session = botocore.session.get_session()
            self._sts = session.create_client(
                "sts", region_name="us-east-1", endpoint_url=self.sts_url,
                aws_access_key_id=STANDIN_KEY_ID, aws_secret_access_key=STANDIN_SECRET,
            )
        answer = self._sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}",
            RoleSessionName=user, DurationSeconds=int(lifetime),
        )["Credentials"]
        return {
            "accessKeyId": answer["AccessKeyId"],
            "secretAccessKey": answer["SecretAccessKey"],
            "sessionToken": answer["SessionToken"],
            "expiration": int(answer["Expiration"].timestamp() * 1000),
        }

    def op_Logout(self, environ, start_response, body, call, faults):
        with self.lock:
            record = self.bearer(environ, call, faults)
            self.portal_faults(call, faults)
            record["revoked"] = True
            if record["refresh"] in self.refresh_tokens:
                self.refresh_tokens[record["refresh"]]["revoked"] = True
        return respond(start_response, 200, b"")

    # ---- test controls ---------------------------------------------------------------------

    def control(self, environ, start_response, method, name):
        body = read_body(environ)
        params = query_params(environ)
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return respond(start_response, 400, {"error": "body is not JSON"})
        handler = getattr(self, f"control_{method}_{name}", None)
        if handler is None:
            return respond(start_response, 404, {"error": f"no control {method} {name}"})
        try:
            with self.lock:
                answer = handler(data, params)
        except (ValueError, TypeError, KeyError) as err:
            return respond(start_response, 400, {"error": str(err)})
        return respond(start_response, 200, answer if answer is not None else {})

    def control_GET_calls(self, data, params):
        return list(self.calls)

    def control_POST_reset(self, data, params):
        self.calls.clear()

    def control_GET_directory(self, data, params):
        return {"user": self.user, "accounts": self.accounts}

    def control_POST_directory(self, data, params):
        accounts = data["accounts"]
        for account in accounts:
            for key in ("accountId", "accountName", "emailAddress", "roles"):
                if key not in account:
                    raise ValueError(f"account without {key}")
        self.accounts = [dict(a) for a in accounts]
        self.user = data.get("user", self.user)
        return self.control_GET_directory(data, params)

    def control_POST_generate(self, data, params):
        roles = data.get("roles") or list(DEFAULT_ROLES)
        self.accounts = generated_directory(int(data["count"]), roles, bool(data.get("hostile")))
        return self.control_GET_directory(data, params)

    def control_GET_settings(self, data, params):
        return dict(self.settings)

    def control_POST_settings(self, data, params):
        unknown = set(data) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        self.settings.update(data)
        return dict(self.settings)

    def control_POST_faults(self, data, params):
        unknown = set(data) - set(FAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        if data.get("down") not in (None, "503", "close"):
            raise ValueError("down is 503 or close")
        self.faults = dict(data)
        return dict(self.faults)

    def control_POST_approve(self, data, params):
        status = self.decide_locked(params.get("user_code", ""), "approved")
        if status != 200:
            raise ValueError(f"cannot approve: {status}")

    def control_POST_deny(self, data, params):
        status = self.decide_locked(params.get("user_code", ""), "denied")
        if status != 200:
            raise ValueError(f"cannot deny: {status}")

    def control_GET_device(self, data, params):
        return [{"user_code": d["user_code"], "client_id": d["client_id"],
                 "status": d["status"], "polls": d["polls"],
                 "expired": time.time() >= d["expires_at"]} for d in self.devices.values()]

    def control_POST_revoke(self, data, params):
        for record in list(self.access_tokens.values()) + list(self.refresh_tokens.values()):
            record["revoked"] = True

    def control_POST_expire(self, data, params):
        now = time.time()
        for record in self.access_tokens.values():
            record["expires_at"] = min(record["expires_at"], now)

    def control_POST_token(self, data, params):
        if "access_token" in data:
            record = self.access_tokens.get(data["access_token"])
        else:
            record = self.refresh_tokens.get(data["refresh_token"])
        if record is None:
            return {"known": False, "valid": False}
        expired = time.time() >= record["expires_at"]
        return {"known": True, "valid": not record["revoked"] and not expired,
                "revoked": record["revoked"], "expired": expired,
                "expires_at": record["expires_at"], "client_id": record["client_id"]}

    def control_GET_state(self, data, params):
        now = time.time()

        def live(records):
            return sum(1 for r in records.values()
                       if not r["revoked"] and now < r["expires_at"])

        return {"registrations": len(self.clients), "access_tokens": live(self.access_tokens),
                "refresh_tokens": live(self.refresh_tokens),
                "device_authorizations": len(self.devices)}


class QuietHandler(WSGIRequestHandler):
    """No access log; the portal's x-amz-sso_bearer_token (which werkzeug drops, its name
    holding an underscore) put in the environ as sso.bearer_token."""

    def make_environ(self):
        environ = super().make_environ()
        environ["sso.bearer_token"] = self.headers.get("x-amz-sso_bearer_token")
        return environ

    def log_request(self, *args, **kwargs):
        pass

    def log(self, type, message, *args):
        if type == "error":
            super().log(type, message, *args)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sts", required=True, metavar="URL",
                        help="moto's STS (tests/support/sts.py moto), for AssumeRole")
    parser.add_argument("--start-url", action="append", default=[], metavar="URL",
                        help=f"an accepted start URL (repeatable; default {DEFAULT_START_URL})")
    parser.add_argument("--interval", type=int, default=DEFAULT_SETTINGS["interval"],
                        help="device code polling interval in seconds")
    parser.add_argument("--auto-approve", type=int, default=None, metavar="N",
                        help="approve each device code after N polls answered pending")
    parser.add_argument("--accounts", type=int, default=None, metavar="N",
                        help="a generated directory of N accounts instead of the default two")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not exit when stdin reaches EOF")
    args = parser.parse_args(argv)
    if urlsplit(args.sts).hostname != "127.0.0.1":
        parser.error("--sts must be on 127.0.0.1")
    settings = dict(DEFAULT_SETTINGS, interval=args.interval,
                    auto_approve_after=args.auto_approve)
    if args.start_url:
        settings["start_urls"] = args.start_url
    app = SsoApp(args.sts, settings)
    if args.accounts is not None:
        app.accounts = generated_directory(args.accounts, DEFAULT_ROLES, False)
    serve(app, QuietHandler, args.ignore_stdin, on_port=lambda port: setattr(app, "port", port))


if __name__ == "__main__":
    main(sys.argv[1:])
