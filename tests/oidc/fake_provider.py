"""An OpenID provider on loopback whose ID tokens the tests write themselves, signed with keys
they control and published at its JWKS address: so a test can tamper with the signature, name
another audience or issuer, let the token expire, reuse a nonce or rotate the keys, and see the
app refuse (or accept) exactly that. The happy path is also run against a real, certified
provider (tests/oidc/provider.mjs, oidc-provider from npm) in the browser journey."""
import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "casefile-test"
CLIENT_SECRET = "casefile-test-secret"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeProvider:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.key = new_key("key-1")
        self.published = [self.key]
        self.codes = {}  # code -> what the authorization request asked for
        self.jwks_fetches = 0
        self.tokens_issued = []
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        self.server = None

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "end_session_endpoint": self.issuer + "/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]}

    def rotate_keys(self):
        """A new signing key, published in place of the old one (as a provider does)."""
        number = int(self.key.kid.split("-")[1]) + 1
        self.key = new_key(f"key-{number}")
        self.published = [self.key]

    def authorize(self, authorize_url: str, *, sub="user-1", email="worker@council.test", **claims) -> str:
        """What the provider does when a person signs in there: remember the request and give
        back the callback address with a code."""
        query = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"request": query, "claims": {"sub": sub, "email": email, "email_verified": True,
                                                         "name": "Sam Worker", **claims}}
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def id_token(self, request: dict, claims: dict) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                   "nonce": request.get("nonce"), **claims}
        payload = {key: value for key, value in payload.items() if value is not None}
        signing_key = payload.pop("_signing_key", self.key)
        return jwt.encode({"alg": "RS256", "kid": signing_key.kid}, payload, signing_key)


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "someone.else@council.test"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


def _handler_for(provider: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, body, status=200):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                return self._json(provider.metadata())
            if path == "/jwks":
                provider.jwks_fetches += 1
                return self._json({"keys": [key.as_dict(private=False) for key in provider.published]})
            return self._json({"error": "not_found"}, 404)

        def do_POST(self):
            if urlsplit(self.path).path != "/token":
                return self._json({"error": "not_found"}, 404)
            length = int(self.headers.get("Content-Length") or 0)
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._json({"error": "invalid_client"}, 401)
            granted = provider.codes.pop(form.get("code"), None)
            if granted is None:
                return self._json({"error": "invalid_grant"}, 400)
            request = granted["request"]
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
            if request.get("code_challenge_method") != "S256" or challenge != request.get("code_challenge"):
                return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            claims = dict(granted["claims"])
            tamper = claims.pop("_tamper", False)
            token = provider.id_token(request, claims)
            token = _tampered(token) if tamper else token
            provider.tokens_issued.append(token)
            return self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                               "expires_in": 300, "id_token": token})

    return Handler
