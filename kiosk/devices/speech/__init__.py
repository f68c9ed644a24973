"""Speech output for voice guidance: a ``Speaker`` Protocol and its drivers (DESIGN §3)."""
