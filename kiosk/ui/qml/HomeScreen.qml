// Home: choose a service. Each button shows people waiting and the expected wait.
// The degraded modes (kioskModel, decided by kiosk/core/service_modes.py) hide the photo
// booth, say to type the booking code while the scanner is out, and answer the pickup button
// with directions to the counter while the locker is out.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    id: home
    objectName: "homeScreen"

    ColumnLayout {
        anchors.fill: parent
        anchors.leftMargin: theme.margin
        anchors.rightMargin: theme.margin
        anchors.topMargin: 16
        anchors.bottomMargin: 16
        spacing: 16

        Rectangle {
            objectName: "printerBanner"
            visible: !statusModel.printerUsable
            Layout.fillWidth: true
            implicitHeight: bannerText.implicitHeight + 32
            radius: theme.radius
            color: theme.warningBackground
            border.color: theme.warningBorder
            border.width: 3

            KioskLabel {
                id: bannerText
                anchors.fill: parent
                anchors.margins: 16
                text: qsTr("home.printer_banner")
                font.pixelSize: theme.fontBody
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                verticalAlignment: Text.AlignVCenter
            }
        }

        Rectangle {
            objectName: "scannerBanner"
            visible: checkinModel.available && kioskModel.checkinKeypadOnly
            Layout.fillWidth: true
            implicitHeight: scannerText.implicitHeight + 32
            radius: theme.radius
            color: theme.warningBackground
            border.color: theme.warningBorder
            border.width: 3

            KioskLabel {
                id: scannerText
                objectName: "scannerBannerText"
                anchors.fill: parent
                anchors.margins: 16
                text: qsTr("home.scanner_out")
                font.pixelSize: theme.fontBody
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                verticalAlignment: Text.AlignVCenter
            }
        }

        RowLayout {
            spacing: 24
            Layout.fillWidth: true

            KioskLabel {
                objectName: "homeTitle"
                text: qsTr("home.title")
                font.pixelSize: theme.fontTitle
                font.bold: true
                color: theme.text
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }

        ListView {
            id: serviceList
            objectName: "serviceList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            model: serviceModel
            spacing: 16
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            interactive: contentHeight > height
            ScrollBar.vertical: ScrollBar {
                objectName: "serviceScrollBar"
                policy: serviceList.interactive ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
                width: 16
            }

            delegate: Button {
                id: serviceButton

                required property string serviceId
                required property string prefix
                required property string name
                required property int waiting
                required property int waitMinutes
                required property bool estimated

                objectName: "service_" + serviceId
                width: ListView.view.width
                // As tall as fits (never under the 120 px touch minimum, never over touchHeight).
                // Large text: as tall as its text needs (the list then scrolls, with its bar).
                height: Math.max(contentItem.implicitHeight + topPadding + bottomPadding,
                                 theme.minTouchHeight,
                                 Math.min(theme.touchHeight,
                                          (ListView.view.height - ListView.view.spacing * (ListView.view.count - 1))
                                          / Math.max(1, ListView.view.count)))
                enabled: !kioskModel.busy
                onClicked: kioskModel.requestTicket(serviceId)

                background: Rectangle {
                    radius: theme.radius
                    color: serviceButton.down ? theme.primaryPressed : theme.primary
                    border.color: theme.primaryPressed
                    border.width: 2
                }
                // One row; with large text the waiting figures go under the name, so a name
                // keeps the width to show its words whole.
                contentItem: GridLayout {
                    columns: 3
                    columnSpacing: 28
                    rowSpacing: 4

                    Rectangle {
                        Layout.row: 0
                        Layout.column: 0
                        Layout.rowSpan: theme.largeText ? 2 : 1
                        Layout.preferredWidth: Math.round(92 * theme.textScale)
                        Layout.preferredHeight: Math.round(92 * theme.textScale)
                        Layout.leftMargin: 8
                        radius: Math.round(46 * theme.textScale)
                        color: theme.textOnPrimary
                        KioskLabel {
                            anchors.centerIn: parent
                            text: serviceButton.prefix
                            font.pixelSize: Math.round(52 * theme.textScale)
                            font.bold: true
                            color: theme.primary
                        }
                    }
                    KioskLabel {
                        Layout.row: 0
                        Layout.column: 1
                        Layout.columnSpan: theme.largeText ? 2 : 1
                        text: serviceButton.name
                        font.pixelSize: Math.round(44 * theme.textScale)
                        font.bold: true
                        color: theme.textOnPrimary
                        wrapMode: Text.Wrap  // large text: a long name takes two lines
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    ColumnLayout {
                        Layout.row: theme.largeText ? 1 : 0
                        Layout.column: theme.largeText ? 1 : 2
                        Layout.columnSpan: theme.largeText ? 2 : 1
                        Layout.alignment: Qt.AlignRight
                        spacing: 6
                        Layout.rightMargin: 12
                        KioskLabel {
                            text: qsTr("home.waiting", "", serviceButton.waiting).arg(serviceButton.waiting)
                            font.pixelSize: theme.fontBody
                            color: theme.textOnPrimary
                            Layout.alignment: Qt.AlignRight
                        }
                        RowLayout {
                            spacing: 10
                            Layout.alignment: Qt.AlignRight
                            KioskLabel {
                                text: serviceButton.waitMinutes > 0
                                      ? qsTr("home.wait", "", serviceButton.waitMinutes)
                                            .arg(serviceButton.waitMinutes)
                                      : qsTr("home.no_wait")
                                font.pixelSize: theme.fontBody
                                font.bold: true
                                color: theme.textOnPrimary
                            }
                            KioskLabel {
                                visible: serviceButton.estimated
                                text: qsTr("home.estimate")
                                font.pixelSize: theme.fontSmall
                                color: theme.primary
                                leftPadding: 10
                                rightPadding: 10
                                topPadding: 2
                                bottomPadding: 2
                                background: Rectangle {
                                    radius: 6
                                    color: theme.textOnPrimary
                                }
                            }
                        }
                    }
                }
            }
        }

        // NOTE: the journeys' openers sit in a row below the services, where the result
        // screens put 「終わりました」: a tap meant for it that lands after the screen went home
        // by itself can then only open a screen with a way back, never issue a ticket
        // (tests/ui/test_screen_change_taps.py checks that no service row is under it).
        RowLayout {
            objectName: "homeOpeners"
            spacing: 24
            Layout.fillWidth: true
            Layout.fillHeight: false
            Layout.preferredHeight: theme.minTouchHeight
            layoutDirection: Qt.RightToLeft

            // NOTE: at 200 % text the three openers are wider than the window: they then share
            // the row (each at most its natural width) and their labels wrap between words and
            // shrink, never below the normal size (KioskButton). At 100 % they keep their width.
            KioskButton {
                objectName: "checkinButton"
                Layout.fillWidth: theme.largeText
                Layout.maximumWidth: implicitWidth
                visible: checkinModel.available
                primary: false
                text: qsTr("home.checkin_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: checkinModel.openKeypad()
            }
            KioskButton {
                objectName: "handoverButton"
                Layout.fillWidth: theme.largeText
                Layout.maximumWidth: implicitWidth
                visible: handoverModel.available
                primary: false
                text: qsTr("home.handover_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: kioskModel.pickupOffered ? handoverModel.openPickup()
                                                    : kioskModel.showPickupRefused()
            }
            KioskButton {
                objectName: "photoButton"
                Layout.fillWidth: theme.largeText
                Layout.maximumWidth: implicitWidth
                visible: photoModel.available && kioskModel.photoOffered
                primary: false
                text: qsTr("home.photo_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: photoModel.open()
            }
        }
    }

    // Pickup refused (the locker is out): where to go instead. Covers the home screen.
    Rectangle {
        objectName: "homeNotice"
        visible: kioskModel.noticeKey !== ""
        anchors.fill: parent
        color: Qt.rgba(0.08, 0.13, 0.18, 0.55)

        MouseArea {
            anchors.fill: parent  // the services underneath wait until the notice is closed
        }
        Rectangle {
            anchors.centerIn: parent
            width: parent.width - 4 * theme.margin
            implicitHeight: noticeColumn.implicitHeight + 64
            radius: theme.radius
            color: theme.surface
            border.color: theme.warningBorder
            border.width: 4

            ColumnLayout {
                id: noticeColumn
                anchors.fill: parent
                anchors.margins: 32
                spacing: 24

                KioskLabel {
                    objectName: "noticeTitle"
                    text: qsTr("home.pickup_refused.title")
                    font.pixelSize: theme.fontLarge
                    font.bold: true
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskLabel {
                    objectName: "noticeText"
                    text: kioskModel.noticeKey ? qsTr(kioskModel.noticeKey) : ""
                    font.pixelSize: theme.fontBody
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskButton {
                    objectName: "noticeClose"
                    text: qsTr("home.notice_close")
                    implicitHeight: theme.minTouchHeight
                    Layout.alignment: Qt.AlignHCenter
                    onClicked: kioskModel.dismissNotice()
                }
            }
        }
    }
}
