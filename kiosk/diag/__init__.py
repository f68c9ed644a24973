"""The ``kiosk diag`` commands, one module per command group.

:mod:`kiosk.diag_cli` builds the parser and dispatches; the commands live here:

- :mod:`.status`: ``status``, every device's health (and :func:`~.status.status_lines`);
- :mod:`.self_tests`: ``test DEVICE``, one device's self-test (and
  :func:`~.self_tests.result_lines`);
- :mod:`.bundle`: ``bundle OUT.tar.gz``, the support bundle;
- :mod:`.console`: the technician's commands of before, ``print-test`` and
  ``locker status|open DOOR``.

What they share: :mod:`.context` (the setup a command runs with, exit statuses, output, the
seams tests replace), :mod:`.devices` (opening one device at a time) and :mod:`.audit` (where a
door fired from the shell is audited).

NOTE: nothing is imported here: ``kiosk run`` builds the diag parser, and its cold start must
not pay for the commands.
"""
