"""The named mutex that tells the Windows installer and uninstaller crm-desktop is running, so
they ask the user to close it first instead of replacing or removing files in use."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

# installer/crm-desktop.iss names the same mutex in AppMutex= (a test keeps the two equal). The
# AppId's GUID keeps it unique; a per-user install only needs the session's own namespace.
APP_MUTEX = "crm-desktop-97CE38CC-6E83-452A-90BE-DF7C064DCE14"


def hold_app_mutex(name: str = APP_MUTEX) -> int | None:
    """On Windows, create (or open, when another copy runs) the mutex ``name`` and keep it
    until the process ends; returns its handle. Elsewhere, and when Windows refuses, None:
    the app runs all the same."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    create_mutex = kernel32.CreateMutexW
    create_mutex.argtypes = (wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR)
    create_mutex.restype = wintypes.HANDLE
    # Not owned, never closed: Windows closes the handle when the process exits, which is
    # exactly how long Setup should see the app as running.
    handle: int | None = create_mutex(None, False, name)
    if not handle:
        log.warning("could not create the mutex %s (error %d)", name, ctypes.get_last_error())
        return None
    return handle
