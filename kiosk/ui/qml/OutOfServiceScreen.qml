// The kiosk cannot issue tickets now; say where to go instead, and when the counter is open
// ([kiosk.opening_hours], read by kioskModel: "open until …" or "opens … at …", the week).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "outOfServiceScreen"

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 4 * theme.margin
        spacing: 28

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

        Rectangle {
            objectName: "openingHours"
            visible: kioskModel.hasOpeningHours
            Layout.alignment: Qt.AlignHCenter
            Layout.preferredWidth: Math.min(parent.width, hoursColumn.implicitWidth + 64)
            implicitHeight: hoursColumn.implicitHeight + 40
            radius: theme.radius
            color: theme.surface
            border.color: theme.border
            border.width: 2

            ColumnLayout {
                id: hoursColumn
                anchors.fill: parent
                anchors.margins: 20
                anchors.leftMargin: 32
                anchors.rightMargin: 32
                spacing: 10

                KioskLabel {
                    objectName: "openingNow"
                    visible: text !== ""
                    text: kioskModel.openingNow
                    font.pixelSize: theme.fontBody
                    font.bold: true
                    color: theme.primary
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskLabel {
                    text: qsTr("oos.hours.title")
                    font.pixelSize: theme.fontSmall
                    color: theme.textMuted
                    Layout.alignment: Qt.AlignHCenter
                }
                Repeater {
                    objectName: "openingHoursTable"
                    model: kioskModel.openingHours
                    delegate: RowLayout {
                        required property var modelData
                        spacing: 40
                        Layout.alignment: Qt.AlignHCenter

                        KioskLabel {
                            text: modelData.days
                            font.pixelSize: theme.fontBody
                            font.bold: modelData.today
                            color: modelData.today ? theme.text : theme.textMuted
                            Layout.preferredWidth: Math.max(320, implicitWidth)  // large text
                        }
                        KioskLabel {
                            text: modelData.hours
                            font.pixelSize: theme.fontBody
                            font.bold: modelData.today
                            color: modelData.today ? theme.text : theme.textMuted
                            Layout.preferredWidth: Math.max(320, implicitWidth)  // large text
                        }
                    }
                }
            }
        }
    }
}
