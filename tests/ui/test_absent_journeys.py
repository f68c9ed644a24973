"""A kiosk without a locker, a camera or technician PINs builds none of their screens
(issue 14: cold start and idle memory); QML gets stand-ins that offer nothing."""

from __future__ import annotations

from tests.ui.conftest import UiFactory


def test_a_kiosk_without_locker_camera_or_technician_pins_builds_none_of_their_screens(
    make_ui: UiFactory,
) -> None:
    ui = make_ui()
    context = ui.engine.rootContext()
    models = [
        context.contextProperty(f"{name}Model") for name in ("handover", "photo", "diagnostics")
    ]
    assert (ui.handover, ui.photo, ui.diagnostics) == (None, None, None)
    assert [m.property("available") for m in models] == [False, False, False]
    assert [m.property("screen") for m in models] == ["", "", ""]
    for model in models:  # every opener QML may call is there and does nothing
        model.openPickup()
        model.openStaff()
        model.openSignIn()
        model.open()
    assert [m.property("screen") for m in models] == ["", "", ""]
    assert ui.view_model.property("screen") == "home"
