"""Shared, domain-free building blocks of the Styrkedjan apps."""
