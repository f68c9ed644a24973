// A compartment door is opening or open: its number big, where it is, what to do.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverDoorScreen"

    readonly property bool warning: handoverModel.tone === "warning"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 40

        ColumnLayout {
            spacing: 20
            Layout.fillWidth: true
            Layout.fillHeight: true

            Rectangle {
                Layout.fillWidth: true
                implicitHeight: doorText.implicitHeight + 48
                radius: theme.radius
                color: warning ? theme.warningBackground : theme.infoBackground
                border.color: warning ? theme.warningBorder : theme.primary
                border.width: 4

                ColumnLayout {
                    id: doorText
                    anchors.fill: parent
                    anchors.margins: 24
                    spacing: 14

                    KioskLabel {
                        objectName: "handoverTitle"
                        text: handoverModel.title
                        font.pixelSize: theme.fontTitle
                        font.bold: true
                        color: theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    KioskLabel {
                        objectName: "handoverBody"
                        text: handoverModel.body
                        font.pixelSize: theme.fontLarge
                        color: theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
            }
            Item { Layout.fillHeight: true }
            KioskLabel {
                objectName: "handoverPosition"
                visible: handoverModel.door > 0
                text: qsTr("handover.position").arg(handoverModel.doorColumn).arg(handoverModel.doorRow)
                font.pixelSize: theme.fontLarge
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }

        ColumnLayout {
            spacing: 16
            Layout.fillHeight: true
            Layout.preferredWidth: Math.max(380, doorNumber.implicitWidth + 40)  // large text

            Rectangle {
                Layout.fillWidth: true
                Layout.preferredHeight: Math.max(200, doorLabel.implicitHeight
                                                      + doorNumber.implicitHeight + 16)
                radius: theme.radius
                color: warning ? theme.warningBorder : theme.primary

                KioskLabel {
                    id: doorLabel
                    anchors.top: parent.top
                    anchors.topMargin: 8
                    anchors.horizontalCenter: parent.horizontalCenter
                    text: qsTr("handover.door_label")
                    font.pixelSize: theme.fontBody
                    font.bold: true
                    color: theme.textOnPrimary
                }
                KioskLabel {
                    id: doorNumber
                    objectName: "handoverDoorNumber"
                    anchors.centerIn: parent
                    anchors.verticalCenterOffset: doorLabel.implicitHeight / 2
                    text: handoverModel.door > 0 ? handoverModel.door : ""
                    font.pixelSize: theme.fontNumber
                    font.bold: true
                    color: theme.textOnPrimary
                }
            }

            // The locker seen from the front: one column per lock board, the door lit.
            Rectangle {
                id: lockerMap
                objectName: "handoverLockerMap"
                visible: handoverModel.door > 0
                Layout.fillWidth: true
                Layout.fillHeight: true
                radius: 8
                color: theme.statusBackground
                border.color: theme.border
                border.width: 2

                Row {
                    anchors.fill: parent
                    anchors.margins: 8
                    spacing: 6

                    Repeater {
                        model: handoverModel.lockerColumns
                        delegate: Column {
                            id: lockerColumn
                            required property int index
                            width: (lockerMap.width - 16 - 6 * (handoverModel.lockerColumns - 1))
                                   / handoverModel.lockerColumns
                            spacing: 2

                            Repeater {
                                model: handoverModel.lockerRows
                                delegate: Rectangle {
                                    required property int index
                                    readonly property bool target:
                                        handoverModel.doorColumn === lockerColumn.index + 1
                                        && handoverModel.doorRow === index + 1
                                    width: lockerColumn.width
                                    height: (lockerMap.height - 16 - 2 * (handoverModel.lockerRows - 1))
                                            / handoverModel.lockerRows
                                    radius: 2
                                    color: target ? (warning ? theme.warningBorder : theme.primary)
                                                  : theme.surface
                                    border.color: theme.border
                                    border.width: 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
