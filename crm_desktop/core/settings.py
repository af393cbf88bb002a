"""Connection profiles and user preferences, kept as JSON in the user config folder.

A profile holds a name and a database URL *without* its password: passwords live only in the OS
keyring (see ``core.secrets``). Writing a URL that carries a password strips the password first.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crm_desktop.core import paths
from crm_desktop.core.errors import UserError

LOCAL_PROFILE = "local"
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    user: str | None = None  # login to pre-fill in the login dialog


@dataclass
class Settings:
    """Everything the app remembers between runs (never a secret)."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    default_profile: str = LOCAL_PROFILE
    language: str | None = None  # "en", "zh_CN"; None = follow the system locale
    last_login: str | None = None
    ui: dict[str, Any] = field(default_factory=dict)  # window geometry, column choices …

    def profile(self, name: str | None = None) -> Profile:
        name = name or self.default_profile
        if name in self.profiles:
            return self.profiles[name]
        if name == LOCAL_PROFILE:
            return Profile(LOCAL_PROFILE, paths.default_database_url())
        raise UserError(
            f"No connection profile named {name!r} (known: {', '.join(self.profiles) or 'none'})"
        )


def strip_password(url: str) -> tuple[str, str | None]:
    """Split ``url`` into the URL without its password and the password (or None)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit(
        (parts.scheme, netloc, parts.path, parts.query, parts.fragment)
    ), parts.password


def settings_path(config_dir: Path | None = None) -> Path:
    return (config_dir or paths.config_dir()) / SETTINGS_FILE


def load_settings(config_dir: Path | None = None) -> Settings:
    path = settings_path(config_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError):
        # A damaged settings file must not stop the app: keep it aside and start afresh.
        path.replace(path.with_suffix(".damaged.json"))
        return Settings()
    profiles = {
        name: Profile(name=name, url=str(p.get("url", "")), user=p.get("user"))
        for name, p in dict(raw.get("profiles", {})).items()
    }
    return Settings(
        profiles=profiles,
        default_profile=str(raw.get("default_profile", LOCAL_PROFILE)),
        language=raw.get("language"),
        last_login=raw.get("last_login"),
        ui=dict(raw.get("ui", {})),
    )


def save_settings(settings: Settings, config_dir: Path | None = None) -> None:
    path = settings_path(config_dir)
    data = {
        "profiles": {
            p.name: {"url": strip_password(p.url)[0], "user": p.user}
            for p in settings.profiles.values()
        },
        "default_profile": settings.default_profile,
        "language": settings.language,
        "last_login": settings.last_login,
        "ui": settings.ui,
    }
    # Write then rename, so a crash mid-write leaves the old file intact.
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
