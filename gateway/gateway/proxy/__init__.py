"""The proxy to the services: each service's client, what the gateway knows of it, and the forwarding."""
