// A large, high-contrast touch button.
import QtQuick
import QtQuick.Controls.Basic

Button {
    id: control

    property bool primary: true

    implicitHeight: 96
    implicitWidth: Math.max(240, contentItem.implicitWidth + 64)
    font.pixelSize: theme.fontBody
    font.bold: true

    background: Rectangle {
        radius: theme.radius
        color: control.primary ? (control.down ? theme.primaryPressed : theme.primary)
                               : (control.down ? theme.statusBackground : theme.surface)
        border.color: control.primary ? theme.primaryPressed : theme.primary
        border.width: 3
    }
    contentItem: KioskLabel {
        text: control.text
        font: control.font
        color: control.primary ? theme.textOnPrimary : theme.primary
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        // NOTE: a label too long for a button of fixed size (a keypad key at 200 % text,
        // issue 13) wraps, then shrinks to fit rather than being cut off. In large text it
        // wraps between words and phrases only and shrinks until the longest fits
        // ("Delet/e" on a 150 px key), never below the normal size.
        wrapMode: theme.largeText ? Text.WordWrap : Text.Wrap
        fontSizeMode: Text.Fit
        minimumPixelSize: theme.largeText ? Math.round(control.font.pixelSize / theme.textScale) : 18
        elide: Text.ElideRight
    }
}
