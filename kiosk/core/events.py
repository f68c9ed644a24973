"""Event types and categories the core emits (the ``type`` field of the envelope).

The category is the topic suffix ``kiosk/v1/{id}/evt/{category}`` (DESIGN §5).
"""

from __future__ import annotations

TICKET = "ticket"
CHECKIN = "checkin"
DEVICE = "device"
CMD = "cmd"
AUDIT = "audit"
HANDOVER = "handover"
PHOTO = "photo"

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

# Passport hand-over (category ``handover``). Every journal step is an event
# ``handover.<step>`` (kiosk.core.handover.machine.HandoverState values and the steps below);
# these are the ones other code refers to by name.
HANDOVER_LOADED = "handover.loaded"
HANDOVER_COLLECTED = "handover.collected"
HANDOVER_REFUSED = "handover.refused"
HANDOVER_PIN_FAILED = "handover.pin_failed"
HANDOVER_CASE_LOCKED = "handover.case_locked"
HANDOVER_PIN_BUDGET_EXHAUSTED = "handover.pin_budget_exhausted"
HANDOVER_DOOR_ALARM = "handover.door_alarm"
HANDOVER_DOOR_FORCED = "handover.door_forced"
HANDOVER_STAFF_ALERT = "handover.staff_alert"
HANDOVER_RECOVERED = "handover.recovered"
HANDOVER_CASE_ASSIGNED = "handover.case_assigned"
HANDOVER_CASE_CANCELLED = "handover.case_cancelled"
HANDOVER_STAFF_IDENTIFIED = "handover.staff_identified"
HANDOVER_RETURN_REVIEWED = "handover.return_reviewed"
HANDOVER_COMPARTMENT_CLEARED = "handover.compartment_cleared"
HANDOVER_OCCUPANCY_RELEARNED = "handover.occupancy_relearned"

# The printer's paper (category ``device``): the paper forecast of kiosk.core.paper.
PRINTER_PAPER_LOW = "printer.paper_low"
PRINTER_ROLL_CHANGED = "printer.roll_changed"

# The kiosk's degraded modes, decided from device health (kiosk.core.service_modes).
KIOSK_MODE_CHANGED = "kiosk.mode_changed"

# A replaced state database (category ``device``: the store is the kiosk's own device).
STORE_REPLACED = "store.replaced"
STORE_RELEARNED = "store.relearned"

# ID photo booth (category ``photo``): an accepted photo (hash, size, rule set, verdicts; the
# image itself travels separately, see docs/mqtt-contract.md) and its receipt.
PHOTO_CAPTURED = "photo.captured"
PHOTO_RECEIPT_PRINTED = "photo.receipt_printed"
PHOTO_RECEIPT_FAILED = "photo.receipt_failed"
# Staff signed in at the kiosk approved a photo whose only problems were person-checked rules
# (a head covering for religious or medical reasons): who, how signed in, why, which rules.
PHOTO_APPROVED = "photo.approved"

# Help at the kiosk (category ``assist``, issue 13): the call-staff button was pressed, and
# staff acknowledged the call (from the server's ``assist.acknowledge`` command) so its lamp
# went out.
ASSIST = "assist"
ASSIST_STAFF_CALLED = "assist.staff_called"
ASSIST_STAFF_CALL_ACKNOWLEDGED = "assist.staff_call_acknowledged"
