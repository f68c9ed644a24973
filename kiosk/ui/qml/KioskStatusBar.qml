// The bottom bar: network state (calm: tickets still work offline) and the clock. While a
// staff call is open (the call-staff button, kept across a restart) a calm line says staff
// have been called; it takes the offline line's place: the person waiting needs it more.
// A 5-second press on the clock asks for a technician's number and PIN (the diagnostics
// screen); that gesture exists only when [diagnostics] technician_pins names a technician.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ToolBar {
    implicitHeight: 60
    background: Rectangle { color: theme.statusBackground }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: theme.margin
        anchors.rightMargin: theme.margin
        spacing: 16

        Rectangle {
            visible: staffCallLabel.visible
            width: 18
            height: 18
            radius: 9
            color: theme.primary
        }
        KioskLabel {
            id: staffCallLabel
            objectName: "staffCallLabel"
            visible: staffCallModel.open
            text: qsTr("status.staff_called")
            font.pixelSize: theme.fontStatus  // fixed, like the header (Theme.qml)
            color: theme.text
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Rectangle {
            visible: offlineLabel.visible
            width: 18
            height: 18
            radius: 9
            color: theme.warningBorder
        }
        KioskLabel {
            id: offlineLabel
            objectName: "offlineLabel"
            visible: statusModel.linkConfigured && !statusModel.online
                     && kioskModel.screen !== "out_of_service" && !staffCallLabel.visible
            text: qsTr("status.offline")
            font.pixelSize: theme.fontStatus  // fixed, like the header (Theme.qml)
            color: theme.text
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Item {
            visible: !offlineLabel.visible && !staffCallLabel.visible
            Layout.fillWidth: true
        }
        KioskLabel {
            objectName: "clockLabel"
            text: statusModel.clock
            font.pixelSize: theme.fontStatus  // fixed, like the header (Theme.qml)
            font.bold: true
            color: theme.text

            Loader {
                anchors.fill: parent
                anchors.margins: -12  // a finger is wider than the digits
                active: diagnosticsModel.available
                sourceComponent: MouseArea {
                    objectName: "diagnosticsEntry"
                    enabled: diagnosticsModel.screen === "" && handoverModel.screen === ""
                             && checkinModel.screen === "" && photoModel.screen === ""
                             && (kioskModel.screen === "home"
                                 || kioskModel.screen === "out_of_service")
                    pressAndHoldInterval: 5000
                    onPressAndHold: diagnosticsModel.openSignIn()
                }
            }
        }
    }
}
