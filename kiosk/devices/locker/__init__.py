"""Lockers: lock-control boards (Kerong KR-CU16 family over RS-485) and GPIO relays."""
