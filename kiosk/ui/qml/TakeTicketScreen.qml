// The ticket was printed: please take it. Back home by itself after ui.take_ticket_s.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "takeTicketScreen"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 28

        ColumnLayout {
            spacing: 20
            Layout.fillWidth: true
            Layout.fillHeight: true

            KioskLabel {
                objectName: "takeTitle"
                text: qsTr("take.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            TicketNumberBlock {
                Layout.fillWidth: true
            }
            Item { Layout.fillHeight: true }
        }
        ColumnLayout {
            spacing: 20
            // NOTE: wider in large text so the QR caption's longest phrase
            // (「スマートフォンで」, 8 characters at 52 px) fits on a line of its own.
            Layout.preferredWidth: theme.largeText ? 460 : 360
            Layout.maximumWidth: theme.largeText ? 460 : 360
            Layout.fillHeight: true

            TicketQrBlock {
                Layout.fillWidth: true
            }
            Item { Layout.fillHeight: true }
            KioskButton {
                objectName: "doneButton"
                text: qsTr("common.done")
                Layout.fillWidth: true
                onClicked: kioskModel.done()
            }
        }
    }
}
