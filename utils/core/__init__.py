"""Foundations every package stands on: settings, time, SQLite, validated models."""
