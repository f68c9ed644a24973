"""Code scanners (serial, camera, USB HID): all produce the same stream of codes read."""
