// ID photo: the camera is lost. Calm words and where to go; home by itself after a while.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    objectName: "photoUnavailableScreen"

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 4 * theme.margin
        spacing: 32

        KioskLabel {
            objectName: "photoUnavailableTitle"
            text: qsTr("photo.unavailable.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("photo.unavailable.body")
            font.pixelSize: theme.fontLarge
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        KioskButton {
            objectName: "photoUnavailableDone"
            text: qsTr("common.done")
            Layout.alignment: Qt.AlignHCenter
            Layout.preferredWidth: 360
            onClicked: photoModel.done()
        }
    }
}
