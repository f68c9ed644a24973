// ID photo, staff review: a staff member signs in (staff card, or staff number and PIN) to
// approve a photo whose only problems are person-checked rules (a head covering).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoStaffScreen"

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
                objectName: "photoStaffTitle"
                text: qsTr("photo.result.staff_review") + " — " + qsTr("handover.staff.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                text: photoModel.staffKeypad ? qsTr("handover.staff.body")
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
                    visible: photoModel.staffKeypad
                    objectName: "photoStaffField_" + modelData.field
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.minTouchHeight
                    onClicked: photoModel.selectStaffField(modelData.field)
                    background: Rectangle {
                        radius: theme.radius
                        color: theme.surface
                        border.color: photoModel.staffField === fieldButton.modelData.field
                                      ? theme.primary : theme.border
                        border.width: photoModel.staffField === fieldButton.modelData.field ? 5 : 2
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
                            objectName: "photoStaffValue_" + fieldButton.modelData.field
                            text: fieldButton.modelData.field === "id" ? photoModel.staffId
                                                                       : photoModel.staffPinMask
                            font.pixelSize: 52
                            font.bold: true
                            color: theme.text
                            Layout.fillWidth: true
                        }
                    }
                }
            }
            KioskLabel {
                objectName: "photoStaffError"
                visible: photoModel.staffErrorKey !== ""
                text: photoModel.staffErrorKey !== "" ? qsTr(photoModel.staffErrorKey) : ""
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
                    objectName: "photoStaffBack"
                    primary: false
                    text: qsTr("photo.review.back")
                    enabled: !photoModel.busy
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: photoModel.backToResult()
                }
                KioskButton {
                    objectName: "photoStaffOk"
                    visible: photoModel.staffKeypad
                    text: qsTr("keypad.ok")
                    enabled: photoModel.staffId !== "" && !photoModel.busy
                    opacity: enabled ? 1.0 : 0.4
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: photoModel.submitStaff()
                }
            }
        }

        GridLayout {
            id: keypad
            visible: photoModel.staffKeypad
            readonly property int keyWidth: 150
            readonly property int keyHeight: theme.minTouchHeight
            columns: 3
            rowSpacing: 14
            columnSpacing: 14
            Layout.alignment: Qt.AlignVCenter

            Repeater {
                model: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
                delegate: KioskButton {
                    required property string modelData
                    objectName: "photoStaffKey_" + modelData
                    text: modelData
                    font.pixelSize: 56
                    Layout.preferredWidth: keypad.keyWidth
                    Layout.preferredHeight: keypad.keyHeight
                    onClicked: photoModel.pressStaffDigit(modelData)
                }
            }
            KioskButton {
                objectName: "photoStaffKeyClear"
                primary: false
                text: qsTr("keypad.clear")
                Layout.preferredWidth: keypad.keyWidth
                Layout.preferredHeight: keypad.keyHeight
                onClicked: photoModel.clearStaffDigits()
            }
            KioskButton {
                objectName: "photoStaffKey_0"
                text: "0"
                font.pixelSize: 56
                Layout.preferredWidth: keypad.keyWidth
                Layout.preferredHeight: keypad.keyHeight
                onClicked: photoModel.pressStaffDigit("0")
            }
            KioskButton {
                objectName: "photoStaffKeyBack"
                primary: false
                text: qsTr("keypad.back")
                Layout.preferredWidth: keypad.keyWidth
                Layout.preferredHeight: keypad.keyHeight
                onClicked: photoModel.deleteStaffDigit()
            }
        }
    }
}
