"""The gateway: the only public entry of Styrkedjan."""
