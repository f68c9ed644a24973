// ID photo, staff review: the signed-in staff member sees the photo and the person-checked
// rules it does not meet, chooses the reason from the list, and approves (the receipt follows).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoReviewScreen"

    Rectangle {
        id: photoBox
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.leftMargin: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        width: photoModel.resultSource !== "" ? height * 35 / 45 : 0
        color: theme.surface
        border.color: theme.border
        border.width: 2
        radius: theme.radius
        visible: photoModel.resultSource !== ""

        Image {
            objectName: "photoReviewImage"
            anchors.fill: parent
            anchors.margins: 12
            source: photoModel.resultSource
            cache: false
            fillMode: Image.PreserveAspectFit
        }
    }

    ColumnLayout {
        anchors.left: photoBox.right
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.leftMargin: 32
        anchors.rightMargin: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        spacing: 16

        KioskLabel {
            objectName: "photoReviewTitle"
            text: qsTr("photo.review.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            objectName: "photoReviewer"
            text: qsTr("photo.review.signed_in").arg(photoModel.reviewerId)
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("photo.review.rules")
            font.pixelSize: theme.fontBody
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        Repeater {
            model: photoModel.reviewRuleKeys
            delegate: KioskLabel {
                required property string modelData
                objectName: "photoReviewRule"
                text: "• " + qsTr(modelData)
                font.pixelSize: theme.fontBody
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
        KioskLabel {
            text: qsTr("photo.review.reason_prompt")
            font.pixelSize: theme.fontBody
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        RowLayout {
            spacing: 24
            Layout.fillWidth: true
            Repeater {
                model: photoModel.reviewReasons
                delegate: KioskButton {
                    required property string modelData
                    required property int index
                    objectName: "photoReviewReason_" + modelData
                    primary: photoModel.reviewReason === modelData
                    text: qsTr(photoModel.reviewReasonKeys[index])
                    enabled: !photoModel.busy
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.minTouchHeight
                    onClicked: photoModel.chooseReason(modelData)
                }
            }
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            spacing: 24
            Layout.fillWidth: true
            KioskButton {
                objectName: "photoReviewBack"
                primary: false
                text: qsTr("photo.review.back")
                enabled: !photoModel.busy
                Layout.fillWidth: true
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: photoModel.backToResult()
            }
            KioskButton {
                objectName: "photoReviewApprove"
                text: qsTr("photo.review.approve")
                enabled: photoModel.reviewReason !== "" && !photoModel.busy
                opacity: enabled ? 1.0 : 0.4
                Layout.fillWidth: true
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: photoModel.approve()
            }
        }
    }
}
