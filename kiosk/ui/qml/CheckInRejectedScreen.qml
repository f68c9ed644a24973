// Not checked in: calm colours, why, and what to do next (the text says it).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "checkinRejectedScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 32
        anchors.bottomMargin: 24
        spacing: 24

        CheckInResultPanel {
            fill: theme.infoBackground
            edge: theme.primary
            mark: "i"
            Layout.fillWidth: true
        }
        Item { Layout.fillHeight: true }
        KioskButton {
            objectName: "checkinDoneButton"
            text: qsTr("common.done")
            Layout.alignment: Qt.AlignRight
            Layout.preferredWidth: 360
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: checkinModel.done()
        }
    }
}
