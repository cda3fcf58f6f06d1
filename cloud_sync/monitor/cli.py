"""``central-monitor``: the command line of the central monitor.

central-monitor run --broker mqtt.example.org:8883 --tls-ca ca.pem --db sqlite:///centre.db
central-monitor dashboard --db postgresql://monitor@db/centre --http 0.0.0.0:8090
central-monitor push-policy --gateway gw-riverside --policy fever.json --key centre.pem
central-monitor gateways add gw-riverside --community Riverside --db sqlite:///centre.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cloud_sync.monitor import gateways_cli, users_cli
from cloud_sync.monitor.distribution import cli as distribution_cli
from cloud_sync.monitor.errors import MonitorError, PolicyPushError
from firmware_interfaces.extras import MissingExtraError

log = logging.getLogger("cloud_sync.monitor")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
#: not the gateway page's 8080: a gateway and a monitor often share a machine (the demo does)
DEFAULT_HTTP_PORT = 8090

DESCRIPTION = """\
The central monitor of the community checkpoint gateways.

It subscribes to the central MQTT broker (topics ccg/v1/<gateway>/...), stores the latest
revision of everything each gateway reports (screening windows, stock, alerts, device health,
heartbeats) in SQLite or PostgreSQL, marks gateways online/offline from their birth and death
messages and keep-alive, and serves a dashboard, a REST API (/api/...), /metrics and /healthz.
"""

EPILOG = """\
examples:
  central-monitor run --broker 127.0.0.1:1883 --db sqlite:///centre.db --http 127.0.0.1:8090
  central-monitor run --broker broker:8883 --tls-ca ca.pem --username centre \\
      --password-file /run/secrets/mqtt --db postgresql://monitor@db/centre --share-group centre
  central-monitor push-policy --broker 127.0.0.1:1883 --gateway gw-riverside \\
      --policy fever-37.5.json --key centre-policy.pem
