// Technicians sign in to the diagnostics screen: technician number and PIN.
// Reached by a 5-second press on the status bar's clock (only when technician PINs exist).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "diagnosticsSignInScreen"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 20
        anchors.bottomMargin: 20
        spacing: 40

        ColumnLayout {
            spacing: 14
            Layout.fillWidth: true
            Layout.fillHeight: true

            KioskLabel {
                text: qsTr("diag.sign_in.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                text: qsTr("diag.sign_in.body")
                font.pixelSize: theme.fontSmall
                color: theme.textMuted
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: [
                    { field: "id", label: qsTr("diag.sign_in.id_label") },
                    { field: "pin", label: qsTr("diag.sign_in.pin_label") }
                ]
                delegate: Button {
                    id: fieldButton
                    required property var modelData
                    objectName: "diagnosticsField_" + modelData.field
                    Layout.fillWidth: true
                    Layout.preferredHeight: 96
                    onClicked: diagnosticsModel.selectField(modelData.field)
                    background: Rectangle {
                        radius: theme.radius
                        color: theme.surface
                        border.color: diagnosticsModel.field === fieldButton.modelData.field
                                      ? theme.primary : theme.border
                        border.width: diagnosticsModel.field === fieldButton.modelData.field ? 5 : 2
                    }
                    contentItem: RowLayout {
                        spacing: 20
                        KioskLabel {
                            text: fieldButton.modelData.label
                            font.pixelSize: theme.fontSmall
                            color: theme.textMuted
                            Layout.leftMargin: 16
                        }
                        KioskLabel {
                            objectName: "diagnosticsValue_" + fieldButton.modelData.field
                            text: fieldButton.modelData.field === "id" ? diagnosticsModel.technicianId
                                                                       : diagnosticsModel.pinMask
                            font.pixelSize: 44
                            font.bold: true
                            color: theme.text
                            Layout.fillWidth: true
                        }
                    }
                }
            }
            KioskLabel {
                objectName: "diagnosticsSignInError"
                visible: diagnosticsModel.signInError !== ""
                text: diagnosticsModel.signInError === "paused" ? qsTr("diag.sign_in.paused")
                                                                : qsTr("diag.sign_in.refused")
                font.pixelSize: theme.fontSmall
                font.bold: true
                color: theme.problemBorder
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                objectName: "diagnosticsChecking"
                visible: diagnosticsModel.busy
                text: qsTr("diag.sign_in.checking")
                font.pixelSize: theme.fontSmall
                color: theme.textMuted
                Layout.fillWidth: true
            }
            Item { Layout.fillHeight: true }
            RowLayout {
                spacing: 24
                Layout.fillWidth: true

                KioskButton {
                    objectName: "diagnosticsCancel"
                    primary: false
                    text: qsTr("keypad.cancel")
                    Layout.preferredHeight: 104
                    Layout.fillWidth: true
                    onClicked: diagnosticsModel.cancel()
                }
                KioskButton {
                    objectName: "diagnosticsOk"
                    text: qsTr("keypad.ok")
                    enabled: diagnosticsModel.technicianId !== "" && !diagnosticsModel.busy
                    opacity: enabled ? 1.0 : 0.4
                    Layout.preferredHeight: 104
                    Layout.fillWidth: true
                    onClicked: diagnosticsModel.submit()
                }
            }
        }

        DiagnosticsKeypad {
            Layout.alignment: Qt.AlignVCenter
        }
    }
}
