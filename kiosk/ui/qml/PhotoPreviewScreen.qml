// ID photo: the live camera image with the outline to fit into, the guidance and the countdown.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Shapes

Item {
    objectName: "photoPreviewScreen"

    Rectangle {
        id: frameBox
        objectName: "photoFrameBox"
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.margins: 24
        // NOTE: in large text the guidance beside gets half the width: at two thirds its
        // column was narrower than the title's one word (「証明写/真」).
        width: Math.min(height * 16 / 9, parent.width * (theme.largeText ? 0.5 : 0.66))
        color: "#20262E"
        radius: theme.radius
        clip: true

        Image {
            id: liveImage
            objectName: "photoLive"
            anchors.fill: parent
            source: photoModel.frameSource
            cache: false
            asynchronous: false
            fillMode: Image.PreserveAspectFit
        }
        // The outline the head should fill (share of the frame, from the view-model).
        Shape {
            id: oval
            objectName: "photoOval"
            readonly property real frameW: liveImage.paintedWidth > 0 ? liveImage.paintedWidth : frameBox.width
            readonly property real frameH: liveImage.paintedHeight > 0 ? liveImage.paintedHeight : frameBox.height
            width: frameW * photoModel.ovalWidth
            height: frameH * photoModel.ovalHeight
            x: (frameBox.width - frameW) / 2 + frameW * photoModel.ovalX - width / 2
            y: (frameBox.height - frameH) / 2 + frameH * photoModel.ovalY - height / 2
            preferredRendererType: Shape.CurveRenderer
            ShapePath {
                strokeColor: photoModel.guidanceOk ? "#3CCB5A" : "#FFFFFF"
                strokeWidth: 6
                strokeStyle: photoModel.guidanceOk ? ShapePath.SolidLine : ShapePath.DashLine
                dashPattern: [4, 3]
                fillColor: "transparent"
                PathAngleArc {
                    centerX: oval.width / 2
                    centerY: oval.height / 2
                    radiusX: oval.width / 2
                    radiusY: oval.height / 2
                    startAngle: 0
                    sweepAngle: 360
                }
            }
        }
        Rectangle {
            objectName: "photoCountdown"
            visible: photoModel.countdown > 0
            // In the corner, not over the face: the person watches the outline.
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.margins: 24
            width: 180
            height: 180
            radius: 90
            color: "#B0000000"
            KioskLabel {
                anchors.centerIn: parent
                text: photoModel.countdown
                font.pixelSize: 120
                font.bold: true
                color: "#FFFFFF"
            }
        }
    }

    ColumnLayout {
        anchors.left: frameBox.right
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.margins: 24
        spacing: 24

        KioskLabel {
            text: qsTr("photo.preview.title")
            font.pixelSize: theme.fontTitle
            font.bold: true
            color: theme.text
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: guidanceText.implicitHeight + 48
            radius: theme.radius
            color: photoModel.guidanceOk ? theme.successBackground : theme.infoBackground
            border.color: photoModel.guidanceOk ? theme.successBorder : theme.primary
            border.width: 4
            // In large text a phrase wider than the box (「かからないように」) makes the text
            // smaller rather than break inside it.
            PhraseFitLabel {
                id: guidanceText
                objectName: "photoGuidance"
                anchors.fill: parent
                anchors.margins: 24
                text: photoModel.countdown > 0 ? qsTr("photo.countdown").arg(photoModel.countdown)
                                               : qsTr(photoModel.guidanceKey)
                textSize: theme.fontLarge
                font.bold: true
                color: theme.text
                verticalAlignment: Text.AlignVCenter
            }
        }
        Item { Layout.fillHeight: true }
        KioskButton {
            objectName: "photoCancelButton"
            primary: false
            text: qsTr("photo.preview.cancel")
            Layout.fillWidth: true
            Layout.preferredHeight: theme.minTouchHeight
            onClicked: photoModel.done()
        }
    }
}
