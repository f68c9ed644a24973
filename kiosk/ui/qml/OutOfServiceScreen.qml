// The kiosk cannot issue tickets now; say where to go instead.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "outOfServiceScreen"

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 4 * theme.margin
        spacing: 32

        KioskLabel {
            text: qsTr("oos.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            objectName: "outOfServiceText"
            text: qsTr(kioskModel.outOfServiceKey)
            font.pixelSize: theme.fontLarge
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