"""


def _host_port(text: str, default_port: int) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:  # no port given (or a bare IPv6 address)
        host, port = text, str(default_port)
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST or HOST:PORT")
    return host, int(port)


def _broker_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("MQTT broker")
    group.add_argument(
        "--broker",
        default="127.0.0.1:1883",
        metavar="HOST[:PORT]",
        help="the central broker (default %(default)s; port 8883 when --tls-ca is given)",
    )
    group.add_argument("--tls-ca", type=Path, metavar="FILE", help="CA bundle: use TLS")
    group.add_argument("--tls-cert", type=Path, metavar="FILE", help="client certificate")
    group.add_argument("--tls-key", type=Path, metavar="FILE", help="client private key")
    group.add_argument(
        "--tls-insecure-hostname",
        action="store_true",
        help="do not check the broker's host name (test brokers only)",
    )
    group.add_argument("--username", help="MQTT user name")
    group.add_argument(
        "--password-file", type=Path, metavar="FILE", help="file holding the MQTT password"
    )
    group.add_argument("--client-id", default="", help="MQTT client id (default: a unique one)")


def _db_option(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--db",
        default=default,
        metavar="URL",
        help="sqlite:///FILE (relative), sqlite:////ABS/FILE or postgresql://USER@HOST/DB"
        "[?schema=NAME]" + (" (default %(default)s)" if default else ""),
    )


def _language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--language",
        default="auto",
        metavar="TAG",
        help="the dashboard's language for everyone: zh-CN or en; 'auto' (default) follows each"
        " browser",
    )


def _http_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--http",
        default=default,
        metavar="HOST:PORT",
        help="where to serve the dashboard, REST API and /metrics (default %(default)s);"
        " 'off' for none",
    )


def _version() -> str:
    try:
        return f"central-monitor {metadata.version('community-checkpoint-gateway')}"
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "central-monitor (version unknown: not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="central-monitor",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="subscribe, store and serve the dashboard",
        description="Subscribe to the broker, store every gateway's reports, serve the "
        "dashboard, REST API and /metrics. Runs until interrupted.",
    )
    _broker_options(run)
    _db_option(run, "sqlite:///central-monitor.db")
    users_cli.login_options(run)
    distribution_cli.signing_options(run, sender=True)
    _http_option(run, f"127.0.0.1:{DEFAULT_HTTP_PORT}")
    _language_option(run)
    run.add_argument(
        "--share-group",
        metavar="NAME",
        help="share the load with other monitors: subscribe as $share/NAME/... (MQTT 5)",
    )
    run.add_argument(
        "--session-expiry",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="the broker keeps queuing for this monitor this long while its link is down, so a"
        " reconnect loses nothing (with --client-id, a restart neither); 0 starts afresh"
        " (default %(default)s)",
    )
    run.add_argument(
        "--topic", default="ccg/#", help="topic filter to subscribe to (default %(default)s)"
    )
    run.add_argument(
        "--unknown-gateways",
        choices=["hold", "refuse"],
        default="hold",
        help="a gateway nobody registered (see 'gateways add'): hold its figures apart, shown"
        " as unregistered and never in a community, or refuse its messages (default %(default)s)",
    )
    run.add_argument(
        "--max-keys-per-gateway",
        type=int,
        default=1_000_000,
        metavar="N",
        help="distinct keys (windows, items, alerts, devices) one gateway may hold; new keys"
        " beyond are refused and counted (default %(default)s; 4 lanes make ~420,000 a year)",
    )
    run.add_argument(
        "--fever-threshold",
        type=int,
        default=3,
        metavar="N",
        help="a community's fever denials that raise a fever alert on the dashboard, counted"
        " over --fever-window (default %(default)s)",
    )
    run.add_argument(
        "--fever-window",
        type=float,
        default=60.0,
        metavar="MINUTES",
        help="how far back fever denials are counted (default %(default)s)",
    )
    run.add_argument(
        "--default-keepalive",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="keep-alive assumed for a gateway whose birth did not say (default %(default)s)",
    )

    dashboard = commands.add_parser(
        "dashboard",
        help="serve the dashboard and API over a database, without MQTT",
        description="Serve the dashboard, REST API and /metrics over a database that other "
        "monitors fill (several dashboards over one PostgreSQL).",
    )
    _db_option(dashboard, "sqlite:///central-monitor.db")
    _http_option(dashboard, f"127.0.0.1:{DEFAULT_HTTP_PORT}")
    _language_option(dashboard)
    users_cli.login_options(dashboard)
    distribution_cli.signing_options(dashboard)

    push = commands.add_parser(
        "push-policy",
        help="send a gateway a signed admission policy and show its ack",
        description="Sign an admission policy with the centre's private key, publish it for "
        "the scope gateway:<gateway> (see 'publish policy'; retained, so an offline gateway "
        "gets it when it comes back) and wait for the gateway's acknowledgement. With --db it "
        "is recorded and audited, and the running monitor keeps it on the broker. "
        "Exit status: 0 applied, 1 refused by the gateway, 3 no answer or an error.",
    )
    _broker_options(push)
    push.add_argument("--gateway", required=True, help="the gateway id")
    push.add_argument(
        "--policy", required=True, type=Path, metavar="FILE", help="the policy (JSON or TOML)"
    )
    push.add_argument(
        "--key",
        required=True,
        type=Path,
        metavar="PRIVATE_KEY",
        help="the centre's private key (PEM) to sign with",
    )
    push.add_argument("--kid", help="key id the gateway knows the key by (default: key file name)")
    push.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for the ack (default %(default)s)",
    )
    push.add_argument(
        "--retain",
        action="store_true",
        help="kept for compatibility: a policy is always retained now",
    )
    _db_option(push, None)
    gateways_cli.add_parser(commands, _db_option)
    distribution_cli.add_parsers(commands, _db_option)
    users_cli.add_parsers(commands)
    return parser


def _settings(args: argparse.Namespace) -> Any:
    from cloud_sync.monitor.settings import MonitorSettings

    values: dict[str, Any] = {}
    if hasattr(args, "broker"):
        host, port = _host_port(args.broker, 8883 if args.tls_ca else 1883)
        values |= {
            "broker_host": host,
            "broker_port": port,
            "tls_ca_file": args.tls_ca,
            "tls_cert_file": args.tls_cert,
            "tls_key_file": args.tls_key,
            "tls_insecure_hostname": args.tls_insecure_hostname,
            "username": args.username,
            "password_file": args.password_file,
            "client_id": args.client_id,
        }
    if getattr(args, "db", None):
        values["db"] = args.db
    if getattr(args, "http", "off") != "off":
        values["http_host"], values["http_port"] = _host_port(args.http, DEFAULT_HTTP_PORT)
    if getattr(args, "share_group", None):
        values["share_group"] = args.share_group
    if hasattr(args, "unknown_gateways"):
        values["unknown_gateways"] = args.unknown_gateways
        values["max_keys_per_gateway"] = args.max_keys_per_gateway
    if hasattr(args, "topic"):
        values["topic_filter"] = args.topic
        values["session_expiry_s"] = args.session_expiry
        values["default_keepalive_s"] = args.default_keepalive
        values["fever_threshold"] = args.fever_threshold
        values["fever_window_s"] = args.fever_window * 60
    if hasattr(args, "language"):
        values["language"] = args.language
    values |= users_cli.settings_values(args)
    values |= distribution_cli.settings_values(args)
    return MonitorSettings(**values)


def _push_policy(args: argparse.Namespace, settings: Any) -> int:
    from cloud_sync.monitor.distribution.publisher import PublishError, Signer
    from cloud_sync.monitor.distribution.push import push_policy

    try:
        signer = Signer.from_file(args.key, args.kid)
    except PublishError as exc:
        raise PolicyPushError(str(exc)) from None
    answer = asyncio.run(
        push_policy(settings, args.gateway, args.policy, signer, wait_s=args.timeout, db=args.db)
    )
    print(
        json.dumps(
            {
                "gateway": args.gateway,
                "accepted": answer.accepted,
                "version": answer.version,
                "ack": answer.ack,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return EXIT_OK if answer.accepted else EXIT_REFUSED


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = _settings(args)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        parser.error(problems)
    try:
        if args.command in users_cli.COMMANDS:
            return users_cli.run(args)
        if args.command in ("run", "dashboard") and args.http != "off":
            users_cli.check_login(settings)  # before anything starts: no dashboard without it
        if args.command == "run":
            from cloud_sync.monitor import serve

            asyncio.run(serve.run(settings, http=args.http != "off"))
        elif args.command == "dashboard":
            from cloud_sync.monitor import serve

            asyncio.run(serve.dashboard(settings))
        elif args.command == "gateways":
            return gateways_cli.run(args)
        elif args.command == "publish":
            return distribution_cli.run_publish(args)
        elif args.command == "heard":
            return distribution_cli.run_heard(args)
        else:
            return _push_policy(args, settings)
    except (MonitorError, MissingExtraError) as exc:  # the latter: PostgreSQL, not installed
        print(f"central-monitor: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        pass
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
