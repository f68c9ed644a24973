// The kiosk window: header, the current screen, the status bar.
// Context properties set by kiosk/ui/window.py: kioskModel, statusModel, serviceModel,
// checkinModel, photoModel, handoverModel, diagnosticsModel, a11yModel.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ApplicationWindow {
    id: window

    width: 1280
    height: 800
    visible: false
    title: qsTr("app.title")
    color: theme.background
    // The language's own font (kiosk/i18n/languages.py): IPA P Gothic for Japanese and English,
    // Noto Sans CJK SC/KR for Chinese and Korean, Lohit Devanagari for Nepali.
    font.family: kioskModel.fontFamily
    font.pixelSize: theme.fontBody

    readonly property var screenFiles: ({
        "home": "HomeScreen.qml",
        "printing": "PrintingScreen.qml",
        "take_ticket": "TakeTicketScreen.qml",
        "printer_problem": "PrinterProblemScreen.qml",
        "out_of_service": "OutOfServiceScreen.qml",
        "checkin_keypad": "CheckInKeypadScreen.qml",
        "checkin_accepted": "CheckInAcceptedScreen.qml",
        "checkin_rejected": "CheckInRejectedScreen.qml",
        "checkin_unreadable": "CheckInUnreadableScreen.qml",
        "photo_preview": "PhotoPreviewScreen.qml",
        "photo_checking": "PhotoCheckingScreen.qml",
        "photo_result": "PhotoResultScreen.qml",
        "photo_receipt": "PhotoReceiptScreen.qml",
        "photo_unavailable": "PhotoUnavailableScreen.qml",
        "photo_staff": "PhotoStaffScreen.qml",
        "photo_review": "PhotoReviewScreen.qml",
        "handover_scan": "HandoverScanScreen.qml",
        "handover_pin": "HandoverPinScreen.qml",
        "handover_door": "HandoverDoorScreen.qml",
        "handover_result": "HandoverResultScreen.qml",
        "handover_staff": "HandoverStaffScreen.qml",
        "handover_cases": "HandoverCasesScreen.qml",
        "handover_review": "HandoverReviewScreen.qml",
        "diagnostics_sign_in": "DiagnosticsSignInScreen.qml",
        "diagnostics": "DiagnosticsScreen.qml"
    })

    Theme { id: theme }

    LanguageChooser { id: languageChooser }

    header: ToolBar {
        implicitHeight: 100
        background: Rectangle {
            color: theme.surface
            Rectangle {
                anchors.bottom: parent.bottom
                width: parent.width
                height: 2
                color: theme.border
            }
        }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: theme.margin
            anchors.rightMargin: theme.margin
            spacing: 24

            KioskLabel {
                objectName: "officeName"
                text: kioskModel.officeName
                font.pixelSize: theme.fontHeader
                font.bold: true
                color: theme.text
                elide: Text.ElideRight
                Layout.fillWidth: true

                // Staff entry: a long press on the office name (never on a citizen's path).
                MouseArea {
                    objectName: "staffEntry"
                    anchors.fill: parent
                    enabled: handoverModel.available && handoverModel.screen === ""
                             && checkinModel.screen === "" && photoModel.screen === ""
                             && kioskModel.screen === "home" && diagnosticsModel.screen === ""
                    pressAndHoldInterval: 3000
                    onPressAndHold: handoverModel.openStaff()
                }
            }
            A11yToolbar {
                objectName: "a11yToolbar"
            }
            KioskButton {
                objectName: "languageButton"
                primary: false
                visible: kioskModel.screen === "home" && checkinModel.screen === ""
                         && photoModel.screen === ""
                         && (handoverModel.screen === "" || handoverModel.screen === "handover_scan")
                         && kioskModel.languages.length > 1
                // Two languages: one tap switches; more: the chooser, each named in itself.
                readonly property bool chooses: kioskModel.languages.length > 2
                text: chooses ? qsTr("language.choose") : qsTr("language.switch")
                implicitHeight: 80
                font.pixelSize: theme.fontHeaderButton  // the header keeps its size (Theme.qml)
                implicitWidth: chooses ? Math.max(220, contentItem.implicitWidth + 48) : 220
                onClicked: chooses ? languageChooser.open() : kioskModel.toggleLanguage()
            }
        }
    }

    // NOTE: how long taps are ignored after any screen change. A finger already on its way to
    // 「終わりました」 when a result screen went home by itself landed on the service row now
    // under it and issued a ticket nobody asked for (seen twice in kiosk demo). 600 ms is
    // longer than a tap that was started before the change can take to land, and short enough
    // that someone reading the new screen never notices it.
    readonly property int tapGuardMs: 600

    // NOTE: the screen scrolls when its content needs more than the window (large text,
    // issue 13): the screen is made as tall as its layout asks, never shorter than the window,
    // and a scroll bar shows that there is more. At ordinary sizes nothing scrolls.
    Flickable {
        id: screenFlick
        objectName: "screenFlick"
        anchors.fill: parent
        contentWidth: width
        contentHeight: screenLoader.height
        interactive: contentHeight > height + 1
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.vertical: ScrollBar {
            objectName: "screenScrollBar"
            policy: screenFlick.interactive ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
            width: 16
        }

        Loader {
            id: screenLoader
            objectName: "screenLoader"
            width: screenFlick.width
            height: Math.max(screenFlick.height, window.neededHeight(item))
            // A hand-over, check-in or photo screen shows over the ticket journey while it lasts;
            // the technicians' diagnostics over any of them (it closes when a journey starts).
            source: window.screenFiles[diagnosticsModel.screen || handoverModel.screen
                                       || checkinModel.screen || photoModel.screen
                                       || kioskModel.screen]
            onLoaded: {
                screenFlick.contentY = 0
                tapGuardTimer.restart()
            }
        }
    }

    // The height a screen's layout asks for: its children fill it with margins, so the
    // tallest child's implicit height plus its vertical margins.
    function neededHeight(screen) {
        if (!screen)
            return 0
        let needed = 0
        for (let i = 0; i < screen.children.length; ++i) {
            const child = screen.children[i]
            if (!child.visible || child.implicitHeight === undefined)
                continue
            const margins = (child.anchors.topMargin || child.anchors.margins || 0)
                            + (child.anchors.bottomMargin || child.anchors.margins || 0)
            needed = Math.max(needed, child.implicitHeight + margins)
        }
        return needed
    }

    Timer {
        id: tapGuardTimer
        interval: window.tapGuardMs
    }

    // Swallows every press on the screen while the guard runs (one mechanism for all screens).
    MouseArea {
        objectName: "tapGuard"
        anchors.fill: screenFlick
        z: 1
        enabled: tapGuardTimer.running
        visible: enabled
        acceptedButtons: Qt.AllButtons
    }

    footer: KioskStatusBar {}
}
