"""A TCP proxy of our own between a kiosk and its broker: partitions, black holes, resets."""

from simulators.proxy.fault_proxy import FaultProxy, ProxyCounters, ProxyError

__all__ = ["FaultProxy", "ProxyCounters", "ProxyError"]
