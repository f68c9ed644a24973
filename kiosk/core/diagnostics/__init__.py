"""Diagnostics for technicians: the kiosk's status, self-tests per device, a bundle.

``model`` holds what a report and a self-test result are and the ``Diagnostics`` Protocol
that the screen (kiosk/ui), the shell (``kiosk diag``) and the server (``diag.run``) use.
"""
