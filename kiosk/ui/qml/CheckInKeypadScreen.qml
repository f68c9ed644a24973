// The keypad for the short booking code printed under the QR (8 digits, shown as 1234-5678).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "checkinKeypadScreen"

    readonly property int keyWidth: 150
    readonly property int keyHeight: theme.minTouchHeight

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
                objectName: "keypadTitle"
                text: qsTr("keypad.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                objectName: "keypadHint"
                // The scanner is out (or none is fitted): do not send people to it.
                text: kioskModel.scanOffered ? qsTr("keypad.hint") : qsTr("keypad.hint_no_scanner")
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
                border.color: checkinModel.keypadError ? theme.problemBorder : theme.primary
                border.width: 4

                KioskLabel {
                    objectName: "keypadCode"
                    anchors.centerIn: parent
                    text: checkinModel.enteredCode
                    font.pixelSize: 84
                    font.bold: true
                    font.letterSpacing: 6
                    color: theme.text
                }
            }
            KioskLabel {
                objectName: "keypadError"
                visible: checkinModel.keypadError
                text: qsTr("checkin.code_invalid.body")
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
                    objectName: "keypadCancel"
                    primary: false
                    text: qsTr("keypad.cancel")
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: checkinModel.done()
                }
                KioskButton {
                    objectName: "keypadOk"
                    text: qsTr("keypad.ok")
                    enabled: checkinModel.codeComplete && !checkinModel.busy
                    opacity: enabled ? 1.0 : 0.4
                    Layout.preferredHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: checkinModel.submitCode()
                }
            }
        }

        GridLayout {
            objectName: "keypadGrid"
            columns: 3
            rowSpacing: 14
            columnSpacing: 14
            Layout.alignment: Qt.AlignVCenter

            Repeater {
                model: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
                delegate: KioskButton {
                    required property string modelData
                    objectName: "key_" + modelData
                    text: modelData
                    font.pixelSize: 56
                    Layout.preferredWidth: keyWidth
                    Layout.preferredHeight: keyHeight
                    onClicked: checkinModel.pressDigit(modelData)
                }
            }
            KioskButton {
                objectName: "keypadClear"
                primary: false
                text: qsTr("keypad.clear")
                Layout.preferredWidth: keyWidth
                Layout.preferredHeight: keyHeight
                onClicked: checkinModel.clearCode()
            }
            KioskButton {
                objectName: "key_0"
                text: "0"
                font.pixelSize: 56
                Layout.preferredWidth: keyWidth
                Layout.preferredHeight: keyHeight
                onClicked: checkinModel.pressDigit("0")
            }
            KioskButton {
                objectName: "keypadBack"
                primary: false
                text: qsTr("keypad.back")
                Layout.preferredWidth: keyWidth
                Layout.preferredHeight: keyHeight
                onClicked: checkinModel.deleteDigit()
            }
        }
    }
}
