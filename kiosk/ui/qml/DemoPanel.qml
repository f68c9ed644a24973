// The demo's simulator panel: fault switches of the simulated printer, scans, camera scenes,
// printed tickets.
// Created by kiosk/ui/demo_panel.py with the required property `demo`; it also sees the
// kiosk's context properties (kioskModel, statusModel).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ApplicationWindow {
    id: panel

    required property QtObject demo

    width: 560
    height: 1020
    visible: false
    title: qsTr("demo.title")
    font.family: "IPAPGothic"  // IPA P Gothic: proportional Latin, from fonts-ipafont-gothic
    font.pixelSize: 22

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 20
        spacing: 14

        KioskLabel {
            text: qsTr("demo.title")
            font.pixelSize: 26
            font.bold: true
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        KioskLabel {
            objectName: "demoHealth"
            text: qsTr("demo.printer_health").arg(statusModel.printerState).arg(statusModel.printerReason)
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        KioskLabel { text: qsTr("demo.paper") }
        RowLayout {
            spacing: 8
            Layout.fillWidth: true
            Repeater {
                model: ["ok", "near_end", "out"]
                delegate: Button {
                    required property string modelData
                    objectName: "paper_" + modelData
                    text: qsTr("demo.paper." + modelData)
                    checkable: true
                    checked: panel.demo.paper === modelData
                    onClicked: panel.demo.setPaper(modelData)
                    Layout.fillWidth: true
                    Layout.preferredHeight: 56
                }
            }
        }
        Switch {
            objectName: "coverSwitch"
            text: qsTr("demo.cover_open")
            checked: panel.demo.coverOpen
            onToggled: panel.demo.setCoverOpen(checked)
        }
        Switch {
            objectName: "offlineSwitch"
            text: qsTr("demo.offline")
            checked: panel.demo.offline
            onToggled: panel.demo.setOffline(checked)
        }
        Button {
            objectName: "dropButton"
            text: qsTr("demo.drop_next")
            enabled: !panel.demo.dropArmed
            Layout.fillWidth: true
            Layout.preferredHeight: 56
            onClicked: panel.demo.dropNextTicket()
        }
        Switch {
            objectName: "outOfServiceSwitch"
            text: qsTr("demo.out_of_service")
            checked: kioskModel.outOfService
            onToggled: kioskModel.setOutOfService(checked, "maintenance")
        }
        KioskLabel {
            visible: panel.demo.canScan()
            text: qsTr("demo.scanner")
            font.bold: true
        }
        GridLayout {
            visible: panel.demo.canScan()
            columns: 2
            Layout.fillWidth: true
            Repeater {
                model: ["valid", "too_early", "wrong_office", "garbage",
                        "staff", "pickup", "door_put", "door_take", "meeting"]
                delegate: Button {
                    required property string modelData
                    objectName: "scan_" + modelData
                    text: qsTr("demo.scan_" + modelData)
                    Layout.fillWidth: true
                    Layout.preferredHeight: 48
                    onClicked: panel.demo.scanDemo(modelData)
                }
            }
        }
        KioskLabel {
            visible: panel.demo.canCamera()
            text: qsTr("demo.camera")
            font.bold: true
        }
        GridLayout {
            visible: panel.demo.canCamera()
            columns: 2
            Layout.fillWidth: true
            Repeater {
                model: ["script", "good", "seated", "blink", "unplug", "plug"]
                delegate: Button {
                    required property string modelData
                    objectName: "camera_" + modelData
                    text: qsTr("demo.camera_" + modelData)
                    Layout.fillWidth: true
                    Layout.preferredHeight: 44
                    onClicked: panel.demo.cameraDemo(modelData)
                }
            }
        }
        KioskLabel {
            text: qsTr("demo.server")
            font.bold: true
        }
        KioskLabel {
            objectName: "serverLog"
            text: panel.demo.serverLog !== "" ? panel.demo.serverLog : qsTr("demo.no_tickets")
            wrapMode: Text.Wrap
            maximumLineCount: 3
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        KioskLabel {
            text: qsTr("demo.tickets")
            font.bold: true
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                objectName: "ticketLog"
                readOnly: true
                textFormat: TextEdit.PlainText  // the printed tickets hold service names
                wrapMode: TextEdit.Wrap
                font.pixelSize: 20
                text: panel.demo.ticketLog !== "" ? panel.demo.ticketLog : qsTr("demo.no_tickets")
            }
        }
    }
}
