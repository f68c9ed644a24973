// The language chooser: every configured language named in itself (日本語, English, 中文, 한국어,
// Tiếng Việt, Português, नेपाली, やさしい にほんご), each in its own script's font, so a first-time
// visitor finds theirs without reading the current one. Opened from the header's language
// button; a choice holds for the session and the idle return home resets it
// (kioskModel.languageReset closes the chooser too).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Popup {
    id: chooser
    objectName: "languageChooser"

    modal: true
    focus: true
    anchors.centerIn: Overlay.overlay
    width: Math.min(parent ? parent.width - 2 * theme.margin : 1100, 1100)
    // 24, not theme.margin: eight languages (four rows) and the close button fit in 800 px
    padding: 24
    closePolicy: Popup.CloseOnPressOutside | Popup.CloseOnEscape

    background: Rectangle {
        radius: theme.radius
        color: theme.surface
        border.color: theme.primary
        border.width: 3
    }

    Connections {
        target: kioskModel
        function onLanguageReset() { chooser.close() }
        function onScreenChanged() { chooser.close() }
    }

    contentItem: ColumnLayout {
        spacing: 24

        KioskLabel {
            objectName: "languageChooserTitle"
            text: qsTr("language.choose")
            font.pixelSize: theme.fontHeader  // like the header: its size in every mode
            font.bold: true
            color: theme.text
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }

        GridLayout {
            columns: 2
            columnSpacing: 24
            rowSpacing: 20
            Layout.fillWidth: true

            Repeater {
                model: kioskModel.languageChoices
                delegate: KioskButton {
                    required property var modelData
                    objectName: "language_" + modelData.code
                    primary: modelData.code === kioskModel.language
                    text: modelData.name
                    font.family: modelData.font
                    font.pixelSize: theme.fontHeader  // like the header: its size in every mode
                    implicitHeight: theme.minTouchHeight
                    Layout.fillWidth: true
                    onClicked: {
                        kioskModel.setLanguage(modelData.code)
                        chooser.close()
                    }
                }
            }
        }

        KioskButton {
            objectName: "languageChooserClose"
            primary: false
            text: qsTr("language.close")
            font.pixelSize: theme.fontHeaderButton
            Layout.alignment: Qt.AlignHCenter
            onClicked: chooser.close()
        }
    }
}
