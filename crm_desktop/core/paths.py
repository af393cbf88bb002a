"""Where the app keeps its files: user data, config and log folders (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from crm_desktop import APP_AUTHOR, APP_NAME

# Tests and portable installs point everything at one folder with this variable.
HOME_ENV = "CRM_DESKTOP_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    home = _home()
    path = home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = _home()
    path = home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "crm.sqlite3"


def default_database_url() -> str:
    return sqlite_url(default_database_path())


def sqlite_url(path: Path) -> str:
    return "sqlite:///" + path.resolve().as_posix()


RESOURCES_ENV = "CRM_RESOURCES_DIR"


def resources_dir() -> Path:
    """The shipped ``resources/`` folder (fonts …): ``$CRM_RESOURCES_DIR``, else the PyInstaller
    bundle's, else the one beside the package in a source checkout."""
    value = os.environ.get(RESOURCES_ENV)
    if value:
        return Path(value)
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
