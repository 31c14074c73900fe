"""Start and stop the real OpenID provider (tests/oidc/provider.mjs, oidc-provider from npm) on
a free loopback port. Without Node.js or the npm package the tests that need it are skipped,
unless REQUIRE_BROWSER=1 (CI), where that is a failure: `make setup` installs it with `npm ci`."""
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "casefile-browser-test"
CLIENT_SECRET = "casefile-browser-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (ROOT / "node_modules" / "oidc-provider" / "package.json").exists():
        return "npm's oidc-provider is not installed (make setup runs npm ci)"
    return None


class RealProvider:
    def __init__(self, app_url: str):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.app_url = app_url
        self.process = None
        self.kid = None

    def start(self):
        environment = {**os.environ, "PORT": str(self.port), "CLIENT_SECRET": CLIENT_SECRET,
                       "REDIRECT_URI": self.app_url + "/sign-in/oidc/callback",
                       "POST_LOGOUT_REDIRECT_URI": self.app_url + "/sign-in"}
        self.process = subprocess.Popen(["node", str(SCRIPT)], cwd=ROOT, env=environment, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready = threading.Event()
        lines = []

        def read():
            for line in self.process.stdout:
                lines.append(line)
                if line.startswith("ready "):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError("the OpenID provider did not start: " + "".join(lines))
        self.kid = next(line for line in lines if line.startswith("ready ")).split()[2]
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process = None

    def restart(self):
        """A new process makes a new signing key: the provider has rotated its keys."""
        old = self.kid
        self.stop()
        self.start()
        assert self.kid != old
        return self


def real_provider(app_url: str) -> RealProvider:
    missing = _missing()
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(missing + " and REQUIRE_BROWSER=1")
        pytest.skip(missing)
    return RealProvider(app_url).start()
