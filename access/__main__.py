"""`python -m access check-serve --address HOST`: may the dashboard be served there? (run.sh asks first)

Reads the same secrets files Streamlit reads (~/.streamlit/secrets.toml, then
.streamlit/secrets.toml in this folder, which wins). Exit 0 and a line saying how it will
serve; exit 2 with what to configure when it would serve data to a network without sign-in.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from access.policy import REFUSED_MESSAGE, AccessConfig, ConfigError, Mode, serving_mode

SECRETS_FILES = (Path.home() / ".streamlit" / "secrets.toml", Path(".streamlit") / "secrets.toml")


def read_secrets(files=SECRETS_FILES) -> dict:
    merged: dict = {}
    for path in files:
        if path.is_file():
            with path.open("rb") as handle:
                merged.update(tomllib.load(handle))
    return merged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m access")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-serve", help="say whether the dashboard may be served on an address")
    check.add_argument("--address", required=True)
    args = parser.parse_args(argv)
    try:
        secrets = read_secrets()
        config = AccessConfig.from_mapping(secrets.get("access"))
    except (ConfigError, tomllib.TOMLDecodeError) as exc:
        print(f"secrets.toml: {exc}", file=sys.stderr)
        return 2
    mode = serving_mode("auth" in secrets, args.address, config)
    if mode is Mode.REFUSED:
        print("Not starting. " + REFUSED_MESSAGE.format(address=args.address or "every interface"), file=sys.stderr)
        return 2
    notes = {Mode.SIGN_IN: "sign-in required; roles from [access]",
             Mode.LOCAL: "local mode: served to this machine only, no sign-in",
             Mode.TRUSTED_NETWORK: f"trusted network without sign-in (everyone is {config.trusted_network_role.label})"}
    print(f"Serving on {args.address}: {notes[mode]}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
