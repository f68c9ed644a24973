"""A number and a PIN typed on one on-screen keypad (staff sign-in, technician sign-in).

The person taps a field (``id`` or ``pin``) and types digits into it; "OK" on the number
moves on to the PIN. The PIN is never shown, only a mask. Plain Python: the view-model that
holds it turns :attr:`NumberPinKeypad.on_change` into its Qt notify signal.
"""

from __future__ import annotations

from collections.abc import Callable

FIELDS = ("id", "pin")
"""The keypad's fields: the person's number, then their PIN."""
MASK = "●"
"""What each typed PIN digit shows as."""


class NumberPinKeypad:
    """The typed number and PIN, the field typed into, and the last sign-in error.

    Args:
        number_max: the most digits a number may have.
        pin_min: the fewest digits a PIN may have ("OK" asks for more before that).
        pin_max: the most digits a PIN may have.
        on_change: called after every change (the view-model's notify signal).
        typing_clears_error: a digit typed or deleted clears the error shown.
    """

    def __init__(
        self,
        *,
        number_max: int,
        pin_min: int,
        pin_max: int,
        on_change: Callable[[], None],
        typing_clears_error: bool = False,
    ) -> None:
        self._number_max = number_max
        self._pin_min = pin_min
        self._pin_max = pin_max
        self._on_change = on_change
        self._typing_clears_error = typing_clears_error
        self.number = ""
        self.pin = ""
        self.field = FIELDS[0]
        self.error = ""

    @property
    def pin_mask(self) -> str:
        """One mask character per PIN digit typed."""
        return MASK * len(self.pin)

    @property
    def ready(self) -> bool:
        """True when a number and a PIN long enough are typed and the PIN field is on."""
        return bool(self.number) and self.field == "pin" and len(self.pin) >= self._pin_min

    def press(self, digit: str) -> None:
        """A digit key: into the field typed into (anything but one ASCII digit is ignored)."""
        if len(digit) != 1 or not "0" <= digit <= "9":
            return
        if self.field == "id" and len(self.number) < self._number_max:
            self._typed(number=self.number + digit)
        elif self.field == "pin" and len(self.pin) < self._pin_max:
            self._typed(pin=self.pin + digit)

    def delete(self) -> None:
        """The "delete" key: the field's last digit."""
        if self.field == "id":
            self._typed(number=self.number[:-1])
        else:
            self._typed(pin=self.pin[:-1])

    def clear(self) -> None:
        """The "clear" key: the whole field."""
        if self.field == "id":
            self._typed(number="")
        else:
            self._typed(pin="")

    def select(self, field: str) -> None:
        """A tap on a field (anything but ``id`` or ``pin`` is ignored)."""
        if field in FIELDS:
            self.set(field=field)

    def advance(self) -> bool:
        """ "OK": True when ready to check; otherwise on to the PIN field (False)."""
        if self.ready:
            return True
        if self.number:
            self.set(field="pin")
        return False

    def reset(self) -> None:
        """Empty, on the number, no error."""
        self.set(number="", pin="", field=FIELDS[0], error="")

    def set(
        self,
        *,
        number: str | None = None,
        pin: str | None = None,
        field: str | None = None,
        error: str | None = None,
    ) -> None:
        """Change any part; ``on_change`` is called once when something changed."""
        new = (
            self.number if number is None else number,
            self.pin if pin is None else pin,
            self.field if field is None else field,
            self.error if error is None else error,
        )
        if new != (self.number, self.pin, self.field, self.error):
            self.number, self.pin, self.field, self.error = new
            self._on_change()

    def _typed(self, *, number: str | None = None, pin: str | None = None) -> None:
        error = "" if self._typing_clears_error else None
        self.set(number=number, pin=pin, error=error)


__all__ = ["FIELDS", "MASK", "NumberPinKeypad"]
