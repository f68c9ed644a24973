// ID photo accepted: the photo code and its QR; take the receipt (or note the code).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoReceiptScreen"

    RowLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 32

        ColumnLayout {
            spacing: 24
            Layout.fillWidth: true
            Layout.fillHeight: true

            Rectangle {
                Layout.fillWidth: true
                implicitHeight: receiptText.implicitHeight + 48
                radius: theme.radius
                color: photoModel.receiptPrinted ? theme.successBackground : theme.problemBackground
                border.color: photoModel.receiptPrinted ? theme.successBorder : theme.problemBorder
                border.width: 4
                // In large text 「印刷できませんでした。」 is wider than the box: the text is
                // made smaller rather than broken inside it.
                PhraseFitLabel {
                    id: receiptText
                    objectName: "photoReceiptText"
                    anchors.fill: parent
                    anchors.margins: 24
                    text: photoModel.receiptPrinted ? qsTr("photo.receipt.take")
                                                    : qsTr("photo.receipt.not_printed")
                    textSize: theme.fontLarge
                    font.bold: true
                    color: theme.text
                }
            }
            KioskLabel {
                text: qsTr("photo.receipt.code_label")
                font.pixelSize: theme.fontBody
                color: theme.textMuted
            }
            KioskLabel {
                objectName: "photoCode"
                text: photoModel.photoCode
                font.pixelSize: 96
                font.bold: true
                font.family: "monospace"
                color: theme.text
            }
            Item { Layout.fillHeight: true }
        }
        ColumnLayout {
            spacing: 20
            Layout.preferredWidth: 360
            Layout.maximumWidth: 360
            Layout.fillHeight: true

            Rectangle {
                radius: theme.radius
                color: theme.surface
                border.color: theme.border
                border.width: 2
                Layout.fillWidth: true
                implicitHeight: qrColumn.implicitHeight + 32
                ColumnLayout {
                    id: qrColumn
                    anchors.fill: parent
                    anchors.margins: 16
                    spacing: 8
                    Image {
                        objectName: "photoQr"
                        source: photoModel.receiptQr
                        sourceSize.width: 260
                        sourceSize.height: 260
                        Layout.preferredWidth: 260
                        Layout.preferredHeight: 260
                        Layout.alignment: Qt.AlignHCenter
                        fillMode: Image.PreserveAspectFit
                        smooth: false
                    }
                    KioskLabel {
                        text: qsTr("photo.receipt.qr")
                        font.pixelSize: theme.fontSmall
                        color: theme.textMuted
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
            }
            Item { Layout.fillHeight: true }
            KioskButton {
                objectName: "photoDoneButton"
                text: qsTr("common.done")
                Layout.fillWidth: true
                onClicked: photoModel.done()
            }
        }
    }
}
