// The accessibility buttons in the header of every screen: voice, large text, high contrast.
// Each is one tap and shows whether it is on (filled when on); all three go off when the
// session ends (AccessibilityViewModel.reset).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

RowLayout {
    spacing: 12
    visible: !theme.staffScreen

    component ToggleButton: KioskButton {
        property bool on: false
        primary: on
        checkable: false
        implicitHeight: 80
        implicitWidth: Math.max(150, contentItem.implicitWidth + 32)
        font.pixelSize: theme.fontToolbar
        Accessible.checkable: true
        Accessible.checked: on
    }

    ToggleButton {
        objectName: "a11yVoice"
        visible: a11yModel.voiceAvailable
        on: a11yModel.voiceOn
        text: qsTr("a11y.voice")
        onClicked: a11yModel.toggleVoice()
    }
    ToggleButton {
        objectName: "a11yLargeText"
        on: a11yModel.largeText
        text: qsTr("a11y.large_text")
        onClicked: a11yModel.toggleLargeText()
    }
    ToggleButton {
        objectName: "a11yHighContrast"
        on: a11yModel.highContrast
        text: qsTr("a11y.high_contrast")
        onClicked: a11yModel.toggleHighContrast()
    }
}
