// Passport pickup, step 1: scan the pickup QR code from the notice.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverScanScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 32
        anchors.bottomMargin: 24
        spacing: 28

        KioskLabel {
            objectName: "handoverScanTitle"
            text: qsTr("handover.scan.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("handover.scan.body")
            font.pixelSize: theme.fontLarge
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: "⬇"
            font.pixelSize: 140
            color: theme.primary
            Layout.alignment: Qt.AlignHCenter
        }
        Item { Layout.fillHeight: true }
        KioskButton {
            objectName: "handoverScanCancel"
            primary: false
            text: qsTr("keypad.cancel")
            enabled: !handoverModel.busy
            Layout.alignment: Qt.AlignRight
            Layout.preferredWidth: 360
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: handoverModel.cancel()
        }
    }
}
