"""`nanguard server`: the language server, over stdio (what editors use), TCP or WebSocket."""

from __future__ import annotations

import argparse
import logging
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2087


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanguard server",
        description="Run the nanguard language server. It speaks LSP over stdio unless --tcp or --ws is given; "
        "editors start it as `nanguard server` (see docs/editors.md).",
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    transport.add_argument("--tcp", action="store_true", help="listen for one client on a TCP socket")
    transport.add_argument("--ws", action="store_true", help="listen on a WebSocket (needs the `websockets` package)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address for --tcp/--ws (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port for --tcp/--ws (default {DEFAULT_PORT})")
    parser.add_argument(
        "--log-level",
        choices=("error", "warning", "info", "debug"),
        default="warning",
        help="detail of the log written to stderr (default warning)",
    )
    return parser


def main(argv: list[str]) -> int:
    """Run the server until the client says exit; 0 if it asked for shutdown first, else 1."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help, or a usage error argparse has printed
        return exit_request.code if isinstance(exit_request.code, int) else 2
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="nanguard: %(levelname)s %(name)s: %(message)s")
    if args.ws:
        try:
            import websockets  # noqa: F401
        except ImportError:
            print("nanguard server: --ws needs the `websockets` package: pip install 'nanguard[ws]'", file=sys.stderr)
            return 2

    from nanguard.lsp.server import server

    if args.tcp:
        server.start_tcp(args.host, args.port)
    elif args.ws:
        server.start_ws(args.host, args.port)
    else:
        server.start_io()
    return 0 if server.session.shutdown_requested else 1
