"""The `meldpunt` commands (on top of the domain, beside the web layer)."""
