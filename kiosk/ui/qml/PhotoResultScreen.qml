// ID photo: the checked photo; pass: accept or retake; fail: what to change, and retake.
// A photo whose only problems are person-checked rules (a head covering) offers staff approval.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoResultScreen"

    Rectangle {
        id: photoBox
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.leftMargin: theme.margin
        anchors.topMargin: 24
        anchors.bottomMargin: 24
        // At most a third of the width: with large text the screen grows taller (it scrolls)
        // and the texts beside the photo keep their room (issue 13).
        width: photoModel.resultSource !== "" ? Math.min(height * 35 / 45, parent.width / 3) : 0
        color: theme.surface
        border.color: theme.border
        border.width: 2
        radius: theme.radius
        visible: photoModel.resultSource !== ""

        Image {
            objectName: "photoResultImage"
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
        spacing: 20

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: resultColumn.implicitHeight + 48
            radius: theme.radius
            color: photoModel.passed ? theme.successBackground : theme.infoBackground
            border.color: photoModel.passed ? theme.successBorder : theme.primary
            border.width: 4

            ColumnLayout {
                id: resultColumn
                anchors.fill: parent
                anchors.margins: 24
                spacing: 12
                KioskLabel {
                    objectName: "photoResultTitle"
                    text: photoModel.passed ? qsTr("photo.result.pass_title")
                                            : qsTr("photo.result.fail_title")
                    font.pixelSize: theme.fontTitle
                    font.bold: true
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskLabel {
                    text: photoModel.passed ? qsTr("photo.result.pass_body")
                                            : qsTr("photo.result.fail_body")
                    font.pixelSize: theme.fontBody
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Repeater {
                    model: photoModel.problemKeys
                    delegate: KioskLabel {
                        required property string modelData
                        objectName: "photoProblem"
                        text: "• " + qsTr(modelData)
                        font.pixelSize: theme.fontBody
                        font.bold: true
                        color: theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
                Repeater {
                    model: photoModel.noteKeys
                    delegate: KioskLabel {
                        required property string modelData
                        objectName: "photoNote"
                        text: qsTr(modelData)
                        font.pixelSize: theme.fontSmall
                        color: theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
                KioskLabel {
                    objectName: "photoStaffNote"
                    visible: photoModel.staffReviewOffered && !photoModel.passed
                    text: qsTr("photo.result.staff_note")
                    font.pixelSize: theme.fontBody
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
            }
        }
        Item { Layout.fillHeight: true }
        KioskButton {
            objectName: "photoStaffReviewButton"
            visible: photoModel.staffReviewOffered
            primary: false
            text: qsTr("photo.result.staff_review")
            enabled: !photoModel.busy
            Layout.fillWidth: true
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: photoModel.openStaffReview()
        }
        // A way out on a passed photo too: "Cancel" discards the photo and goes home, as the
        // preview's cancel does (accepting used to be the only way forward but waiting).
        KioskButton {
            objectName: "photoResultCancelButton"
            primary: false
            text: qsTr("photo.result.cancel")
            enabled: !photoModel.busy
            Layout.fillWidth: true
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: photoModel.done()
        }
        RowLayout {
            spacing: 24
            Layout.fillWidth: true
            KioskButton {
                objectName: "photoRetakeButton"
                primary: !photoModel.passed
                text: qsTr("photo.result.retake")
                enabled: !photoModel.busy
                Layout.fillWidth: true
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: photoModel.retake()
            }
            KioskButton {
                objectName: "photoAcceptButton"
                visible: photoModel.passed
                text: qsTr("photo.result.accept")
                enabled: !photoModel.busy
                Layout.fillWidth: true
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: photoModel.accept()
            }
        }
    }
}
