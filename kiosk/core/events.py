"""Event types and categories the core emits (the ``type`` field of the envelope).

The category is the topic suffix ``kiosk/v1/{id}/evt/{category}`` (DESIGN §5).
"""

from __future__ import annotations

TICKET = "ticket"
CHECKIN = "checkin"
DEVICE = "device"
CMD = "cmd"
AUDIT = "audit"

TICKET_ISSUED = "ticket.issued"
TICKET_PRINTED = "ticket.printed"
TICKET_PRINT_FAILED = "ticket.print_failed"
DEVICE_HEALTH = "device.health"

CHECKIN_ACCEPTED = "checkin.accepted"
CHECKIN_REJECTED = "checkin.rejected"
CHECKIN_CODE_ENTERED = "checkin.code_entered"

CMD_RESULT = "cmd.result"
CMD_REFUSED = "cmd.refused"
CONFIG_APPLIED = "config.applied"
CONFIG_REJECTED = "config.rejected"
