"""Roles, permissions and the rule for serving without sign-in. Pure: no Streamlit, no database.

Configuration lives in Streamlit's secrets file (`.streamlit/secrets.toml`), beside the `[auth]`
section that `st.login` reads:

    [access]
    admins  = ["head.im@ngo.example"]
    editors = ["@field.ngo.example", "analyst@partner.example"]
    viewers = ["@ngo.example"]

An entry is an e-mail address or a domain written "@domain". A person gets the highest role any
entry of theirs matches, and only when the identity provider's `email_verified` claim is the
boolean `true`: an address anyone can type into a provider's sign-up form proves nothing until
the provider has checked it. A missing claim, `false`, and the strings "false" or "true" give no
role (a string is not what the OpenID Connect standard sends, so it is not trusted either).
Anyone else who signs in sees no data, and is told why.

With no `[auth]` section the app runs in local mode: it serves the person at this machine
(127.0.0.1 only), who may do everything. Served on any other address without `[auth]`, every page
shows only how to configure sign-in, unless `[access] trusted_network_without_sign_in = true` is
set; then everyone who reaches it gets `trusted_network_role` (viewer unless set).
"""

from __future__ import annotations

import enum
import getpass
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field


class Role(enum.IntEnum):
    """Each role can do what the one below it can."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Permission(enum.Enum):
    VIEW = "view pages"
    EXPORT = "export charts and tables"
    UPLOAD = "upload files and reports"
    REVIEW = "review facts read from text"
    LINK_PLACES = "link or dismiss place names"
    DECIDE_DUPLICATES = "decide possible duplicates"
    DELETE_BATCH = "delete a load batch"
    SEE_QUOTES = "see the sentences facts were read from"
    SEE_AUDIT = "see the audit trail"


LEAST_ROLE = {
    Permission.VIEW: Role.VIEWER,
    Permission.EXPORT: Role.VIEWER,
    Permission.UPLOAD: Role.EDITOR,
    Permission.REVIEW: Role.EDITOR,
    Permission.LINK_PLACES: Role.EDITOR,
    Permission.DECIDE_DUPLICATES: Role.EDITOR,
    # A quote is a sentence from a report about people: reviewers need it, viewers get the facts only.
    Permission.SEE_QUOTES: Role.EDITOR,
    Permission.DELETE_BATCH: Role.ADMIN,
    Permission.SEE_AUDIT: Role.ADMIN,
}
ROLE_LISTS = {"admins": Role.ADMIN, "editors": Role.EDITOR, "viewers": Role.VIEWER}
OVERRIDE_SETTING = "trusted_network_without_sign_in"
OVERRIDE_ROLE_SETTING = "trusted_network_role"


class PermissionDenied(Exception):
    """An action was asked of a role that may not do it."""


@dataclass(frozen=True)
class Actor:
    """Who does something: a signed-in e-mail, the local user, or a command run on the server."""

    name: str
    role: Role
    how: str = "signed in"  # signed in | local mode | trusted network | command line

    def can(self, permission: Permission) -> bool:
        return self.role >= LEAST_ROLE[permission]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.name} ({self.role.label}) may not {permission.value}: "
                                   f"this needs the {LEAST_ROLE[permission].label} role")


def command_line_actor() -> Actor:
    """Whoever runs a command on the server (a load from the shell, a script): they own the database."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(f"command line ({user})", Role.ADMIN, "command line")


