"""The city's booking system, simulated: it signs booking and meeting QR tokens with the
DEMO-ONLY key and keeps a book of what it issued, which the central-server simulator reads to
answer a typed booking code (its service) and to notify a meeting's host."""
