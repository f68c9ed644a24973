"""Domain logic: tickets, check-in, hand-over, photo rules. Plain Python: no Qt, no paho."""
