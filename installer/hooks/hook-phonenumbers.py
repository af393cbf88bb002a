"""PyInstaller hook (overrides the contrib one): phonenumbers loads the metadata of a region the
first time a number of it is parsed (``phonenumbers.data.region_CN`` …), so every metadata module
is collected; the geocoder, carrier and time-zone data (45 MB) are not, as the app only parses,
checks and formats numbers."""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_submodules

hiddenimports = [
    *collect_submodules("phonenumbers.data"),
    *collect_submodules("phonenumbers.shortdata"),
]
