// The digit keypad of the technicians' sign-in (diagnostics): number and PIN.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

GridLayout {
    id: keypad

    readonly property int keyWidth: 140
    readonly property int keyHeight: 104

    columns: 3
    rowSpacing: 12
    columnSpacing: 12

    Repeater {
        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
        delegate: KioskButton {
            required property string modelData
            objectName: "diagnosticsKey_" + modelData
            text: modelData
            font.pixelSize: 48
            Layout.preferredWidth: keypad.keyWidth
            Layout.preferredHeight: keypad.keyHeight
            onClicked: diagnosticsModel.pressDigit(modelData)
        }
    }
    KioskButton {
        objectName: "diagnosticsKeyClear"
        primary: false
        text: qsTr("keypad.clear")
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: diagnosticsModel.clearDigits()
    }
    KioskButton {
        objectName: "diagnosticsKey_0"
        text: "0"
        font.pixelSize: 48
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: diagnosticsModel.pressDigit("0")
    }
    KioskButton {
        objectName: "diagnosticsKeyBack"
        primary: false
        text: qsTr("keypad.back")
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: diagnosticsModel.deleteDigit()
    }
}
