// The kiosk window: header, the current screen, the status bar.
// Context properties set by kiosk/ui/window.py: kioskModel, statusModel, serviceModel,
// checkinModel, photoModel.
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
    font.family: "IPAPGothic"  // IPA P Gothic: proportional Latin, from fonts-ipafont-gothic
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
        "photo_unavailable": "PhotoUnavailableScreen.qml"
    })

    Theme { id: theme }

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

            Label {
                objectName: "officeName"
                text: kioskModel.officeName
                font.pixelSize: theme.fontLarge
                font.bold: true
                color: theme.text
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            KioskButton {
                objectName: "languageButton"
                primary: false
                visible: kioskModel.screen === "home" && checkinModel.screen === ""
                         && photoModel.screen === ""
                         && kioskModel.languages.length > 1
                text: qsTr("language.switch")
                implicitHeight: 80
                implicitWidth: 220
                onClicked: kioskModel.toggleLanguage()
            }
        }
    }

    Loader {
        id: screenLoader
        objectName: "screenLoader"
        anchors.fill: parent
        // A check-in or photo screen shows over the ticket journey while it lasts.
        source: window.screenFiles[checkinModel.screen || photoModel.screen || kioskModel.screen]
    }

    footer: KioskStatusBar {}
}
