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
        ListView {
            objectName: "handoverCaseList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            model: handoverModel.caseList
            spacing: 10
            clip: true
            boundsBehavior: Flickable.StopAtBounds

            delegate: KioskButton {
                required property string caseId
                required property string size
                objectName: "handoverCase_" + caseId
                width: ListView.view.width
                height: theme.minTouchHeight
                primary: false
                enabled: !handoverModel.busy
                text: caseId + "　" + qsTr("handover.cases.size").arg(size)
                onClicked: handoverModel.selectCase(caseId)
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
