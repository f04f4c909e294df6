"""Mapped tables of this area."""
