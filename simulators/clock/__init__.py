"""The system clock's synchronisation state, simulated (the demo and the tests set it)."""
