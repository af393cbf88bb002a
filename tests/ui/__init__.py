"""pytest-qt tests of the GUI on real widgets, offscreen."""

from __future__ import annotations
