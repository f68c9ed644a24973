// The end of a hand-over (or a refusal): what happened and what to do next.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "handoverResultScreen"

    readonly property string tone: handoverModel.tone

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 32
        anchors.bottomMargin: 24
        spacing: 24

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: resultColumn.implicitHeight + 64
            radius: theme.radius
            color: tone === "success" ? theme.successBackground
                 : tone === "problem" ? theme.problemBackground : theme.infoBackground
            border.color: tone === "success" ? theme.successBorder
                        : tone === "problem" ? theme.problemBorder : theme.primary
            border.width: 4

            RowLayout {
                anchors.fill: parent
                anchors.margins: 32
                spacing: 32

                Rectangle {
                    Layout.preferredWidth: 120
                    Layout.preferredHeight: 120
                    Layout.alignment: Qt.AlignTop
                    radius: 60
                    color: tone === "success" ? theme.successBorder
                         : tone === "problem" ? theme.problemBorder : theme.primary
                    KioskLabel {
                        anchors.centerIn: parent
                        text: tone === "success" ? "✓" : "!"
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
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            spacing: 24
            Layout.alignment: Qt.AlignRight

            KioskButton {
                objectName: "handoverLoadNext"
                visible: handoverModel.staffSession
                primary: false
                text: qsTr("handover.load_next")
                enabled: !handoverModel.busy
                Layout.preferredWidth: 420
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: handoverModel.loadNext()
            }
            KioskButton {
                objectName: "handoverDone"
                text: qsTr("common.done")
                enabled: !handoverModel.busy
                Layout.preferredWidth: 360
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: handoverModel.cancel()
            }
        }
    }
}
