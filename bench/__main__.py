"""Run every benchmark in turn: ``.venv/bin/python -m bench`` (``make bench``)."""

from __future__ import annotations

import importlib

BENCHMARKS = (
    "ticket_bytes",
    "tap_to_print",
    "startup_idle",
    "scan_latency",
    "scan_to_screen",
    "qr_decoders",
    "outbox_rates",
    "blob_transfer",
    "pin_verifier",
    "config_models",
    "jws_libraries",
    "json_schema",
    "fleet",
)
# bench.idle_soak (the kiosk idle on every simulator for an hour: RSS, file descriptors and
# threads must stay flat) runs on its own: python -m bench.idle_soak [--minutes N]


def main() -> None:
    for name in BENCHMARKS:
        print(f"== bench.{name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
        print(flush=True)


if __name__ == "__main__":
    main()
