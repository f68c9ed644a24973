"""The system clock's synchronisation, read from the kernel (a device like the others)."""
