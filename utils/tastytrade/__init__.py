"""REST client for the tastytrade Open API: client, models, errors, tokens."""
