"""The toot CLI, unmodified, against a running Salon: log in through the browser flow
(out-of-band code), post, read the home timeline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

PASSWORD = "correct horse battery"
TOOT = str(Path(sys.executable).parent / "toot")


def _approve(server: str, url: str, username: str) -> str:
    """Sign up in a 'browser', approve toot, and read the out-of-band code off the page."""
    with httpx.Client(base_url=server, follow_redirects=False) as browser:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signup").text)
        assert csrf
        browser.post("/signup", data={"username": username, "password": PASSWORD,
                                      "csrf_token": csrf.group(1)})
        consent = browser.get(url)
        assert consent.status_code == 200, consent.text[:300]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                 consent.text))
        page = browser.post("/oauth/authorize", data={**fields, "decision": "approve"})
        code = re.search(r'<code class="oauth-code">([^<]+)</code>', page.text)
        assert code, page.text[:500]
        return code.group(1)


def test_toot_logs_in_posts_and_reads_home(server: str, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1", "TERM": "dumb"}
    login = subprocess.Popen([TOOT, "login", "--instance", server], env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    assert login.stdout is not None and login.stdin is not None
    url = ""
    for line in login.stdout:
        if "/oauth/authorize" in line:
            url = line.strip()
            break
    assert url.startswith(server), url
    code = _approve(server, url.replace(server, ""), "tooter")
    out, _ = login.communicate(f"n\n{code}\n", timeout=60)
    assert login.returncode == 0, out
    assert "Successfully logged in" in out

    def toot(*args: str) -> str:
        done = subprocess.run([TOOT, *args], env=env, text=True, capture_output=True,
                              timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "tooter" in toot("whoami")
    toot("post", "Hello from the toot CLI #salon")
    assert "Hello from the toot CLI" in toot("timeline", "--once")
