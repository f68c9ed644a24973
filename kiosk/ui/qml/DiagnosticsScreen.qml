// The technicians' diagnostics screen: every device's health with its reason and since when,
// the link, disk, clock, versions, counters, recent faults, the last frames on each device's
// wire, and the self-tests. Shown only after a technician's PIN; it closes itself after
// [diagnostics] inactivity_s without a touch and when a citizen's journey starts.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    id: diagnostics
    objectName: "diagnosticsScreen"

    readonly property int fontRow: 20
    readonly property int fontHead: 22
    readonly property var sections: ["overview", "tests", "faults", "frames"]

    function stateColor(state) {
        if (state === "ok" || state === "passed")
            return theme.successBorder
        if (state === "degraded" || state === "running")
            return theme.warningBorder
        if (state === "idle")
            return theme.border
        return theme.problemBorder
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.leftMargin: 24
        anchors.rightMargin: 24
        anchors.topMargin: 12
        anchors.bottomMargin: 12
        spacing: 10

        RowLayout {
            spacing: 12
            Layout.fillWidth: true

            ColumnLayout {
                spacing: 0
                Layout.fillWidth: true
                KioskLabel {
                    text: qsTr("diag.title")
                    font.pixelSize: 30
                    font.bold: true
                    color: theme.text
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                KioskLabel {
                    objectName: "diagnosticsTakenAt"
                    text: diagnosticsModel.takenAt === "" ? qsTr("diag.reading")
                                                         : qsTr("diag.taken_at").arg(diagnosticsModel.takenAt)
                    font.pixelSize: 18
                    color: theme.textMuted
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
            Repeater {
                model: [
                    { name: "overview", label: qsTr("diag.section.overview") },
                    { name: "tests", label: qsTr("diag.section.tests") },
                    { name: "faults", label: qsTr("diag.section.faults") },
                    { name: "frames", label: qsTr("diag.section.frames") }
                ]
                delegate: KioskButton {
                    required property var modelData
                    objectName: "diagnosticsSection_" + modelData.name
                    primary: diagnosticsModel.section === modelData.name
                    text: modelData.label
                    font.pixelSize: diagnostics.fontHead
                    implicitWidth: 170
                    implicitHeight: 72
                    onClicked: diagnosticsModel.showSection(modelData.name)
                }
            }
            KioskButton {
                objectName: "diagnosticsClose"
                primary: false
                text: qsTr("diag.close")
                font.pixelSize: diagnostics.fontHead
                implicitWidth: 150
                implicitHeight: 72
                onClicked: diagnosticsModel.cancel()
            }
        }

        KioskLabel {
            objectName: "diagnosticsStatusError"
            visible: diagnosticsModel.statusError !== ""
            text: qsTr("diag.status_error").arg(diagnosticsModel.statusError)
            font.pixelSize: diagnostics.fontRow
            font.bold: true
            color: theme.problemBorder
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }

        // An open staff call (the call-staff button): one button takes it, in the signed-in
        // technician's name; the lamp goes out and the status bar's line goes away.
        Rectangle {
            objectName: "diagnosticsStaffCall"
            visible: staffCallModel.open
            radius: 8
            color: theme.warningBackground
            border.color: theme.warningBorder
            border.width: 2
            implicitHeight: staffCallRow.implicitHeight + 16
            Layout.fillWidth: true

            RowLayout {
                id: staffCallRow
                anchors.fill: parent
                anchors.margins: 8
                spacing: 12
                KioskLabel {
                    objectName: "diagnosticsStaffCallText"
                    text: qsTr("diag.staff_call").arg(staffCallModel.calledAt)
                    font.pixelSize: diagnostics.fontHead
                    font.bold: true
                    color: theme.text
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskButton {
                    objectName: "diagnosticsStaffCallAcknowledge"
                    text: qsTr("diag.staff_call.acknowledge")
                    font.pixelSize: diagnostics.fontHead
                    implicitWidth: 300  // 対応（たいおう）しました on one line
                    implicitHeight: 64
                    onClicked: diagnosticsModel.acknowledgeStaffCall()
                }
            }
        }

        StackLayout {
            currentIndex: diagnostics.sections.indexOf(diagnosticsModel.section)
            Layout.fillWidth: true
            Layout.fillHeight: true

            // -- overview: devices on the left, the kiosk on the right -----------------------
            RowLayout {
                spacing: 20

                ListView {
                    objectName: "diagnosticsDevices"
                    clip: true
                    spacing: 6
                    model: diagnosticsModel.deviceList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    Layout.preferredWidth: 6
                    delegate: Rectangle {
                        id: deviceRow
                        required property string name
                        required property string label
                        required property string health
                        required property string stateText
                        required property string reason
                        required property string detail
                        required property string since
                        objectName: "diagnosticsDevice_" + name
                        width: ListView.view.width
                        implicitHeight: deviceColumn.implicitHeight + 16
                        radius: 8
                        color: theme.surface
                        border.color: theme.border
                        Rectangle {
                            width: 10
                            height: parent.height
                            radius: 4
                            color: diagnostics.stateColor(deviceRow.health)
                        }
                        ColumnLayout {
                            id: deviceColumn
                            anchors.left: parent.left
                            anchors.right: parent.right
                            anchors.verticalCenter: parent.verticalCenter
                            anchors.leftMargin: 22
                            anchors.rightMargin: 12
                            spacing: 2
                            RowLayout {
                                spacing: 12
                                Layout.fillWidth: true
                                KioskLabel {
                                    text: deviceRow.label
                                    font.pixelSize: diagnostics.fontHead
                                    font.bold: true
                                    color: theme.text
                                    Layout.preferredWidth: 230
                                    elide: Text.ElideRight
                                }
                                KioskLabel {
                                    objectName: "diagnosticsDeviceState_" + deviceRow.name
                                    text: deviceRow.stateText
                                    font.pixelSize: diagnostics.fontHead
                                    font.bold: true
                                    color: diagnostics.stateColor(deviceRow.health)
                                    Layout.preferredWidth: 100
                                }
                                KioskLabel {
                                    objectName: "diagnosticsDeviceSince_" + deviceRow.name
                                    text: qsTr("diag.since").arg(deviceRow.since)
                                    font.pixelSize: diagnostics.fontRow
                                    color: theme.textMuted
                                    elide: Text.ElideRight
                                    Layout.fillWidth: true
                                }
                            }
                            KioskLabel {
                                objectName: "diagnosticsDeviceReason_" + deviceRow.name
                                visible: deviceRow.reason !== "" || deviceRow.detail !== ""
                                text: [deviceRow.reason, deviceRow.detail].filter(t => t !== "").join("  ")
                                font.pixelSize: diagnostics.fontRow
                                color: theme.text
                                wrapMode: Text.Wrap
                                maximumLineCount: 2
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                        }
                    }
                }

                ColumnLayout {
                    spacing: 8
                    Layout.fillHeight: true
                    Layout.fillWidth: true
                    Layout.preferredWidth: 5
                    Layout.alignment: Qt.AlignTop

                    Repeater {
                        model: diagnosticsModel.summaryList
                        delegate: ColumnLayout {
                            id: summaryRow
                            required property string key
                            required property string label
                            required property string value
                            required property string tone
                            objectName: "diagnosticsSummary_" + key
                            spacing: 0
                            Layout.fillWidth: true
                            KioskLabel {
                                text: summaryRow.label
                                font.pixelSize: 18
                                color: theme.textMuted
                                Layout.fillWidth: true
                            }
                            KioskLabel {
                                objectName: "diagnosticsSummaryValue_" + summaryRow.key
                                text: summaryRow.value
                                font.pixelSize: diagnostics.fontRow
                                font.bold: summaryRow.tone !== ""
                                color: summaryRow.tone === "problem" ? theme.problemBorder
                                     : summaryRow.tone === "warning" ? theme.warningBorder
                                     : theme.text
                                wrapMode: Text.WrapAnywhere
                                maximumLineCount: 2
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                        }
                    }
                    Item { Layout.fillHeight: true }
                }
            }

            // -- self-tests -----------------------------------------------------------------------
            ColumnLayout {
                spacing: 10

                // What a running test asks of the person at the kiosk (scan this code, open door 7).
                Rectangle {
                    objectName: "diagnosticsPrompt"
                    visible: diagnosticsModel.promptActive
                    Layout.fillWidth: true
                    implicitHeight: promptRow.implicitHeight + 24
                    radius: theme.radius
                    color: theme.warningBackground
                    border.color: theme.warningBorder
                    border.width: 3
                    RowLayout {
                        id: promptRow
                        anchors.fill: parent
                        anchors.margins: 12
                        spacing: 20
                        Image {
                            objectName: "diagnosticsPromptQr"
                            visible: diagnosticsModel.promptQr !== ""
                            source: diagnosticsModel.promptQr
                            sourceSize.width: 240
                            sourceSize.height: 240
                            Layout.preferredWidth: 240
                            Layout.preferredHeight: 240
                            fillMode: Image.PreserveAspectFit
                            smooth: false
                        }
                        KioskLabel {
                            objectName: "diagnosticsPromptText"
                            text: diagnosticsModel.promptText
                            font.pixelSize: 28
                            font.bold: true
                            color: theme.text
                            wrapMode: Text.Wrap
                            Layout.fillWidth: true
                        }
                        KioskButton {
                            objectName: "diagnosticsCancelTest"
                            visible: diagnosticsModel.canCancel
                            primary: false
                            text: qsTr("keypad.cancel")
                            font.pixelSize: diagnostics.fontHead
                            implicitWidth: 160
                            implicitHeight: 72
                            onClicked: diagnosticsModel.cancelSelfTest()
                        }
                    }
                }

                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    KioskLabel {
                        anchors.centerIn: parent
                        visible: testsView.count === 0
                        text: qsTr("diag.test.none")
                        font.pixelSize: diagnostics.fontHead
                        color: theme.textMuted
                    }
                    ListView {
                        id: testsView
                        objectName: "diagnosticsTests"
                        anchors.fill: parent
                        clip: true
                        spacing: 8
                        model: diagnosticsModel.testList
                        delegate: Rectangle {
                            id: testRow
                            required property string device
                            required property string name
                            required property string title
                            required property bool needsPerson
                            required property string result
                            required property string stateText
                            required property string measured
                            required property string detail
                            objectName: "diagnosticsTest_" + device + "_" + name
                            width: ListView.view.width
                            implicitHeight: Math.max(testColumn.implicitHeight, runButton.implicitHeight) + 16
                            radius: 8
                            color: theme.surface
                            border.color: theme.border
                            Rectangle {
                                width: 10
                                height: parent.height
                                radius: 4
                                color: diagnostics.stateColor(testRow.result)
                            }
                            RowLayout {
                                anchors.fill: parent
                                anchors.leftMargin: 22
                                anchors.rightMargin: 12
                                spacing: 16
                                ColumnLayout {
                                    id: testColumn
                                    spacing: 2
                                    Layout.fillWidth: true
                                    RowLayout {
                                        spacing: 12
                                        Layout.fillWidth: true
                                        KioskLabel {
                                            text: testRow.title
                                            font.pixelSize: diagnostics.fontHead
                                            font.bold: true
                                            color: theme.text
                                        }
                                        KioskLabel {
                                            visible: testRow.needsPerson
                                            text: qsTr("diag.test.needs_person")
                                            font.pixelSize: 18
                                            color: theme.warningBorder
                                        }
                                        KioskLabel {
                                            objectName: "diagnosticsTestState_" + testRow.device + "_" + testRow.name
                                            text: testRow.stateText
                                            font.pixelSize: diagnostics.fontHead
                                            font.bold: true
                                            color: diagnostics.stateColor(testRow.result)
                                        }
                                        Item { Layout.fillWidth: true }
                                    }
                                    KioskLabel {
                                        objectName: "diagnosticsTestMeasured_" + testRow.device + "_" + testRow.name
                                        visible: testRow.measured !== ""
                                        text: qsTr("diag.test.measured").arg(testRow.measured)
                                        font.pixelSize: diagnostics.fontRow
                                        color: theme.text
                                        wrapMode: Text.WrapAnywhere
                                        Layout.fillWidth: true
                                    }
                                    KioskLabel {
                                        visible: testRow.detail !== ""
                                        text: testRow.detail
                                        font.pixelSize: diagnostics.fontRow
                                        color: theme.textMuted
                                        wrapMode: Text.Wrap
                                        maximumLineCount: 2
                                        elide: Text.ElideRight
                                        Layout.fillWidth: true
                                    }
                                }
                                KioskButton {
                                    id: runButton
                                    objectName: "diagnosticsRun_" + testRow.device + "_" + testRow.name
                                    text: qsTr("diag.test.run")
                                    font.pixelSize: diagnostics.fontHead
                                    implicitWidth: 160
                                    implicitHeight: 72
                                    enabled: !diagnosticsModel.testRunning
                                    opacity: enabled ? 1.0 : 0.4
                                    onClicked: diagnosticsModel.runSelfTest(testRow.device, testRow.name)
                                }
                            }
                        }
                    }
                }
            }

            // -- counters and recent faults ---------------------------------------------------
            RowLayout {
                spacing: 20

                ColumnLayout {
                    spacing: 4
                    Layout.fillHeight: true
                    Layout.fillWidth: false
                    Layout.preferredWidth: 380
                    Layout.maximumWidth: 380
                    Layout.alignment: Qt.AlignTop
                    KioskLabel {
                        text: qsTr("diag.counters")
                        font.pixelSize: diagnostics.fontHead
                        font.bold: true
                        color: theme.text
                    }
                    ListView {
                        objectName: "diagnosticsCounters"
                        clip: true
                        spacing: 2
                        model: diagnosticsModel.counterList
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        delegate: RowLayout {
                            id: counterRow
                            required property string name
                            required property string label
                            required property string value
                            objectName: "diagnosticsCounter_" + name
                            width: ListView.view.width
                            spacing: 12
                            KioskLabel {
                                text: counterRow.label
                                font.pixelSize: diagnostics.fontRow
                                color: theme.textMuted
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                            KioskLabel {
                                objectName: "diagnosticsCounterValue_" + counterRow.name
                                text: counterRow.value
                                font.pixelSize: diagnostics.fontRow
                                font.bold: true
                                color: theme.text
                            }
                        }
                    }
                }

                ColumnLayout {
                    spacing: 4
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    KioskLabel {
                        text: qsTr("diag.recent_faults")
                        font.pixelSize: diagnostics.fontHead
                        font.bold: true
                        color: theme.text
                    }
                    KioskLabel {
                        visible: faultsView.count === 0
                        text: qsTr("diag.no_faults")
                        font.pixelSize: diagnostics.fontRow
                        color: theme.textMuted
                    }
                    ListView {
                        id: faultsView
                        objectName: "diagnosticsFaults"
                        clip: true
                        spacing: 4
                        model: diagnosticsModel.faultList
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        delegate: ColumnLayout {
                            id: faultRow
                            required property string device
                            required property string label
                            required property string health
                            required property string stateText
                            required property string reason
                            required property string detail
                            required property string since
                            width: ListView.view.width
                            spacing: 0
                            RowLayout {
                                spacing: 12
                                Layout.fillWidth: true
                                KioskLabel {
                                    text: faultRow.since
                                    font.pixelSize: diagnostics.fontRow
                                    color: theme.textMuted
                                }
                                KioskLabel {
                                    text: faultRow.label
                                    font.pixelSize: diagnostics.fontRow
                                    font.bold: true
                                    color: theme.text
                                }
                                KioskLabel {
                                    text: faultRow.stateText
                                    font.pixelSize: diagnostics.fontRow
                                    font.bold: true
                                    color: diagnostics.stateColor(faultRow.health)
                                }
                                Item { Layout.fillWidth: true }
                            }
                            KioskLabel {
                                text: [faultRow.reason, faultRow.detail].filter(t => t !== "").join("  ")
                                font.pixelSize: 18
                                color: theme.text
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                                Layout.bottomMargin: 6
                            }
                        }
                    }
                }
            }

            // -- the flight recorder: the last frames on each device's wire ---------------------
            ColumnLayout {
                spacing: 4
                KioskLabel {
                    text: qsTr("diag.frames_hint")
                    font.pixelSize: 18
                    color: theme.textMuted
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                KioskLabel {
                    visible: framesView.count === 0
                    text: qsTr("diag.no_frames")
                    font.pixelSize: diagnostics.fontRow
                    color: theme.textMuted
                }
                ListView {
                    id: framesView
                    objectName: "diagnosticsFrames"
                    clip: true
                    spacing: 2
                    model: diagnosticsModel.frameList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    delegate: RowLayout {
                        id: frameRow
                        required property string label
                        required property string at
                        required property string direction
                        required property string hex
                        width: ListView.view.width
                        spacing: 12
                        KioskLabel {
                            text: frameRow.label
                            font.pixelSize: 18
                            font.bold: true
                            color: theme.text
                            Layout.preferredWidth: 110
                            elide: Text.ElideRight
                        }
                        KioskLabel {
                            text: frameRow.at
                            font.pixelSize: 18
                            color: theme.textMuted
                            Layout.preferredWidth: 240
                        }
                        KioskLabel {
                            text: frameRow.direction
                            font.pixelSize: 18
                            font.bold: true
                            color: theme.primary
                            Layout.preferredWidth: 24
                        }
                        KioskLabel {
                            text: frameRow.hex
                            font.family: "IPAGothic"  // fixed width: the bytes line up
                            font.pixelSize: 18
                            color: theme.text
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                        }
                    }
                }
            }
        }
    }
}
