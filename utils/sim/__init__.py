"""The local tastytrade-compatible broker: server, book, market, orders, runtime."""
