// Colours and sizes shared by the screens (one place to change the look).
// Large text (a11yModel.largeText) doubles every text size; high contrast
// (a11yModel.highContrast) shows light text on black with a yellow accent (every pair of text
// and background colours at least 7:1, WCAG AAA: tests/ui/test_accessibility_modes.py).
import QtQuick

QtObject {
    // Staff and technicians' screens keep the ordinary look (they are not on a citizen's path,
    // and their dense tables are laid out for it); the toolbar is hidden there.
    readonly property bool staffScreen: (typeof diagnosticsModel !== "undefined"
                                         && diagnosticsModel.screen !== "")
                                        || (typeof handoverModel !== "undefined"
                                            && (handoverModel.staffSession
                                                || ["handover_staff", "handover_cases",
                                                    "handover_review"].indexOf(handoverModel.screen) >= 0))
                                        || (typeof photoModel !== "undefined"
                                            && ["photo_staff", "photo_review"].indexOf(photoModel.screen) >= 0)
    readonly property bool largeText: typeof a11yModel !== "undefined" && a11yModel.largeText
                                      && !staffScreen
    readonly property bool highContrast: typeof a11yModel !== "undefined" && a11yModel.highContrast
                                         && !staffScreen
    readonly property real textScale: largeText ? 2.0 : 1.0

    readonly property color background: highContrast ? "#000000" : "#F5F7FA"
    readonly property color surface: highContrast ? "#000000" : "#FFFFFF"
    readonly property color text: highContrast ? "#FFFFFF" : "#14202E"
    readonly property color textMuted: highContrast ? "#FFFFFF" : "#3D4B5C"
    readonly property color primary: highContrast ? "#FFE14D" : "#0B4F8A"
    readonly property color primaryPressed: highContrast ? "#FFF3A8" : "#083A66"
    readonly property color textOnPrimary: highContrast ? "#000000" : "#FFFFFF"
    readonly property color border: highContrast ? "#FFFFFF" : "#C5CED8"
    readonly property color warningBackground: highContrast ? "#000000" : "#FFF1C2"
    readonly property color warningBorder: highContrast ? "#FFE14D" : "#B07D00"
    readonly property color problemBackground: highContrast ? "#000000" : "#FDECEA"
    readonly property color problemBorder: highContrast ? "#FF8A80" : "#B3261E"
    readonly property color statusBackground: highContrast ? "#000000" : "#E4E9EF"
    readonly property color successBackground: highContrast ? "#000000" : "#E3F4E6"  // check-in accepted
    readonly property color successBorder: highContrast ? "#7CFC8A" : "#1E7B34"
    readonly property color infoBackground: highContrast ? "#000000" : "#EAF1F8"  // check-in refused: calm

    readonly property int fontBody: Math.round(30 * textScale)
    readonly property int fontSmall: Math.round(26 * textScale)
    readonly property int fontLarge: Math.round(40 * textScale)
    readonly property int fontTitle: Math.round(46 * textScale)
    // NOTE: the ticket number is already 150 px: at 300 px "A-012" would not fit beside its
    // QR code; 1.3x (195 px) is plenty for anyone who can read the rest at 200 %.
    readonly property int fontNumber: Math.round(150 * Math.min(textScale, 1.3))
    // The header (office name, language, the accessibility buttons) keeps its size: it must
    // fit on one line whatever the mode, and its buttons are found where they were.
    readonly property int fontHeader: 40
    readonly property int fontToolbar: 24
    readonly property int fontHeaderButton: 30
    readonly property int fontStatus: 26  // the status bar, like the header, keeps its size
    readonly property int touchHeight: 136
    readonly property int minTouchHeight: 120  // 15 mm on a 10" 1280x800 panel (~96 dpi)
    readonly property int margin: 40
    readonly property int radius: 14
}
