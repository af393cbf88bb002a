"""Connection profiles on disk and passwords only in the keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from crm_desktop.core import secrets
from crm_desktop.core.settings import (
    LOCAL_PROFILE,
    Profile,
    Settings,
    load_settings,
    save_settings,
    strip_password,
)
from tests.keyrings import MemoryKeyring


@pytest.fixture
def no_keyring():
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_strip_password_removes_only_the_password() -> None:
    url, password = strip_password(
        "postgresql://wang:s3cr%40t@db.example.com:5433/crm?sslmode=verify-full"
    )
    assert password == "s3cr%40t"
    assert url == "postgresql://wang@db.example.com:5433/crm?sslmode=verify-full"
    assert strip_password("sqlite:///C:/crm.sqlite3") == ("sqlite:///C:/crm.sqlite3", None)


def test_saved_profiles_never_contain_a_password(tmp_path: Path) -> None:
    settings = Settings(
        profiles={"office": Profile("office", "postgresql://li:topsecret@srv/crm", "li")}
    )
    save_settings(settings, tmp_path)
    text = (tmp_path / "settings.json").read_text(encoding="utf-8")
    assert "topsecret" not in text
    loaded = load_settings(tmp_path)
    assert loaded.profiles["office"].url == "postgresql://li@srv/crm"
    assert loaded.profiles["office"].user == "li"


def test_default_profile_is_the_local_sqlite_file(crm_home: Path) -> None:
    profile = Settings().profile()
    assert profile.name == LOCAL_PROFILE
    assert profile.url.startswith("sqlite:///")
    assert Path(profile.url.removeprefix("sqlite:///")).is_relative_to(crm_home)


def test_damaged_settings_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert load_settings(tmp_path).profiles == {}
    assert (tmp_path / "settings.damaged.json").exists()


def test_password_goes_to_the_keyring_and_nowhere_else(
    memory_keyring: MemoryKeyring, crm_home: Path
) -> None:
    key = secrets.secret_key("postgresql://li@srv/crm", "li")
    assert secrets.set_password(key, "pa55word!") is True
    assert secrets.get_password(key) == "pa55word!"
    assert ("crm-desktop", key) in memory_keyring.store
    for path in crm_home.rglob("*"):
        if path.is_file():
            assert b"pa55word!" not in path.read_bytes()


def test_without_a_keyring_nothing_is_stored(no_keyring: None, crm_home: Path) -> None:
    key = secrets.secret_key("postgresql://li@srv/crm", "li")
    assert secrets.keyring_available() is False
    assert secrets.set_password(key, "pa55word!") is False
    assert secrets.get_password(key) is None
