"""Translations: one catalogue per language, shared by the screens (qsTr) and the tickets."""

from kiosk.i18n.catalog import Catalog, load_catalogs

__all__ = ["Catalog", "load_catalogs"]
