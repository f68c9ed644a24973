// Every text on the kiosk's screens: a Label that shows its text as it is, never as markup.
// NOTE: a plain Label reads text that looks like HTML as rich text (Text.AutoText), so a
// service name from the server such as <img src="http://..."> would make the screen fetch that
// URL. Names, case numbers and reasons come from config, the server and scans: use this, not
// Label or Text (tests/ui/test_plain_text.py walks every screen and fails on any other).
import QtQuick
import QtQuick.Controls.Basic

Label {
    textFormat: Text.PlainText
}
