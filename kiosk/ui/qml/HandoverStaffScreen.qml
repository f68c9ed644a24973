// Staff identify for loading: scan the staff card, or type the staff number and PIN.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverStaffScreen"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 40

        ColumnLayout {
            spacing: 16
            Layout.fillWidth: true
            Layout.fillHeight: true

            KioskLabel {
                text: qsTr("handover.staff.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                text: handoverModel.staffKeypad ? qsTr("handover.staff.body")
                                                : qsTr("handover.staff.body_card_only")
                font.pixelSize: theme.fontBody
                color: theme.textMuted
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: [
                    { field: "id", label: qsTr("handover.staff.id_label") },
                    { field: "pin", label: qsTr("handover.staff.pin_label") }
                ]
                delegate: Button {
                    id: fieldButton
                    required property var modelData
                    visible: handoverModel.staffKeypad
                    objectName: "handoverStaffField_" + modelData.field
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.minTouchHeight
                    onClicked: handoverModel.selectStaffField(modelData.field)
                    background: Rectangle {
                        radius: theme.radius
                        color: theme.surface
                        border.color: handoverModel.staffField === fieldButton.modelData.field
                                      ? theme.primary : theme.border
                        border.width: handoverModel.staffField === fieldButton.modelData.field ? 5 : 2
                    }
                    contentItem: RowLayout {
                        spacing: 20
                        KioskLabel {
                            text: fieldButton.modelData.label
                            font.pixelSize: theme.fontBody
                            color: theme.textMuted
                            Layout.leftMargin: 16
                        }
                        KioskLabel {
                            objectName: "handoverStaffValue_" + fieldButton.modelData.field
                            text: fieldButton.modelData.field === "id" ? handoverModel.staffId
                                                                       : handoverModel.staffPinMask
                            font.pixelSize: 52
                            font.bold: true
                            color: theme.text
                            Layout.fillWidth: true
                        }
                    }
                }
            }
            KioskLabel {
                objectName: "handoverStaffError"
                visible: handoverModel.staffError
                text: handoverModel.staffErrorText
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
                    objectName: "handoverStaffCancel"
                    primary: false
                    text: qsTr("keypad.cancel")
                    enabled: !handoverModel.busy
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: handoverModel.cancel()
                }
                KioskButton {
                    objectName: "handoverStaffOk"
                    visible: handoverModel.staffKeypad
                    text: qsTr("keypad.ok")
                    enabled: handoverModel.staffId !== "" && !handoverModel.busy
                    opacity: enabled ? 1.0 : 0.4
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: handoverModel.submitStaff()
                }
            }
        }

        HandoverKeypad {
            visible: handoverModel.staffKeypad
            Layout.alignment: Qt.AlignVCenter
        }
    }
}
