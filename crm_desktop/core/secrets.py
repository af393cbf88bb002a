"""Passwords in the OS keyring only. When no keyring backend works, nothing is stored anywhere:
callers must ask the user each time."""

from __future__ import annotations

import contextlib
import logging

import keyring
import keyring.errors

SERVICE = "crm-desktop"
log = logging.getLogger(__name__)


def keyring_available() -> bool:
    """True when a real (non-failing, non-plaintext) keyring backend is configured."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration is the same as none
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    if "fail" in name.lower() or "null" in name.lower():
        return False
    # keyrings.alt's plaintext backends would write the secret to disk: refuse them.
    return "plaintext" not in name.lower() and "keyrings.alt" not in name.lower()


def secret_key(url: str, user: str | None) -> str:
    """The keyring entry name for one login on one database URL (the URL has no password)."""
    return f"{user or ''}@{url}"


def get_password(key: str) -> str | None:
    if not keyring_available():
        return None
    try:
        return keyring.get_password(SERVICE, key)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring read failed: %s", type(exc).__name__)
        return None


def set_password(key: str, password: str) -> bool:
    """Store the password; returns False (storing nothing) when no keyring works."""
    if not keyring_available():
        return False
    try:
        keyring.set_password(SERVICE, key, password)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring write failed: %s", type(exc).__name__)
        return False
    return True


def delete_password(key: str) -> None:
    if not keyring_available():
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(SERVICE, key)
