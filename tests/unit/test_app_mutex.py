"""The Windows installer and the app agree on the mutex that says crm-desktop is running."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from crm_desktop.core.app_mutex import APP_MUTEX, hold_app_mutex

ISS = Path(__file__).resolve().parents[2] / "installer" / "crm-desktop.iss"


def test_setup_and_uninstall_wait_for_the_mutex_the_app_holds() -> None:
    values = re.findall(r"^AppMutex=(.*)$", ISS.read_text(encoding="utf-8"), re.MULTILINE)
    assert values == [APP_MUTEX]
    # Inno Setup splits the value at commas and expands {constants}: the name has neither.
    assert not set(",{}\\") & set(APP_MUTEX)


@pytest.mark.skipif(sys.platform == "win32", reason="the mutex exists only on Windows")
def test_holding_the_mutex_does_nothing_elsewhere() -> None:
    assert hold_app_mutex() is None


@pytest.mark.skipif(sys.platform != "win32", reason="Windows only")
def test_the_held_mutex_is_visible_to_other_processes_by_name() -> None:
    import ctypes
    from ctypes import wintypes

    assert hold_app_mutex() is not None
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    open_mutex = kernel32.OpenMutexW
    open_mutex.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.LPCWSTR)
    open_mutex.restype = wintypes.HANDLE
    synchronize = 0x00100000
    handle = open_mutex(synchronize, False, APP_MUTEX)  # what Setup's check does
    assert handle
    kernel32.CloseHandle(handle)
