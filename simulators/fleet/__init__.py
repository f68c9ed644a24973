"""A fleet of simulated kiosks in one process, each on the real link code."""

from simulators.fleet.fleet import Fleet, FleetSettings, FleetSummary

__all__ = ["Fleet", "FleetSettings", "FleetSummary"]
