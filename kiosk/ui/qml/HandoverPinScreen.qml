// Passport pickup, step 2: the PIN from the pickup notice, shown masked.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverPinScreen"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 40

        ColumnLayout {
            spacing: 20
            Layout.fillWidth: true
            Layout.fillHeight: true

            KioskLabel {
                text: qsTr("handover.enter_pin.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                text: qsTr("handover.enter_pin.body")
                font.pixelSize: theme.fontBody
                color: theme.textMuted
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Rectangle {
                Layout.fillWidth: true
                implicitHeight: 130
                radius: theme.radius
                color: theme.surface
                border.color: handoverModel.pinError !== "" ? theme.problemBorder : theme.primary
                border.width: 4

                KioskLabel {
                    objectName: "handoverPinMask"
                    anchors.centerIn: parent
                    text: handoverModel.pinMask
                    font.pixelSize: 64
                    font.letterSpacing: 12
                    color: theme.text
                }
            }
            KioskLabel {
                objectName: "handoverPinError"
                visible: handoverModel.pinError !== ""
                text: handoverModel.pinError
                font.pixelSize: theme.fontBody
                font.bold: true
                color: theme.problemBorder
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Item { Layout.fillHeight: true }
            RowLayout {
                spacing: 24
                Layout.fillWidth: true

                KioskButton {
                    objectName: "handoverPinCancel"
                    primary: false
                    text: qsTr("keypad.cancel")
                    enabled: !handoverModel.busy
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: handoverModel.cancel()
                }
                KioskButton {
                    objectName: "handoverPinOk"
                    text: qsTr("keypad.ok")
                    enabled: handoverModel.pinComplete && !handoverModel.busy
                    opacity: enabled ? 1.0 : 0.4
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: handoverModel.submitPin()
                }
            }
        }

        HandoverKeypad {
            Layout.alignment: Qt.AlignVCenter
        }
    }
}
