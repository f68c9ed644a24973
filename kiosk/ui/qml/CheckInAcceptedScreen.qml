// Checked in (also "checked in, to be confirmed"): green, the service and the expected time.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "checkinAcceptedScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 32
        anchors.bottomMargin: 24
        spacing: 24

        CheckInResultPanel {
            fill: theme.successBackground
            edge: theme.successBorder
            mark: "✓"
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
