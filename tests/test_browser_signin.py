"""Sign-in in a real browser: st.login against a mock OpenID Connect provider on 127.0.0.1.

The dashboard runs from a folder whose .streamlit/secrets.toml has an [auth] section pointing at
`oidc-provider-mock` (started here on a free port) and an [access] section making @ngo.example a
viewer. Chromium opens the home page, signs in through the provider's form, and reaches the data;
the Upload page then refuses the viewer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO_ROOT
from tests.test_browser import _free_port, _require_chromium, browser  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser
VIEWER = {"sub": "officer", "email": "officer@ngo.example", "email_verified": True, "name": "Field officer"}
# The admin's exact address, claimed by accounts whose provider has not verified it: each must get no role.
UNVERIFIED = {
    "claim-missing": {"email": "head@ngo.example"},
    "claim-false": {"email": "head@ngo.example", "email_verified": False},
    "claim-text-false": {"email": "head@ngo.example", "email_verified": "false"},
    "claim-text-true": {"email": "head@ngo.example", "email_verified": "true"},
    "domain-claim-missing": {"email": "someone@ngo.example"},
}


def _wait_for(url: str, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                output = process.stdout.read().decode(errors="replace")[-2000:] if process.stdout else ""
                pytest.fail(f"{what} did not start: {output}")
            time.sleep(0.3)


@pytest.fixture(scope="module")
def signed_in_app(tmp_path_factory):
    _require_chromium()
    folder = tmp_path_factory.mktemp("signin")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
           "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-m", "db", "demo", "--if-empty"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    provider_port, app_port = _free_port(), _free_port()
    provider = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(provider_port),
         "--user-claims", json.dumps(VIEWER),
         *[arg for sub, claims in UNVERIFIED.items() for arg in ("--user-claims", json.dumps({"sub": sub, **claims}))]],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{provider_port}"
    _wait_for(f"{issuer}/.well-known/openid-configuration", provider, "the mock OpenID provider")
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        'cookie_secret = "a-cookie-secret-for-the-browser-test"\n'
        'client_id = "dashboard"\n'
        'client_secret = "dashboard-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        "[access]\n"
        'admins = ["head@ngo.example"]\n'
        'viewers = ["@ngo.example"]\n')
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(app_port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{app_port}"
    _wait_for(f"{base}/_stcore/health", app, "streamlit")
    yield base
    for process in (app, provider):
        process.terminate()
        process.wait(timeout=20)


def test_a_viewer_signs_in_through_the_provider_and_reaches_the_data(signed_in_app, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{signed_in_app}/?start=2024-12-01&end=2024-12-07")
    page.get_by_text("Sign in to see the dashboard").wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 0  # nothing before sign-in
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="officer").click(timeout=30_000)  # the provider's form: a predefined user
    page.get_by_text("Signed in as officer@ngo.example (viewer)").wait_for(timeout=30_000)
    page.get_by_text("New displacement (persons)").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "signed_in_home.png"), full_page=True)

    page.goto(f"{signed_in_app}/Upload")  # the same session cookie: still signed in, still a viewer
    page.get_by_text("may not upload files").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    page.close()


@pytest.mark.parametrize("account", sorted(UNVERIFIED))
def test_an_address_the_provider_has_not_verified_gets_no_role(signed_in_app, browser, account):  # noqa: F811
    """The admin's exact address (or a listed domain) with email_verified missing, false, "false" or "true"."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # its own cookies: signed out
    page = context.new_page()
    page.goto(f"{signed_in_app}/?start=2024-12-01&end=2024-12-07")
    page.get_by_role("button", name="Sign in").click(timeout=30_000)
    page.get_by_role("button", name=account, exact=True).click(timeout=30_000)
    page.get_by_text("does not say this address is verified").wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 0
    assert page.get_by_text("New displacement (persons)").count() == 0
    page.goto(f"{signed_in_app}/Admin")
    page.get_by_text("does not say this address is verified").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Audit trail", exact=True).count() == 0
    context.close()