class ConfigError(ValueError):
    """The [access] section cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class AccessConfig:
    emails: Mapping[str, Role] = field(default_factory=dict)
    domains: Mapping[str, Role] = field(default_factory=dict)
    trusted_network: bool = False
    trusted_network_role: Role = Role.VIEWER

    @classmethod
    def from_mapping(cls, section: Mapping | None) -> AccessConfig:
        section = dict(section or {})
        unknown = sorted(set(section) - {*ROLE_LISTS, OVERRIDE_SETTING, OVERRIDE_ROLE_SETTING})
        if unknown:
            raise ConfigError(f"[access] has unknown setting(s) {', '.join(unknown)}; the settings are "
                              f"{', '.join([*ROLE_LISTS, OVERRIDE_SETTING, OVERRIDE_ROLE_SETTING])}")
        emails: dict[str, Role] = {}
        domains: dict[str, Role] = {}
        for list_name, role in ROLE_LISTS.items():
            entries = section.get(list_name, [])
            if isinstance(entries, str) or not isinstance(entries, (list, tuple)):
                raise ConfigError(f"[access] {list_name} must be a list of e-mail addresses or \"@domain\" entries")
            for entry in entries:
                entry = str(entry).strip().lower()
                if entry.startswith("@") and "." in entry and "@" not in entry[1:]:
                    target, key = domains, entry[1:]
                elif "@" in entry and not entry.startswith("@") and entry.count("@") == 1:
                    target, key = emails, entry
                else:
                    raise ConfigError(f"[access] {list_name}: {entry!r} is neither an e-mail address nor "
                                      "\"@domain\"")
                target[key] = max(role, target.get(key, role))
        override = section.get(OVERRIDE_SETTING, False)
        if not isinstance(override, bool):
            raise ConfigError(f"[access] {OVERRIDE_SETTING} must be true or false")
        role_name = str(section.get(OVERRIDE_ROLE_SETTING, "viewer")).lower()
        if role_name not in {r.label for r in Role}:
            raise ConfigError(f"[access] {OVERRIDE_ROLE_SETTING} must be viewer, editor or admin")
        return cls(emails, domains, override, Role[role_name.upper()])

    def role_for(self, email: str | None, email_verified: object = None) -> Role | None:
        """The highest role the configuration gives this e-mail, or None; see `decide`."""
        return self.decide(email, email_verified).role

    def decide(self, email: str | None, email_verified: object = None) -> Decision:
        """The role for a signed-in person, with the reason when there is none.

        `email_verified` is the provider's claim exactly as it arrived: only the boolean True counts.
        """
        email = (email or "").strip().lower()
        if email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
            return Decision(None, "the identity provider gave no usable e-mail address")
        found = [self.emails[email]] if email in self.emails else []
        domain = email.split("@", 1)[1]
        if domain in self.domains:
            found.append(self.domains[domain])
        if not found:
            return Decision(None, "this address is not in the dashboard's [access] lists")
        if email_verified is not True:
            return Decision(None, "your identity provider does not say this address is verified "
                                  f"(its email_verified claim is {describe_claim(email_verified)}); roles are "
                                  "given only to addresses the provider has verified")
        return Decision(max(found), None)


@dataclass(frozen=True)
class Decision:
    role: Role | None
    reason: str | None  # why there is no role; None when there is one


def describe_claim(claim: object) -> str:
    """A claim's value as a person can read it (missing, false, the text "false", ...)."""
    if claim is None:
        return "missing"
    if isinstance(claim, bool):
        return "true" if claim else "false"
    if isinstance(claim, str):
        return f'the text "{claim[:20]}", not true'
    return f"a {type(claim).__name__}, not true"


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to `address` is reachable from this machine only. Unset or empty
    means every interface (Streamlit's default), which is not."""
    address = (address or "").strip().strip("[]")
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class Mode(enum.Enum):
    SIGN_IN = "sign-in"  # [auth] configured: people sign in, roles come from [access]
    LOCAL = "local"  # no [auth], served on a loopback address: the person at this machine
    TRUSTED_NETWORK = "trusted network"  # no [auth], another address, the override set
    REFUSED = "refused"  # no [auth], another address, no override: nothing but how to configure


def serving_mode(auth_configured: bool, address: str | None, config: AccessConfig) -> Mode:
    if auth_configured:
        return Mode.SIGN_IN
    if is_loopback(address):
        return Mode.LOCAL
    return Mode.TRUSTED_NETWORK if config.trusted_network else Mode.REFUSED


def auth_providers(auth: Mapping | None) -> list[str | None]:
    """The providers st.login can be given: None for a single unnamed one ([auth] with its own
    client_id), else the names of [auth.NAME] sections."""
    auth = dict(auth or {})
    if "client_id" in auth or "server_metadata_url" in auth:
        return [None]
    return sorted(name for name, value in auth.items() if isinstance(value, Mapping))


REFUSED_MESSAGE = (
    "This dashboard is served on {address} without sign-in, so it shows no data. The records are of "
    "vulnerable people: configure sign-in with an [auth] section (your organisation's identity provider) "
    "and an [access] section with the people and their roles in .streamlit/secrets.toml (see the README, "
    "\"Sign-in and roles\"), or serve it on 127.0.0.1 only. On a trusted network where everyone may see the "
    "data, set [access] trusted_network_without_sign_in = true."
)
