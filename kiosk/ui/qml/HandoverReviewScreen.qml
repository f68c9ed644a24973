// Staff only: old passports returned by citizens, waiting to be taken out and cancelled.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverReviewScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 20
        anchors.bottomMargin: 20
        spacing: 16

        KioskLabel {
            text: qsTr("handover.review.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("handover.review.body")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            objectName: "handoverReviewEmpty"
            visible: handoverModel.returnedList.count === 0
            text: qsTr("handover.review.empty")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            Layout.fillWidth: true
        }
        ListView {
            objectName: "handoverReviewList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            model: handoverModel.returnedList
            spacing: 10
            clip: true
            boundsBehavior: Flickable.StopAtBounds

            delegate: Rectangle {
                id: row
                required property string caseId
                required property int returnDoor
                width: ListView.view.width
                height: theme.minTouchHeight
                radius: theme.radius
                color: theme.surface
                border.color: theme.border
                border.width: 2

                RowLayout {
                    anchors.fill: parent
                    anchors.leftMargin: 24
                    anchors.rightMargin: 8
                    spacing: 24
                    KioskLabel {
                        text: row.caseId
                        font.pixelSize: theme.fontLarge
                        font.bold: true
                        color: theme.text
                        Layout.fillWidth: true
                    }
                    KioskLabel {
                        text: row.returnDoor > 0 ? qsTr("handover.review.where").arg(row.returnDoor)
                                                 : qsTr("handover.review.slot")
                        font.pixelSize: theme.fontBody
                        color: theme.text
                    }
                    KioskButton {
                        objectName: "handoverReviewed_" + row.caseId
                        text: qsTr("handover.review.mark")
                        enabled: !handoverModel.busy
                        Layout.preferredHeight: theme.minTouchHeight - 16
                        onClicked: handoverModel.markReviewed(row.caseId)
                    }
                }
            }
        }
        KioskButton {
            objectName: "handoverReviewBack"
            primary: false
            text: qsTr("handover.back")
            Layout.alignment: Qt.AlignRight
            Layout.preferredWidth: 360
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: handoverModel.closeReview()
        }
    }
}
