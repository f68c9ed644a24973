// Staff loading: scan a case barcode or choose a case; returned passports are one tap away.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverCasesScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 20
        anchors.bottomMargin: 20
        spacing: 16

        KioskLabel {
            text: qsTr("handover.staff_identified.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("handover.staff_identified.body")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        Rectangle {
            objectName: "handoverNotice"
            visible: handoverModel.notice !== ""
            Layout.fillWidth: true
            implicitHeight: noticeText.implicitHeight + 24
            radius: theme.radius
            color: theme.problemBackground
            border.color: theme.problemBorder
            border.width: 3
            KioskLabel {
                id: noticeText
                anchors.fill: parent
                anchors.margins: 12
                text: handoverModel.notice
                font.pixelSize: theme.fontBody
                color: theme.text
                wrapMode: Text.Wrap
            }
        }
        KioskLabel {
            objectName: "handoverCasesEmpty"
            visible: handoverModel.caseList.count === 0
            text: qsTr("handover.cases.empty")
            font.pixelSize: theme.fontBody
            color: theme.textMuted
            Layout.fillWidth: true
        }
        // The list scrolls when the cases do not fit: a scroll bar that is always shown then,
        // and a fade with "more below" over the last row until the end is reached (the third
        // case used to be cut off with no sign that there was more).
        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {
                id: caseList
                objectName: "handoverCaseList"
                readonly property bool scrolls: contentHeight > height + 1
                anchors.fill: parent
                model: handoverModel.caseList
                spacing: 10
                clip: true
                boundsBehavior: Flickable.StopAtBounds

                ScrollBar.vertical: ScrollBar {
                    objectName: "handoverCaseScrollBar"
                    policy: caseList.scrolls ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
                    width: 20
                    contentItem: Rectangle {
                        implicitWidth: 20
                        radius: 10
                        color: theme.primary
                    }
                    background: Rectangle {
                        radius: 10
                        color: theme.statusBackground
                    }
                }

                delegate: KioskButton {
                    required property string caseId
                    required property string size
                    objectName: "handoverCase_" + caseId
                    width: ListView.view.width - (caseList.scrolls ? 36 : 0)
                    height: theme.minTouchHeight
                    primary: false
                    enabled: !handoverModel.busy
                    text: caseId + "　" + qsTr("handover.cases.size").arg(size)
                    onClicked: handoverModel.selectCase(caseId)
                }
            }
            Rectangle {
                objectName: "handoverCasesMore"
                visible: caseList.scrolls && !caseList.atYEnd
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.rightMargin: 36
                anchors.bottom: parent.bottom
                height: moreText.implicitHeight + 40
                gradient: Gradient {
                    GradientStop { position: 0.0; color: "#00F5F7FA" }
                    GradientStop { position: 0.45; color: theme.background }
                }
                KioskLabel {
                    id: moreText
                    objectName: "handoverCasesMoreText"
                    anchors.horizontalCenter: parent.horizontalCenter
                    anchors.bottom: parent.bottom
                    anchors.bottomMargin: 4
                    text: qsTr("handover.cases.more_below")
                    font.pixelSize: theme.fontBody
                    font.bold: true
                    color: theme.primary
                }
            }
        }
        RowLayout {
            spacing: 24
            Layout.fillWidth: true

            KioskButton {
                objectName: "handoverOpenReview"
                primary: false
                text: qsTr("handover.review.button")
                Layout.preferredHeight: theme.minTouchHeight
                Layout.fillWidth: true
                onClicked: handoverModel.openReview()
            }
            KioskButton {
                objectName: "handoverCasesDone"
                text: qsTr("common.done")
                enabled: !handoverModel.busy
                Layout.preferredHeight: theme.minTouchHeight
                Layout.fillWidth: true
                onClicked: handoverModel.cancel()
            }
        }
    }
}
