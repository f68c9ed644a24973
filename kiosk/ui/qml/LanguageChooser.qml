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

    // NOTE: the whole window, at fixed sizes that large text does not double: eight languages
    // in four rows of two fit 800 px, and every name stays whole at 44 px (a visitor looking
    // for their language needs no bigger text, and the chooser is how they get to it).
    readonly property int nameSize: 44
    readonly property int rowHeight: 104

    modal: true
    focus: true
    parent: Overlay.overlay
    x: 0
    y: 0
    width: parent ? parent.width : 1280
    height: parent ? parent.height : 800
    padding: 32
    closePolicy: Popup.CloseOnPressOutside | Popup.CloseOnEscape

    background: Rectangle {
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
        spacing: 20

        KioskLabel {
            objectName: "languageChooserTitle"
            text: qsTr("language.choose")
            font.pixelSize: 40
            font.bold: true
            color: theme.text
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }

        GridLayout {
            columns: 2
            uniformCellWidths: true
            columnSpacing: 24
            rowSpacing: 16
            Layout.fillWidth: true

            Repeater {
                model: kioskModel.languageChoices
                delegate: KioskButton {
                    required property var modelData
                    objectName: "language_" + modelData.code
                    primary: modelData.code === kioskModel.language
                    text: modelData.name
                    font.family: modelData.font
                    font.pixelSize: chooser.nameSize
                    Layout.preferredHeight: chooser.rowHeight
                    Layout.fillWidth: true
                    onClicked: {
                        kioskModel.setLanguage(modelData.code)
                        chooser.close()
                    }
                }
            }
        }

        Item { Layout.fillHeight: true }

        KioskButton {
            objectName: "languageChooserClose"
            primary: false
            text: qsTr("language.close")
            font.pixelSize: 32
            Layout.preferredHeight: 96
            Layout.preferredWidth: 320
            Layout.alignment: Qt.AlignHCenter
            onClicked: chooser.close()
        }
    }
}
