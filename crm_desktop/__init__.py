"""crm-desktop: a desktop CRM for small and mid-size enterprises."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "crm-desktop"
APP_AUTHOR = "crm-desktop"
