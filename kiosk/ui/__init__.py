"""The kiosk's touch screen: Qt Quick layouts in ``qml/`` and the view-models behind them.

QML holds layout only; every state lives in a view-model (``view_models.py``,
``service_list.py``, ``status.py``). ``window.build_ui`` wires them together for the
composition root.
"""
