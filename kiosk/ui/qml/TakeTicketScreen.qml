// The ticket was printed: please take it. Back home by itself after ui.take_ticket_s.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "takeTicketScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 28
        anchors.bottomMargin: 28
        spacing: 24

        Label {
            text: qsTr("take.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        TicketCard {
            Layout.fillWidth: true
        }
        Item { Layout.fillHeight: true }
        KioskButton {
            objectName: "doneButton"
            text: qsTr("common.done")
            Layout.alignment: Qt.AlignHCenter
            Layout.preferredWidth: 360
            onClicked: kioskModel.done()
        }
    }
}
