"""Devices: one sub-package per kind, each a Protocol plus real drivers on a transport.

Drivers import nothing from the core; the core, the link and the UI read device health.
"""
