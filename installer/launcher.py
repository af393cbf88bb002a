"""The frozen app's entry script (PyInstaller): the `crm-desktop` command, whose default without
a command is the GUI."""

from __future__ import annotations

import sys

from crm_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
