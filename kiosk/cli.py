"""The ``kiosk`` command.

kiosk run [--config FILE] [--windowed]        the kiosk (production; systemd starts this)
kiosk demo [--broker URL] [--printer URL] …   the kiosk on simulated devices
kiosk config check FILE                       validate a config file
kiosk diag status [--json] [--printer URL] …  every device's health, link, disk, clock, counters
kiosk diag test DEVICE [--name TEST] [--json] a device's self-test (pass or fail, what it measured)
kiosk diag bundle OUT.tar.gz                  logs, health, counters, frames, config (no secrets)
kiosk diag print-test [--printer URL]         print a test ticket, report printer health
kiosk diag locker status|open DOOR            the locker's doors; fire one lock (audited)
kiosk photo check|crop|sheet …                ID photo rules (``kiosk photo --help``)
kiosk token [--service ID] [--qr]             a demo booking token (demo key)
kiosk pin-verifier                            the verifier of a staff PIN
kiosk sim printer|scanner|locker|camera|central|fleet …   simulators (each has --help)

``--config`` and ``--log-level`` go before or after the command. Exit status: 0 ok; 1 the
action failed or a device is not ok (degraded, fault, unknown); 2 usage or config error.
``kiosk diag`` works without a config file (a bench with ``--printer URL`` …): see
:mod:`kiosk.diag_cli`.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import sys
from pathlib import Path

from kiosk import __version__
from kiosk.config import DEFAULT_CONFIG_PATH, load_config, read_config_document
from kiosk.devices.url import check_device_url, parse_device_url
from kiosk.diag_cli import add_diag_parser
from kiosk.errors import ConfigError, KioskError, StoreError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

EXIT_STATUS_HELP = (
    "exit status: 0 ok; 1 the action failed or a device is not ok (degraded, fault or "
    "unknown); 2 usage or config error"
)
DELEGATED = ("photo", "token", "pin-verifier", "sim")
"""Commands whose arguments (``--help`` too) go to the parser of the module that runs them."""


def _common_options(*, config: bool) -> argparse.ArgumentParser:
    """``--log-level`` (and ``--config``) accepted after the command too.

    NOTE: the default is SUPPRESS, so an option not given after the command keeps the value
    given (or defaulted) before it: ``kiosk --config F run`` and ``kiosk run --config F``.
    """
    parent = argparse.ArgumentParser(add_help=False)
    if config:
        parent.add_argument(
            "--config",
            type=Path,
            default=argparse.SUPPRESS,
            help=f"config file (default {DEFAULT_CONFIG_PATH})",
        )
    parent.add_argument("--log-level", default=argparse.SUPPRESS, help="DEBUG, INFO, WARNING…")
    return parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Lobby kiosk controller", epilog=EXIT_STATUS_HELP
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    # NOTE: None, not the default path: `kiosk diag` tells a --config that does not exist
    # (an error) from no --config on a bench without /etc/kiosk/kiosk.toml (defaults).
    parser.add_argument(
        "--config", type=Path, default=None, help=f"config file ({DEFAULT_CONFIG_PATH})"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING… (default INFO; the demo: WARNING on the terminal, INFO in "
        "its log file)",
    )
    with_config = [_common_options(config=True)]
    without_config = [_common_options(config=False)]
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", parents=with_config, help="run the kiosk with the configured devices"
    )
    run.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    # For benchmarks: print a line when the first frame is on screen.
    run.add_argument("--announce-ready", action="store_true", help=argparse.SUPPRESS)

    demo = sub.add_parser(
        "demo",
        parents=without_config,
        help="run the kiosk on simulated devices",
        epilog="exit status: 0 when stopped (window closed, Ctrl-C, SIGTERM); 1 failed to start",
    )
    demo.add_argument("--broker", help="use this broker (mqtt://host:port) instead of our own")
    demo.add_argument("--printer", help="use this printer URL instead of the simulator")
    demo.add_argument("--scanner", help="use this scanner URL (e.g. socket://host:7000)")
    demo.add_argument("--locker", help="use this locker URL (e.g. serial:///dev/kiosk-locker)")
    demo.add_argument("--state-dir", type=Path, help="where the demo keeps its state")
    demo.add_argument("--fullscreen", action="store_true", help="full screen, as on a kiosk")
    demo.add_argument("--quit-after", type=float, help=argparse.SUPPRESS)

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser(
        "check",
        parents=without_config,
        help="validate a config file",
        epilog="exit status: 0 valid; 2 not valid (the message names the key and the value)",
    )
    check.add_argument("file", type=Path)

    add_diag_parser(sub, with_config, EXIT_STATUS_HELP)

    photo = sub.add_parser(
        "photo", add_help=False, help="check or crop an ID photo against a rule set"
    )
    photo.add_argument("args", nargs=argparse.REMAINDER)

    token = sub.add_parser(
        "token",
        add_help=False,
        help="print a demo booking token signed with the key kiosk demo trusts",
    )
    token.add_argument("args", nargs=argparse.REMAINDER)

    pin = sub.add_parser(
        "pin-verifier",
        add_help=False,
        help="make the verifier of a staff PIN for [handover] staff_pins",
    )
    pin.add_argument("args", nargs=argparse.REMAINDER)

    sim = sub.add_parser("sim", help="device and server simulators")
    sim_sub = sim.add_subparsers(dest="sim_command", required=True, metavar="DEVICE")
    for name, what in (
        ("printer", "ESC/POS printer simulator on TCP"),
        ("scanner", "serial code-scanner simulator on TCP"),
        ("locker", "lock-control board chain on TCP"),
        ("camera", "camera simulator (a photo-booth session)"),
        ("fleet", "many simulated kiosks on one broker"),
        ("central", "central-server simulator"),
    ):
        # NOTE: no help here: `kiosk sim printer --help` reaches the simulator's own parser.
        device = sim_sub.add_parser(name, add_help=False, help=what)
        device.add_argument("args", nargs=argparse.REMAINDER)
    return parser


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _log_level(name: str) -> int:
    level = getattr(logging, name.upper(), None)
    return level if isinstance(level, int) else logging.INFO


def _demo_logging(args: argparse.Namespace) -> None:
    """The demo: warnings on the terminal (unless --log-level), everything in ``demo.log``.

    NOTE: the lines that say where everything is were lost in some sixty INFO lines a run.
    """
    from kiosk.demo import DEMO_LOG, default_state_dir

    state_dir: Path = args.state_dir or default_state_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    terminal = logging.StreamHandler()
    terminal.setLevel(_log_level(args.log_level or "WARNING"))
    log_file = logging.FileHandler(state_dir / DEMO_LOG, mode="w", encoding="utf-8")
    log_file.setLevel(min(logging.INFO, terminal.level))
    logging.basicConfig(
        level=min(terminal.level, log_file.level), format=LOG_FORMAT, handlers=[terminal, log_file]
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    # A crash in Qt or a C extension then leaves every thread's Python stack on stderr (the
    # journal under systemd) instead of a bare "exit -11".
    if sys.stderr is not None and not faulthandler.is_enabled():
        faulthandler.enable()
    # `kiosk sim DEVICE …` hands the rest of the line to the simulator's own parser.
    args, extra = _parser().parse_known_args(argv)
    if extra and args.command not in DELEGATED:
        _parser().error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command in DELEGATED:
        # NOTE: options before the first positional land in `extra`, the rest (from that
        # positional on) in the REMAINDER `args`: joined, they are the line as typed.
        args.args = [*extra, *args.args]
    if args.command == "demo":
        _demo_logging(args)
    else:
        logging.basicConfig(level=_log_level(args.log_level or "INFO"), format=LOG_FORMAT)
    try:
        return _dispatch(args)
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "config":
        config = load_config(args.file)
        print(
            f"{args.file}: ok (kiosk {config.kiosk_id}, office {config.office}, "
            f"{len(config.services)} services, printer {config.printer.url})"
        )
        return EXIT_OK
    if args.command == "sim":
        return _sim(args)
    if args.command == "photo":
        from kiosk.photo_cli import main as photo_main

        return photo_main([a for a in args.args if a != "--"])
    if args.command == "pin-verifier":
        from kiosk.pin_cli import main as pin_main

        return pin_main([a for a in args.args if a != "--"])
    if args.command == "token":
        # Demo tooling lives with the simulators (the booking system), not in the kiosk.
        from simulators.booking_system.cli import main as token_main

        return token_main([a for a in args.args if a != "--"])
    # NOTE: a device URL given on the command line is checked like one in the config file.
    for device in ("printer", "scanner", "locker"):
        url = getattr(args, device, None)
        if url:
            check_device_url(parse_device_url(url, default_port=9100), device)
    if args.command == "demo":
        from kiosk.demo import DemoOptions, default_state_dir, run_demo

        return run_demo(
            DemoOptions(
                state_dir=args.state_dir or default_state_dir(),
                broker=args.broker,
                printer=args.printer,
                scanner=args.scanner,
                locker=args.locker,
                windowed=not args.fullscreen,
                quit_after_s=args.quit_after,
            )
        )
    if args.command == "diag":
        from kiosk.diag_cli import run_diag

        return run_diag(args)
    args.config = args.config or DEFAULT_CONFIG_PATH
    if args.command == "run":
        from kiosk.app import RunOptions, run_kiosk, run_store_failure
        from kiosk.services import build_services
        from kiosk.systemd_notify import SystemdNotifier

        announce = (lambda: print("first-frame", flush=True)) if args.announce_ready else None
        options = RunOptions(windowed=args.windowed, on_ready=announce)
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            if not SystemdNotifier().enabled:
                raise  # from a shell: the message and exit 2 say it best
            # NOTE: under systemd an exit restarts the kiosk and five failed starts reboot
            # the machine, in a loop (a config left from before an upgrade, a demo key):
            # out of service with the reason instead, the watchdog fed.
            from kiosk.config import unconfigured_kiosk_config
            from kiosk.ui.store_failure import CONFIG_REFUSED_KEY

            log.error("the configuration is refused: %s", exc)
            return run_store_failure(
                unconfigured_kiosk_config(), exc, options, key=CONFIG_REFUSED_KEY
            )
        try:
            services = build_services(
                config, document=read_config_document(args.config), base_dir=args.config.parent
            )
        except StoreError as exc:
            # NOTE: no exit: systemd would restart the kiosk and reboot after five tries.
            log.error("the kiosk cannot open its state: %s", exc)
            return run_store_failure(config, exc, options)
        return run_kiosk(services.config, services, options)
    raise AssertionError(args.command)  # pragma: no cover - argparse limits the choices


def _sim(args: argparse.Namespace) -> int:
    rest = [a for a in args.args if a != "--"]
    if args.sim_command == "printer":
        from simulators.printer.__main__ import main as printer_main

        return printer_main(rest)
    if args.sim_command == "locker":
        from simulators.locker.__main__ import main as locker_main

        return locker_main(rest)
    if args.sim_command == "camera":
        from simulators.camera.__main__ import main as camera_main

        return camera_main(rest)
    if args.sim_command == "fleet":
        from simulators.fleet.__main__ import main as fleet_main

        return fleet_main(rest)
    if args.sim_command == "scanner":
        from simulators.scanner.__main__ import main as scanner_main

        return scanner_main(rest)
    from simulators.central.__main__ import main as central_main

    return central_main(rest)
