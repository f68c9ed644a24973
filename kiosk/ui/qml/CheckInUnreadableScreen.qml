// The scan could not be read: try again with a brighter screen, or type the booking code.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "checkinUnreadableScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.margin
        anchors.topMargin: 32
        anchors.bottomMargin: 24
        spacing: 24

        CheckInResultPanel {
            fill: theme.warningBackground
            edge: theme.warningBorder
            mark: "?"
            Layout.fillWidth: true
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            spacing: 24
            Layout.fillWidth: true

            KioskButton {
                objectName: "checkinKeypadButton"
                text: qsTr("checkin.keypad_button")
                Layout.fillWidth: true
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: checkinModel.openKeypad()
            }
            KioskButton {
                objectName: "checkinDoneButton"
                primary: false
                text: qsTr("common.done")
                Layout.preferredWidth: 360
                Layout.preferredHeight: theme.minTouchHeight
                onClicked: checkinModel.done()
            }
        }
    }
}
