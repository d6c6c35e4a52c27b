#!/usr/bin/env python3
"""Contract and bad-input fuzzing of the API against its own OpenAPI document (schemathesis).

Starts `ggzy serve --demo` on a random port over a fresh SQLite database, on the tests' fixed
clock, signs in as a company account and as centre staff (TOTP computed at the server's time),
and runs schemathesis once anonymously and once per account, bounded in examples and time.
Fails on any 5xx and on any response that breaks its documented schema.

usage: contract.py GGZY_BINARY [SECONDS_PER_RUN]
"""

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

# The tests' fixed instant (ggzy_store::testing::epoch): inside the loaded holiday calendar.
EPOCH = "2025-05-12T02:00:00Z"
CHECKS = "not_a_server_error,response_schema_conformance"
# Signing out or in would change who is asking mid-run; the auction stream never ends.
SIGNED_IN_EXCLUDE = r"^/api/v1/session$|/events$"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(secret_b32, unix):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", unix // 30), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off : off + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class Session:
    """A signed-in client: its cookies and CSRF token become schemathesis headers."""

    def __init__(self, base):
        self.base = base
        self.jar = CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = json.load(self.http.open(f"{base}/api/v1/csrf"))["token"]

    def sign_in(self, username, password, secret):
        now = json.load(self.http.open(f"{self.base}/healthz"))["now"]
        unix = int(time.mktime(time.strptime(now[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone)
        body = {"username": username, "password": password, "totp": totp(secret, unix) if secret else ""}
        req = urllib.request.Request(
            f"{self.base}/api/v1/session",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json", "x-csrf-token": self.csrf},
            method="POST",
        )
        self.http.open(req).read()
        return self

    def headers(self):
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return ["-H", f"Cookie: {cookies}", "-H", f"X-CSRF-Token: {self.csrf}"]


def schemathesis(base, name, seconds, extra):
    report = os.path.join(os.environ.get("GGZY_CONTRACT_REPORTS", tempfile.gettempdir()), name)
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/openapi.json", "--url", base,
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
        "--max-examples", os.environ.get("GGZY_CONTRACT_EXAMPLES", "20"),
        "--max-time", str(seconds), "--request-timeout", "10", "--workers", "1",
        "--seed", "20261202", "--generation-deterministic", "--no-shrink",
        "--suppress-health-check", "all", "--warnings", "off",
        "--report", "junit", "--report-dir", report,
    ] + extra
    print(f"--- schemathesis: {name}", flush=True)
    return subprocess.run(cmd).returncode


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="ggzy-contract-")
    server = subprocess.Popen(
        [binary, "serve", "--demo", "--listen", f"127.0.0.1:{port}", "--clock-start", EPOCH, "--data", data],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        listing = []
        deadline = time.time() + 120
        while True:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                sys.exit("ggzy exited before it served")
            listing.append(line)
            if "demo accounts" in line:
                break
            if time.time() > deadline:
                sys.exit("ggzy did not start")
        for line in iter(server.stdout.readline, ""):
            if not line.strip():
                break
            listing.append(line)
        password = re.search(r"password for all: (\S+)", "".join(listing)).group(1)
        secrets = dict(re.findall(r"^\s+(\S+) .*TOTP secret (\S+)", "".join(listing), re.M))
        # Drain the rest of the server's output so it never blocks on a full pipe.
        subprocess.Popen(["cat"], stdin=server.stdout, stdout=subprocess.DEVNULL)
        signed_in = {
            user: Session(base).sign_in(user, password, secrets.get(user))
            for user in ("bidder", "staff")
        }
        failures = schemathesis(base, "anonymous", seconds, [])
        for user, session in signed_in.items():
            failures |= schemathesis(
                base, user, seconds, ["--exclude-path-regex", SIGNED_IN_EXCLUDE] + session.headers()
            )
        alive = urllib.request.urlopen(f"{base}/healthz").status == 200
        print(f"--- server alive after the runs: {alive}")
        sys.exit(1 if failures or not alive else 0)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
