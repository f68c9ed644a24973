// The digit keypad of the hand-over screens (PIN, staff number): keys of at least 120 px.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

GridLayout {
    id: keypad

    readonly property int keyWidth: 150
    readonly property int keyHeight: theme.minTouchHeight

    columns: 3
    rowSpacing: 14
    columnSpacing: 14

    Repeater {
        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
        delegate: KioskButton {
            required property string modelData
            objectName: "handoverKey_" + modelData
            text: modelData
            font.pixelSize: 56
            Layout.preferredWidth: keypad.keyWidth
            Layout.preferredHeight: keypad.keyHeight
            onClicked: handoverModel.pressDigit(modelData)
        }
    }
    KioskButton {
        objectName: "handoverKeyClear"
        primary: false
        text: qsTr("keypad.clear")
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: handoverModel.clearDigits()
    }
    KioskButton {
        objectName: "handoverKey_0"
        text: "0"
        font.pixelSize: 56
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: handoverModel.pressDigit("0")
    }
    KioskButton {
        objectName: "handoverKeyBack"
        primary: false
        text: qsTr("keypad.back")
        Layout.preferredWidth: keypad.keyWidth
        Layout.preferredHeight: keypad.keyHeight
        onClicked: handoverModel.deleteDigit()
    }
}
