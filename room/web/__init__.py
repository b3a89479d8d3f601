"""The operator's tablet page and its WebSocket bridge to the conductor."""
