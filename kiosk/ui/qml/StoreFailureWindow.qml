// The kiosk could not open its records at start: out of service, with the reason for staff.
// Context property set by kiosk/ui/store_failure.py: kioskModel (outOfServiceKey, reason).
import QtQuick
import QtQuick.Controls.Basic

ApplicationWindow {
    id: window

    objectName: "storeFailureWindow"
    width: 1280
    height: 800
    visible: false
    title: qsTr("app.title")
    color: theme.background
    font.family: "IPAPGothic"
    font.pixelSize: theme.fontBody

    Theme { id: theme }

    OutOfServiceScreen {
        anchors.fill: parent
    }

    KioskLabel {
        objectName: "storeFailureReason"
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: theme.margin
        text: kioskModel.reason
        font.pixelSize: theme.fontSmall
        color: theme.textMuted
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
    }
}
