"""Simulators that speak the devices' and the central server's protocols from outside the kiosk."""
