// Colours and sizes shared by the screens (one place to change the look).
import QtQuick

QtObject {
    readonly property color background: "#F5F7FA"
    readonly property color surface: "#FFFFFF"
    readonly property color text: "#14202E"
    readonly property color textMuted: "#3D4B5C"
    readonly property color primary: "#0B4F8A"
    readonly property color primaryPressed: "#083A66"
    readonly property color textOnPrimary: "#FFFFFF"
    readonly property color border: "#C5CED8"
    readonly property color warningBackground: "#FFF1C2"
    readonly property color warningBorder: "#B07D00"
    readonly property color problemBackground: "#FDECEA"
    readonly property color problemBorder: "#B3261E"
    readonly property color statusBackground: "#E4E9EF"
    readonly property color successBackground: "#E3F4E6"  // check-in accepted
    readonly property color successBorder: "#1E7B34"
    readonly property color infoBackground: "#EAF1F8"  // check-in refused: calm, not alarming

    readonly property int fontBody: 30
    readonly property int fontSmall: 26
    readonly property int fontLarge: 40
    readonly property int fontTitle: 46
    readonly property int fontNumber: 150
    readonly property int touchHeight: 136
    readonly property int minTouchHeight: 120  // 15 mm on a 10" 1280x800 panel (~96 dpi)
    readonly property int margin: 40
    readonly property int radius: 14
}
