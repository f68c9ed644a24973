// The ticket's QR code (the queue-status page) with a line saying what it is for.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    property alias caption: captionLabel.text

    radius: theme.radius
    color: theme.surface
    border.color: theme.border
    border.width: 2
    implicitHeight: qrColumn.implicitHeight + 32

    ColumnLayout {
        id: qrColumn
        anchors.fill: parent
        anchors.margins: 16
        spacing: 8

        Image {
            objectName: "ticketQr"
            source: kioskModel.ticketQrSource
            sourceSize.width: 260
            sourceSize.height: 260
            Layout.preferredWidth: 260
            Layout.preferredHeight: 260
            Layout.alignment: Qt.AlignHCenter
            fillMode: Image.PreserveAspectFit
            smooth: false
        }
        KioskLabel {
            id: captionLabel
            text: qsTr("card.qr")
            font.pixelSize: theme.fontSmall
            color: theme.textMuted
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
