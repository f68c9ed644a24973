// The body of a check-in result screen: a coloured panel with the outcome's title and text.
// Used by CheckInAcceptedScreen, CheckInRejectedScreen and CheckInUnreadableScreen.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: panel

    property color fill: theme.surface
    property color edge: theme.border
    property string mark: ""

    radius: theme.radius
    color: fill
    border.color: edge
    border.width: 4
    implicitHeight: resultColumn.implicitHeight + 64

    RowLayout {
        anchors.fill: parent
        anchors.margins: 32
        spacing: 32

        Rectangle {
            Layout.preferredWidth: 120
            Layout.preferredHeight: 120
            Layout.alignment: Qt.AlignTop
            radius: 60
            color: panel.edge
            KioskLabel {
                anchors.centerIn: parent
                text: panel.mark
                font.pixelSize: 72
                font.bold: true
                color: theme.textOnPrimary
            }
        }
        ColumnLayout {
            id: resultColumn
            spacing: 18
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop

            KioskLabel {
                objectName: "checkinTitle"
                text: checkinModel.title
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                objectName: "checkinBody"
                text: checkinModel.body
                font.pixelSize: theme.fontLarge
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            KioskLabel {
                objectName: "checkinDetail"
                visible: text !== ""
                text: checkinModel.detail
                font.pixelSize: theme.fontLarge
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
    }
}
