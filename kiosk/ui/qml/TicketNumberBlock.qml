// The ticket as shown on screen: number, service, people ahead, expected wait.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    radius: theme.radius
    color: theme.surface
    border.color: theme.border
    border.width: 2
    implicitHeight: numberColumn.implicitHeight + 40

    ColumnLayout {
        id: numberColumn
        anchors.fill: parent
        anchors.margins: 20
        anchors.leftMargin: 28
        spacing: 4

        KioskLabel {
            text: qsTr("card.number")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
        }
        KioskLabel {
            objectName: "ticketNumber"
            text: kioskModel.ticketNumber
            font.pixelSize: theme.fontNumber
            font.bold: true
            color: theme.text
            fontSizeMode: Text.HorizontalFit
            minimumPixelSize: 60
            Layout.fillWidth: true
        }
        KioskLabel {
            objectName: "ticketService"
            text: kioskModel.ticketService
            font.pixelSize: theme.fontLarge
            font.bold: true
            color: theme.primary
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            Layout.bottomMargin: 8
        }
        KioskLabel {
            text: qsTr("card.people_ahead", "", kioskModel.peopleAhead).arg(kioskModel.peopleAhead)
            font.pixelSize: theme.fontBody
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: kioskModel.waitMinutes <= 0
                  ? qsTr("card.wait_none")
                  : kioskModel.waitEstimated
                    ? qsTr("card.wait_estimated", "", kioskModel.waitMinutes).arg(kioskModel.waitMinutes)
                    : qsTr("card.wait", "", kioskModel.waitMinutes).arg(kioskModel.waitMinutes)
            font.pixelSize: theme.fontBody
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
