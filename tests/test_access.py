"""Sign-in, roles and local mode (issue 7): each role sees exactly what it may do, on every page.

Pages run in AppTest with `at.secrets` holding an [auth] and an [access] section and `at.user`
the identity the provider gave; without [auth] they run in local mode (tests/conftest.py serves
them on 127.0.0.1) or, on another address, show only how to configure sign-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from access.policy import (AccessConfig, Actor, ConfigError, Mode, Permission, PermissionDenied, Role, auth_providers,
                           is_loopback, serving_mode)
from db.schema import audit_event
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, serve_on
from tests.test_data_quality_page import _template, _two_sources

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["../app.py", *sorted(f"../pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "dashboard", "client_secret": "not-a-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ACCESS = {"admins": ["head@ngo.example"], "editors": ["@field.ngo.example"], "viewers": ["@ngo.example"]}
USERS = {
    "viewer": {"is_logged_in": True, "email": "officer@ngo.example", "email_verified": True},
    "editor": {"is_logged_in": True, "email": "im@field.ngo.example", "email_verified": True},
    "admin": {"is_logged_in": True, "email": "head@ngo.example", "email_verified": True},
}
WINDOW = {"start": "2024-12-01", "end": "2024-12-10"}


def _run(monkeypatch, engine, script: str, user: dict | None, *, secrets: dict | None = None, **params):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(script, default_timeout=60)
    at.secrets.update({"auth": AUTH, "access": ACCESS} if secrets is None else secrets)
    if user is not None:
        at.user = user
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _data_shown(at) -> int:
    """How many figures, tables, charts and metrics the page shows."""
    kinds = ("plotly_chart", "arrow_data_frame", "table", "metric", "deck_gl_json_chart")
    return sum(len(at.get(kind)) for kind in kinds)


def _texts(at) -> str:
    return " ".join(e.value for kind in (at.info, at.warning, at.error, at.caption, at.markdown, at.success)
                    for e in kind)


# --- the policy, pure -----------------------------------------------------------------------------

def test_roles_come_from_e_mails_and_domains_and_the_highest_wins():
    config = AccessConfig.from_mapping({"admins": ["Head@NGO.example"], "editors": ["@field.ngo.example"],
                                        "viewers": ["@ngo.example", "@field.ngo.example"]})
    assert config.role_for("head@ngo.example", True) is Role.ADMIN  # its own entry beats its domain's
    assert config.role_for("im@field.ngo.example", True) is Role.EDITOR  # listed twice: the higher role
    assert config.role_for("officer@ngo.example", True) is Role.VIEWER
    assert config.role_for("someone@elsewhere.example", True) is None
    assert config.role_for("officer@sub.ngo.example", True) is None  # a domain is matched whole
    assert config.role_for("", True) is None and config.role_for(None, True) is None
    assert config.role_for("@ngo.example", True) is None


# What providers have been seen to send: the claim left out, false, and strings instead of booleans.
UNVERIFIED_CLAIMS = [None, False, "false", "true", "True", 1, 0, "", "yes"]


@pytest.mark.parametrize("claim", UNVERIFIED_CLAIMS)
@pytest.mark.parametrize("email", ["head@ngo.example", "officer@ngo.example", "im@field.ngo.example"])
def test_only_the_boolean_true_email_verified_claim_gives_a_role(claim, email):
    """An exact admin address or a domain entry gives nothing until the provider has verified the address."""
    config = AccessConfig.from_mapping(ACCESS)
    decision = config.decide(email, claim)
    assert decision.role is None
    assert "does not say this address is verified" in decision.reason
    assert config.decide(email, True).role is not None and config.decide(email, True).reason is None


@pytest.mark.parametrize("claim, shown", [(None, "missing"), (False, "false"), ("false", 'the text "false"'),
                                          ("true", 'the text "true", not true')])
def test_the_reason_names_the_claim_as_it_came(claim, shown):
    reason = AccessConfig.from_mapping(ACCESS).decide("head@ngo.example", claim).reason
    assert f"its email_verified claim is {shown}" in reason


@pytest.mark.parametrize("section, message", [
    ({"admins": "head@ngo.example"}, "must be a list"),
    ({"editors": ["not an address"]}, "neither an e-mail address"),
    ({"viewer": ["@ngo.example"]}, "unknown setting"),
    ({"trusted_network_without_sign_in": "yes"}, "true or false"),
    ({"trusted_network_role": "owner"}, "viewer, editor or admin"),
])
def test_a_bad_access_section_is_refused_with_what_to_fix(section, message):
    with pytest.raises(ConfigError, match=message):
        AccessConfig.from_mapping(section)


def test_each_role_has_exactly_its_permissions():
    viewer, editor, admin = (Actor("x", role) for role in Role)
    assert {p for p in Permission if viewer.can(p)} == {Permission.VIEW, Permission.EXPORT}
    assert {p for p in Permission if editor.can(p)} == set(Permission) - {Permission.DELETE_BATCH,
                                                                           Permission.SEE_AUDIT}
    assert {p for p in Permission if admin.can(p)} == set(Permission)
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        editor.require(Permission.DELETE_BATCH)


@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.20", False), ("::", False), ("example.org", False),
])
def test_only_loopback_addresses_are_local(address, loopback):
    assert is_loopback(address) is loopback


def test_serving_mode():
    plain, trusted = AccessConfig(), AccessConfig(trusted_network=True)
    assert serving_mode(True, "0.0.0.0", plain) is Mode.SIGN_IN
    assert serving_mode(False, "127.0.0.1", plain) is Mode.LOCAL
    assert serving_mode(False, "0.0.0.0", plain) is Mode.REFUSED
    assert serving_mode(False, None, plain) is Mode.REFUSED
    assert serving_mode(False, "0.0.0.0", trusted) is Mode.TRUSTED_NETWORK


def test_sign_in_offers_one_button_per_configured_provider():
    assert auth_providers(AUTH) == [None]  # one provider: st.login() without a name
    named = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "x",
             "microsoft": {"client_id": "a", "client_secret": "b", "server_metadata_url": "https://m.example"},
             "google": {"client_id": "c", "client_secret": "d", "server_metadata_url": "https://g.example"}}
    assert auth_providers(named) == ["google", "microsoft"]  # st.login("google") ...
    assert auth_providers({}) == [] and auth_providers(None) == []


# --- the run command refuses to serve data to a network without sign-in --------------------------------

def _check_serve(tmp_path, address: str, secrets: str | None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if secrets is not None:
        (tmp_path / ".streamlit").mkdir(exist_ok=True)
        (tmp_path / ".streamlit" / "secrets.toml").write_text(secrets)
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "access", "check-serve", "--address", address], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)


def test_the_run_command_refuses_another_address_without_sign_in(tmp_path):
    refused = _check_serve(tmp_path, "0.0.0.0", None)
    assert refused.returncode == 2
    assert "Not starting" in refused.stderr and "[auth]" in refused.stderr and "127.0.0.1" in refused.stderr
    assert _check_serve(tmp_path, "127.0.0.1", None).returncode == 0
    override = _check_serve(tmp_path, "0.0.0.0", "[access]\ntrusted_network_without_sign_in = true\n")
    assert override.returncode == 0 and "trusted network" in override.stdout


def test_the_run_command_serves_any_address_with_sign_in(tmp_path):
    secrets = "[auth]\n" + "".join(f'{k} = "{v}"\n' for k, v in AUTH.items()) + '[access]\nviewers = ["@ngo.example"]\n'
    result = _check_serve(tmp_path, "0.0.0.0", secrets)
    assert result.returncode == 0 and "sign-in required" in result.stdout


def test_run_sh_asks_before_it_starts_streamlit():
    script = (ROOT / "run.sh").read_text()
    assert script.index("python -m access check-serve") < script.index("streamlit run")
    assert "set -euo pipefail" in script  # a refusal stops the script


# --- pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("script", PAGES)
def test_signed_out_every_page_shows_only_the_sign_in_prompt(monkeypatch, demo_engine, script):
    at = _run(monkeypatch, demo_engine, script, {"is_logged_in": False}, **WINDOW)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert _data_shown(at) == 0
    assert "Sign in to see the dashboard" in _texts(at)
    assert not at.get("file_uploader") and not at.text_area


@pytest.mark.parametrize("script", PAGES)
def test_served_on_a_network_without_sign_in_every_page_says_how_to_configure_it(monkeypatch, demo_engine, script):
    serve_on("0.0.0.0")
    at = _run(monkeypatch, demo_engine, script, None, secrets={}, **WINDOW)
    assert not at.exception
    assert _data_shown(at) == 0 and not at.button and not at.get("file_uploader")
    assert "without sign-in, so it shows no data" in at.error[0].value
    assert "trusted_network_without_sign_in" in at.error[0].value


def test_a_trusted_network_override_serves_viewers_without_sign_in(monkeypatch, demo_engine):
    serve_on("0.0.0.0")
    secrets = {"access": {"trusted_network_without_sign_in": True}}
    home = _run(monkeypatch, demo_engine, "../app.py", None, secrets=secrets, **WINDOW)
    assert not home.exception and len(home.metric) == 4
    assert "Trusted network without sign-in" in " ".join(c.value for c in home.sidebar.caption)
    upload = _run(monkeypatch, demo_engine, "../pages/7_Upload.py", None, secrets=secrets)
    assert "may not upload" in upload.warning[0].value and not upload.get("file_uploader")


def test_local_mode_says_so_and_lets_the_person_at_the_machine_do_everything(monkeypatch, demo_engine):
    at = _run(monkeypatch, demo_engine, "../pages/10_Admin.py", None, secrets={})
    assert not at.exception
    assert "Local mode" in " ".join(c.value for c in at.sidebar.caption)
    assert at.button(key="admin-delete")  # the admin's page, shown


@pytest.mark.parametrize("claim", [None, False, "false", "true"])
def test_an_unverified_admin_address_gets_no_role_and_the_page_says_why(monkeypatch, demo_engine, claim):
    user = {"is_logged_in": True, "email": "head@ngo.example"}
    if claim is not None:
        user["email_verified"] = claim
    at = _run(monkeypatch, demo_engine, "../app.py", user, **WINDOW)
    assert not at.exception
    assert _data_shown(at) == 0
    assert "does not say this address is verified" in _texts(at).replace("\\", "")


def test_a_signed_in_account_without_a_role_sees_no_data(monkeypatch, demo_engine):
    at = _run(monkeypatch, demo_engine, "../app.py", {"is_logged_in": True, "email": "visitor@elsewhere.example"})
    assert not at.exception and _data_shown(at) == 0
    assert "has no role" in at.warning[0].value
    assert [b.label for b in at.button] == ["Sign out"]


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_role_sees_the_data_pages(monkeypatch, demo_engine, role):
    for script in ("../app.py", "../pages/1_Flows.py", "../pages/3_Events.py", "../pages/5_Export.py"):
        at = _run(monkeypatch, demo_engine, script, USERS[role], **WINDOW)
        assert not at.exception, script
        assert _data_shown(at) > 0, script
        assert f"({role})" in " ".join(c.value for c in at.sidebar.caption), script


@pytest.mark.parametrize("role, upload, review, admin", [
    ("viewer", False, False, False), ("editor", True, True, False), ("admin", True, True, True),
])
def test_each_role_reaches_exactly_the_pages_that_change_data_it_may_use(monkeypatch, prepared_engine, role, upload,
                                                                         review, admin):
    at = _run(monkeypatch, prepared_engine, "../pages/7_Upload.py", USERS[role])
    assert not at.exception
    assert bool(at.get("file_uploader")) is upload and bool(at.text_area) is upload
    at = _run(monkeypatch, prepared_engine, "../pages/8_Review.py", USERS[role])
    assert not at.exception
    assert bool(at.radio) is review  # the list of facts to review
    at = _run(monkeypatch, prepared_engine, "../pages/10_Admin.py", USERS[role])
    assert not at.exception
    assert any(b.key == "admin-delete" for b in at.button) is admin
    if not admin:
        assert "may not see the audit trail" in at.warning[0].value


@pytest.mark.parametrize("role, may", [("viewer", False), ("editor", True), ("admin", True)])
def test_data_quality_decisions_only_for_editors(monkeypatch, prepared_engine, role, may):
    _two_sources(prepared_engine)  # a pair to decide
    # A name to link: a town the gazetteer lacks, given without coordinates (an ACLED event's would become a place)
    _template(prepared_engine, "unknown_town.csv", "flow,2024-12-05,Kafr Nowhere Village,Homs,40,,,,SARC,")
    at = _run(monkeypatch, prepared_engine, "../pages/6_Data_quality.py", USERS[role], **WINDOW)
    assert not at.exception
    keys = {b.key for b in at.button}
    assert ("dq-link" in keys) is may
    assert any(k.startswith("dq-pair-") for k in keys) is may
    if not may:
        assert "needs the editor role (yours: viewer)" in _texts(at)


def test_an_editor_reviews_and_the_audit_trail_names_them(monkeypatch, prepared_engine):
    report = FIXTURES_DIR / "reports"
    text = next(p for p in sorted(report.glob("*.txt")))
    ingest_file(prepared_engine, text)
    at = _run(monkeypatch, prepared_engine, "../pages/8_Review.py", USERS["editor"])
    reject = next(b for b in at.button if b.label.lower().startswith("reject"))
    reject.click().run()
    assert not at.exception
    with prepared_engine.connect() as conn:
        rows = conn.execute(select(audit_event.c.actor, audit_event.c.role, audit_event.c.action)
                            .where(audit_event.c.action == "review")).all()
    assert rows == [("im@field.ngo.example", "editor", "review")]


def test_an_admin_deletes_a_batch_from_the_admin_page(monkeypatch, prepared_engine):
    loaded = ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv").batch
    at = _run(monkeypatch, prepared_engine, "../pages/10_Admin.py", USERS["admin"])
    at.selectbox(key="admin-batch").set_value(loaded.batch_id).run()
    assert at.button(key="admin-delete").disabled  # not until the number is typed
    at.text_input(key="admin-confirm").input(str(loaded.batch_id)).run()
    at.button(key="admin-delete").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Batch {loaded.batch_id} deleted: {loaded.rows_inserted} row(s) removed")
    with prepared_engine.connect() as conn:
        entries = conn.execute(select(audit_event.c.actor, audit_event.c.action, audit_event.c.batch_id)
                               .order_by(audit_event.c.audit_id)).all()
    assert entries[-1] == ("head@ngo.example", "delete_batch", loaded.batch_id)
    assert entries[-2][1:] == ("load", loaded.batch_id)  # the load before it, by the command line
    trail = at.dataframe[0].value  # the trail, shown to the admin
    assert list(trail["Action"][:2]) == ["batch deleted", "file loaded"]  # in words (db/vocab.py)


def test_roles_are_checked_by_the_database_functions_too(prepared_engine):
    from db import batches, quality, review

    loaded = ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv").batch
    viewer, editor = Actor("v@ngo.example", Role.VIEWER), Actor("e@ngo.example", Role.EDITOR)
    with pytest.raises(PermissionDenied):
        ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv", actor=viewer)
    with pytest.raises(PermissionDenied):
        review.decide(prepared_engine, "conflict_event", 1, "reject", actor=viewer)
    with pytest.raises(PermissionDenied):
        review.link_place_name(prepared_engine, "Kafr Takharim", 1, actor=viewer)
    with pytest.raises(PermissionDenied):
        quality.dismiss_place_name(prepared_engine, "Kafr Takharim", actor=viewer)
    with pytest.raises(PermissionDenied):
        quality.decide_duplicate(prepared_engine, 1, 2, "distinct", actor=viewer)
    with pytest.raises(PermissionDenied):
        batches.delete_batch(prepared_engine, loaded.batch_id, actor=editor)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_event)
                            .where(audit_event.c.action != "load")).scalar() == 0
