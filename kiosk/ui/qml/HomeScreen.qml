// Home: choose a service. Each button shows people waiting and the expected wait.
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
            KioskButton {
                objectName: "photoButton"
                visible: photoModel.available
                primary: false
                text: qsTr("home.photo_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: photoModel.open()
            }
            KioskButton {
                objectName: "handoverButton"
                visible: handoverModel.available
                primary: false
                text: qsTr("home.handover_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: handoverModel.openPickup()
            }
            KioskButton {
                objectName: "checkinButton"
                visible: checkinModel.available
                primary: false
                text: qsTr("home.checkin_button")
                implicitHeight: theme.minTouchHeight
                enabled: !kioskModel.busy
                onClicked: checkinModel.openKeypad()
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
                height: Math.max(theme.minTouchHeight,
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
                contentItem: RowLayout {
                    spacing: 28

                    Rectangle {
                        Layout.preferredWidth: 92
                        Layout.preferredHeight: 92
                        Layout.leftMargin: 8
                        radius: 46
                        color: theme.textOnPrimary
                        KioskLabel {
                            anchors.centerIn: parent
                            text: serviceButton.prefix
                            font.pixelSize: 52
                            font.bold: true
                            color: theme.primary
                        }
                    }
                    KioskLabel {
                        text: serviceButton.name
                        font.pixelSize: 44
                        font.bold: true
                        color: theme.textOnPrimary
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    ColumnLayout {
                        spacing: 6
                        Layout.rightMargin: 12
                        KioskLabel {
                            text: qsTr("home.waiting").arg(serviceButton.waiting)
                            font.pixelSize: theme.fontBody
                            color: theme.textOnPrimary
                            Layout.alignment: Qt.AlignRight
                        }
                        RowLayout {
                            spacing: 10
                            Layout.alignment: Qt.AlignRight
                            KioskLabel {
                                text: serviceButton.waitMinutes > 0
                                      ? qsTr("home.wait").arg(serviceButton.waitMinutes)
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
    }
}
