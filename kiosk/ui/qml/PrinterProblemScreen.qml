// The ticket is committed but did not print: show the number, the QR and what to do next.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "printerProblemScreen"

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

            Rectangle {
                Layout.fillWidth: true
                implicitHeight: problemColumn.implicitHeight + 32
                radius: theme.radius
                color: theme.problemBackground
                border.color: theme.problemBorder
                border.width: 3

                ColumnLayout {
                    id: problemColumn
                    anchors.fill: parent
                    anchors.margins: 16
                    spacing: 6
                    // In large text 「印刷できませんでした」 is wider than this box (beside
                    // the wider QR column): the title is made smaller, not broken inside it.
                    PhraseFitLabel {
                        text: qsTr("problem.title")
                        textSize: theme.fontLarge
                        font.bold: true
                        color: theme.text
                        Layout.fillWidth: true
                    }
                    KioskLabel {
                        objectName: "problemText"
                        text: kioskModel.problemKey ? qsTr(kioskModel.problemKey) : ""
                        font.pixelSize: theme.fontBody
                        color: theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
            }
            TicketNumberBlock {
                Layout.fillWidth: true
            }
            Item { Layout.fillHeight: true }
        }
        ColumnLayout {
            spacing: 20
            // NOTE: wider in large text so the QR caption's longest phrase
            // (「呼び出し状況を」, 7 characters at 52 px) fits on a line of its own.
            Layout.preferredWidth: theme.largeText ? 460 : 360
            Layout.maximumWidth: theme.largeText ? 460 : 360
            Layout.fillHeight: true

            TicketQrBlock {
                caption: qsTr("problem.qr")
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
