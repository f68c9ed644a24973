"""Build the booth camera from its URL (the composition root calls this).

==========================================  ==============================================
URL                                         camera
==========================================  ==============================================
``camera://0``                              :class:`OpenCvCamera` on ``/dev/video0`` (V4L2)
``camera:///dev/kiosk-camera``              :class:`OpenCvCamera` on that device path
``camera://0?still_width=4056&still_height=3040``  a still size other than 5 MP
``file:///srv/photos/``                     :class:`ImageFolderCamera` over the folder
``file:///srv/photos/a.jpg``                :class:`ImageFolderCamera` on one image
``file:///srv/clip.mp4``                    :class:`OpenCvCamera` reading the video file
==========================================  ==============================================

``sim://`` is refused here: the caller passes the simulator's ``open_capture`` as
``capture_factory`` with ``camera://0`` instead (the driver cannot tell it from a camera).
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.devices.camera.image_camera import IMAGE_SUFFIXES, ImageFolderCamera
from kiosk.devices.camera.opencv_camera import (
    DEFAULT_STILL_SIZE,
    CaptureFactory,
    HealthCallback,
    OpenCvCamera,
)
from kiosk.devices.camera.protocol import PREVIEW_SIZE, Camera
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError

logger = logging.getLogger(__name__)


def open_camera(
    url: str,
    *,
    name: str = "camera",
    capture_factory: CaptureFactory | None = None,
    on_health: HealthCallback | None = None,
) -> Camera:
    """The camera a URL names (opened lazily, on the first frame or still).

    Raises:
        DeviceUrlError: a malformed URL or one that cannot be a camera.
    """
    parsed = parse_device_url(url)
    preview = (
        parsed.param_int("width", PREVIEW_SIZE[0]),
        parsed.param_int("height", PREVIEW_SIZE[1]),
    )
    if parsed.scheme == "camera":
        where = parsed.path or "0"
        device: int | str = int(where) if where.isdigit() else where
        still = (
            parsed.param_int("still_width", DEFAULT_STILL_SIZE[0]),
            parsed.param_int("still_height", DEFAULT_STILL_SIZE[1]),
        )
        logger.info("camera %s: %s, preview %dx%d", name, device, *preview)
        if capture_factory is None:
            return OpenCvCamera(
                device, name=name, preview_size=preview, still_size=still, on_health=on_health
            )
        return OpenCvCamera(
            device,
            name=name,
            preview_size=preview,
            still_size=still,
            capture_factory=capture_factory,
            on_health=on_health,
        )
    if parsed.scheme == "file":
        path = Path(parsed.path)
        if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
            logger.info("camera %s: images from %s", name, path)
            return ImageFolderCamera(path, name=name, preview_size=preview)
        logger.info("camera %s: video file %s", name, path)
        return OpenCvCamera(str(path), name=name, preview_size=preview, on_health=on_health)
    if parsed.is_simulated:
        raise DeviceUrlError(
            f"{parsed.raw}: pass the camera simulator's open_capture as capture_factory with "
            "camera://0"
        )
    raise DeviceUrlError(
        f"{parsed.raw}: scheme {parsed.scheme!r} cannot be a camera; use camera://N, "
        "camera:///dev/videoN or file:///folder"
    )
