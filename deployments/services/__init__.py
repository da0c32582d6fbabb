"""Writes of the planning side: keyword-only, typed, atomic service functions."""
