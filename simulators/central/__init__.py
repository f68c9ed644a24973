"""The central-server simulator: speaks MQTT contract v1 (DESIGN §5) from the server's side."""

from simulators.central.server import CentralSimulator, StoredEvent

__all__ = ["CentralSimulator", "StoredEvent"]
