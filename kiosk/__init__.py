"""Lobby kiosk: an open kiosk and self-service hardware controller for municipal lobbies."""

__version__ = "0.1.0"
