"""Pure-Python core of the Spreads Cockpit: no Dash imports live here."""
