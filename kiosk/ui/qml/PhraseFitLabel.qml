// A wrapped label that never breaks inside a word or phrase in large text (issue 13): when its
// longest phrase is wider than the label (「印刷できませんでした。」 at 80 px), the whole text is
// made smaller until that phrase fits, never below the normal size. At the normal size it is a
// plain wrapped KioskLabel.
// NOTE: Text.HorizontalFit cannot do this: it fits the text on one line, without wrapping, so
// every label would drop to its smallest size; the phrase is measured by a hidden twin instead.
import QtQuick

KioskLabel {
    id: label

    // The size asked for (a Theme size, already doubled in large text).
    property int textSize: theme.fontBody
    readonly property int normalSize: Math.round(textSize / theme.textScale)
    readonly property real lineWidth: width - leftPadding - rightPadding

    wrapMode: theme.largeText ? Text.WordWrap : Text.Wrap
    font.pixelSize: theme.largeText && phrases.contentWidth > lineWidth && lineWidth > 0
                    ? Math.max(normalSize, Math.floor(textSize * lineWidth / phrases.contentWidth))
                    : textSize

    // The same text at the size asked for, wrapped between phrases only: a phrase too wide
    // for the line sticks out, and the widest line is the widest phrase.
    KioskLabel {
        id: phrases
        visible: false
        text: label.text
        font.family: label.font.family
        font.bold: label.font.bold
        font.pixelSize: label.textSize
        wrapMode: Text.WordWrap
        width: label.lineWidth
    }
}
