// ID photo: the shutter has gone; the still is being checked against the rules.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoCheckingScreen"

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 4 * theme.margin
        spacing: 32

        BusyIndicator {
            running: true
            Layout.preferredWidth: 140
            Layout.preferredHeight: 140
            Layout.alignment: Qt.AlignHCenter
        }
        KioskLabel {
            text: qsTr("photo.checking.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("photo.checking.body")
            font.pixelSize: theme.fontLarge
            color: theme.textMuted
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
