// The ticket as shown on screen: number, service, people ahead, wait, and the QR code.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: card

    property string qrCaption: qsTr("card.qr")

    radius: theme.radius
    color: theme.surface
    border.color: theme.border
    border.width: 2
    implicitHeight: cardRow.implicitHeight + 48

    RowLayout {
        id: cardRow
        anchors.fill: parent
        anchors.margins: 24
        spacing: 32

        ColumnLayout {
            spacing: 8
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignVCenter

            Label {
                text: qsTr("card.number")
                font.pixelSize: theme.fontBody
                color: theme.textMuted
            }
            Label {
                objectName: "ticketNumber"
                text: kioskModel.ticketNumber
                font.pixelSize: theme.fontNumber
                font.bold: true
                color: theme.text
                fontSizeMode: Text.HorizontalFit
                minimumPixelSize: 60
                Layout.fillWidth: true
            }
            Label {
                objectName: "ticketService"
                text: kioskModel.ticketService
                font.pixelSize: theme.fontLarge
                font.bold: true
                color: theme.primary
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Label {
                text: qsTr("card.people_ahead").arg(kioskModel.peopleAhead)
                font.pixelSize: theme.fontBody
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Label {
                text: kioskModel.waitEstimated
                      ? qsTr("card.wait_estimated").arg(kioskModel.waitMinutes)
                      : qsTr("card.wait").arg(kioskModel.waitMinutes)
                font.pixelSize: theme.fontBody
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
        ColumnLayout {
            spacing: 8
            Layout.alignment: Qt.AlignVCenter
            Layout.preferredWidth: 300

            Image {
                objectName: "ticketQr"
                source: kioskModel.ticketQrSource
                sourceSize.width: 280
                sourceSize.height: 280
                Layout.preferredWidth: 280
                Layout.preferredHeight: 280
                Layout.alignment: Qt.AlignHCenter
                fillMode: Image.PreserveAspectFit
                smooth: false
            }
            Label {
                text: card.qrCaption
                font.pixelSize: theme.fontSmall
                color: theme.textMuted
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
    }
}
