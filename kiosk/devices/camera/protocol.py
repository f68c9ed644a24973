"""What the core needs from the booth camera."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kiosk.devices.health import Health

Frame = npt.NDArray[np.uint8]

PREVIEW_SIZE = (1280, 720)


class Camera(Protocol):
    """A camera as the photo booth sees it.

    ``frames()`` is the live preview (BGR, 1280x720 by default): it yields frames until
    :meth:`close`, and while the camera is lost it yields nothing, re-opens it with back-off
    and reports ``fault``/``disconnected`` through :attr:`health`. ``still()`` takes one
    full-resolution frame for the photograph.
    """

    name: str

    def frames(self) -> Iterator[Frame]:
        """Preview frames until :meth:`close` (blocks while the camera is lost)."""
        ...

    def still(self) -> Frame:
        """One full-resolution BGR frame.

        Raises:
            DeviceError: the camera is lost or gave no frame.
        """
        ...

    @property
    def health(self) -> Health:
        """The camera's health now (``unknown`` before the first open)."""
        ...

    def close(self) -> None:
        """Stop the preview and release the camera."""
        ...
