"""The cockpit's Dash side: the cards (`components.cards`) and what they share."""
