"""Layer package; see HOUSE_STYLE.md for what may import what."""
