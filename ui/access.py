"""The gate every page passes first: who is here, in which mode, and may they do this.

Sign-in is Streamlit's own (st.login, OpenID Connect) when `[auth]` is in the secrets; roles come
from `[access]` (access/policy.py). Without `[auth]`, local mode serves the person at this machine
on 127.0.0.1, and any other address shows only how to configure sign-in. A page calls
`gate(Permission...)` before it reads any data; an action checks `actor.can(...)` again, and the
db function it calls checks the actor a third time (db/audit.py).
"""

from __future__ import annotations

import streamlit as st

from access.policy import (REFUSED_MESSAGE, AccessConfig, Actor, ConfigError, Mode, Permission, Role,
                           auth_providers, serving_mode)
from ui.menu import show_menu
from ui.safe_text import literal

LOCAL_USER = "local user (this machine)"
TRUSTED_USER = "trusted network (no sign-in)"


def _secrets_section(name: str):
    try:
        return st.secrets.get(name) if name in st.secrets else None
    except FileNotFoundError:  # no secrets file at all
        return None


def current_actor() -> Actor:
    """Who is using this session; stops the page with the right message when nobody may be."""
    try:
        config = AccessConfig.from_mapping(_secrets_section("access"))
    except ConfigError as exc:
        st.error(f"The [access] settings cannot be read: {literal(exc)}. Nothing is shown until they are fixed.")
        st.stop()
    auth = _secrets_section("auth")
    mode = serving_mode(auth is not None, st.get_option("server.address"), config)
    if mode is Mode.REFUSED:
        st.error(REFUSED_MESSAGE.format(address=literal(st.get_option("server.address") or "every interface")))
        st.stop()
    if mode is Mode.LOCAL:
        st.sidebar.caption("Local mode: served on this machine only (127.0.0.1), no sign-in. "
                           "Anyone at this machine may change data.")
        return Actor(LOCAL_USER, Role.ADMIN, "local mode")
    if mode is Mode.TRUSTED_NETWORK:
        st.sidebar.caption(f"Trusted network without sign-in: everyone here is "
                           f"{config.trusted_network_role.label}.")
        return Actor(TRUSTED_USER, config.trusted_network_role, "trusted network")
    return _signed_in(auth, config)


def _signed_in(auth, config: AccessConfig) -> Actor:
    if not st.user.is_logged_in:
        st.info("Sign in to see the dashboard. The data are records of people's movements: only staff "
                "of the organisation can see them.")
        for provider in auth_providers(auth):
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"sign-in-{provider or 'default'}", type="primary"):
                st.login() if provider is None else st.login(provider)
        st.stop()
    email = str(st.user.get("email") or "")
    decision = config.decide(email, st.user.get("email_verified"))
    role = decision.role
    if role is None:
        st.warning(f"You are signed in as {literal(email or 'an account without an e-mail address')}, which "
                   f"has no role on this dashboard: {literal(decision.reason)}. Ask an administrator if you "
                   "think you should have one.")
        st.button("Sign out", on_click=st.logout, key="sign-out")
        st.stop()
    st.sidebar.caption(f"Signed in as {literal(email)} ({role.label}).")
    st.sidebar.button("Sign out", on_click=st.logout, key="sign-out")
    return Actor(email.lower(), role, "signed in")


def gate(permission: Permission = Permission.VIEW) -> Actor:
    """The session's actor when it may `permission`; otherwise the page stops with what to do.
    Every page calls this first, so the sidebar menu (ui/menu.py) is drawn here too."""
    show_menu()
    actor = current_actor()
    if not actor.can(permission):
        st.warning(f"Your role ({actor.role.label}) may not {permission.value}. Ask an administrator if you need to.")
        st.stop()
    return actor
