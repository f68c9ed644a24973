// Printing: the ticket is being issued; taps are ignored until it is done.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "printingScreen"

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 2 * theme.margin
        spacing: 36

        BusyIndicator {
            running: true
            Layout.alignment: Qt.AlignHCenter
            Layout.preferredWidth: 140
            Layout.preferredHeight: 140
        }
        KioskLabel {
            text: qsTr("printing.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: kioskModel.ticketService
            font.pixelSize: theme.fontLarge
            color: theme.primary
            font.bold: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("printing.wait")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
