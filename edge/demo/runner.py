"""Running the demo: simulators on real pseudo-terminals, the gateway, and a resident stream."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from edge.config import load_config
from edge.core.bus import Bus
from edge.core.events import DeviceInputRejected, DeviceStatus, GatewayEvent, ScreeningDecided
from edge.demo.centre import demo_centre
from edge.demo.community import community_toml, seed_community
from edge.demo.residents import Resident, residents
from edge.demo.storeroom import demo_storeroom, take_masks
from edge.demo.workspace import KID, LanePorts, Workspace, make_workspace
from edge.runtime.assembly import Gateway
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator

PAIRING_WINDOW_S = 5.0
LANES = (("north-gate", "North gate", "gy-mcu90614"), ("south-gate", "South gate", "ascii-braces"))


@dataclass(frozen=True, slots=True)
class DemoOptions:
    port: int = 8080
    host: str = "127.0.0.1"
    data_dir: Path | None = None
    interval_s: float = 2.5  # between residents
    rounds: int | None = None  # None: forever
    quiet: bool = False
    storeroom: bool = True  # Modbus shelves and a climate sensor on a simulated RS-485 bus
    centre: bool = True  # a broker and a central monitor the gateway syncs to (needs mosquitto)


@dataclass
class Lane:
    id: str
    thermometer: ThermometerSimulator
    scanner: ScannerSimulator


async def wait_for_devices(bus: Bus, device_ids: set[str], limit: float = 30.0) -> None:
    sub = bus.subscribe()
    connected: set[str] = set()
    try:
        async with asyncio.timeout(limit):
            while not device_ids <= connected:
                event = await sub.get()
                if isinstance(event, DeviceStatus) and event.state == "connected":
                    connected.add(event.device)
    finally:
        sub.close()


async def wait_streaming(lanes: list[Lane], limit: float = 30.0) -> None:
    """A GY-MCU90614 stays silent until the gateway's "continuous output" command lands."""
    deadline = asyncio.get_running_loop().time() + limit
    while not all(lane.thermometer.streaming for lane in lanes):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the simulated thermometers never started streaming")
        await asyncio.sleep(0.05)  # the simulator offers no event to wait on


async def present(lane: Lane, resident: Resident) -> None:
    """What happens at the gate: wrist to the thermometer, then the code to the scanner."""
    if resident.temperature is not None:
        await lane.thermometer.send_reading(resident.temperature, 21.5)
        await asyncio.sleep(0.4)
    if resident.raw is not None:
        await lane.scanner.send_scan(resident.raw)
    elif resident.code is not None:
        await lane.scanner.scan(resident.code)


def describe(event: GatewayEvent) -> str | None:
    if isinstance(event, ScreeningDecided):
        temp = f"{event.temperature:.1f} °C" if event.temperature is not None else "no reading"
        return f"  -> {event.lane}: {event.outcome.value:7} {event.reason} ({temp})"
    if isinstance(event, DeviceInputRejected) and event.notice:
        return f"  -> {event.lane}: {event.notice} ({event.reason})"
    return None


async def echo_decisions(bus: Bus, say: Callable[[str], None]) -> None:
    sub = bus.subscribe()
    try:
        while True:
            line = describe(await sub.get())
            if line:
                say(line)
    finally:
        sub.close()


async def play(
    ws: Workspace, lanes: list[Lane], opts: DemoOptions, say: Callable[[str], None]
) -> None:
    rounds = itertools.count() if opts.rounds is None else range(opts.rounds)
    n = 0
    for _ in rounds:
        for resident in residents(ws.issuer):
            lane = lanes[n % len(lanes)]
            n += 1
            say(f"resident {n} at {lane.id}: expect {resident.label}")
            await present(lane, resident)
            await asyncio.sleep(opts.interval_s)
            if resident.temperature is None and resident.code is not None:
                # Let the lone scan time out before the lane's next resident is measured, or
                # the next reading would pair with it (as it would at a real gate).
                await asyncio.sleep(PAIRING_WINDOW_S + 0.5)


def banner(ws: Workspace, opts: DemoOptions) -> str:
    users = "\n".join(f"      {user:10} {pw}" for user, pw in ws.passwords.items())
    return (
        "\n  Community checkpoint gateway - demo (all devices simulated)\n"
        f"  Open http://{opts.host}:{opts.port}/ and log in:\n{users}\n"
        f"  The storeroom: http://{opts.host}:{opts.port}/storeroom\n"
        f"  The community (supervisor): http://{opts.host}:{opts.port}/households, /visitors,"
        " /duty, /report\n"
        f"  Files (keys, config, database): {ws.root}\n"
        + (
            ""
            if opts.data_dir
            else "  (a temporary folder, removed when the demo stops; --data-dir keeps one)\n"
        )
        + "  Ctrl-C stops the demo.\n"
    )


@contextlib.contextmanager
def _sigterm_cancels_this_task() -> Iterator[Callable[[], bool]]:
    """While inside, SIGTERM cancels the running task, as ``asyncio.run`` does on Ctrl-C.

    A service manager sends SIGTERM to the demo alone, not to its process group as a terminal's
    Ctrl-C is; left to its default, the signal ends the process at once and its Mosquitto and
    central monitor run on. Yields whether SIGTERM came. A repeated SIGTERM does not interrupt
    the stopping.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received = False

    def on_sigterm() -> None:
        nonlocal received
        if not received and task is not None:
            received = True
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or Windows
        yield lambda: False
        return
    try:
        yield lambda: received
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def run_demo(opts: DemoOptions, say: Callable[[str], None] = print) -> None:
    """Run the demo until its rounds are played, Ctrl-C or SIGTERM; then stop all it started.

    Its children (a Mosquitto and a central monitor) are stopped and, unless ``data_dir`` was
    given, its temporary folder is removed, however it ends. SIGTERM, even during start-up,
    ends it as Ctrl-C does, and then it returns normally.
    """
    with _sigterm_cancels_this_task() as terminated:
        temporary = opts.data_dir is None
        root = opts.data_dir or Path(tempfile.mkdtemp(prefix="edge-gateway-demo-"))
        try:
            root.mkdir(parents=True, exist_ok=True)
            await _run_demo(root, opts, say)
        except asyncio.CancelledError:
            if not terminated():
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # our own cancellation, now handled: a normal stop
        finally:
            if temporary:
                shutil.rmtree(root, ignore_errors=True)


async def _run_demo(root: Path, opts: DemoOptions, say: Callable[[str], None]) -> None:
    async with contextlib.AsyncExitStack() as stack:
        lanes: list[Lane] = []
        ports: list[LanePorts] = []
        for lane_id, name, protocol in LANES:
            thermometer = await stack.enter_async_context(
                ThermometerSimulator(protocol, link=root / f"{lane_id}-thermometer.tty")
            )
            scanner = await stack.enter_async_context(
                ScannerSimulator("CR", aim=True, link=root / f"{lane_id}-scanner.tty")
            )
            lanes.append(Lane(lane_id, thermometer, scanner))
            ports.append(LanePorts(lane_id, name, protocol, thermometer.path, scanner.path))
        room = await stack.enter_async_context(demo_storeroom()) if opts.storeroom else None
        centre = (
            await stack.enter_async_context(demo_centre(root, opts.port + 1))
            if opts.centre
            else None
        )
        extra = (
            (room.toml() if room is not None else "")
            + (centre.uplink_toml("demo-gateway") if centre is not None else "")
            + community_toml(f"keys/{KID}.key.pem", KID)
        )
        ws = make_workspace(
            root,
            ports,
            web_port=opts.port,
            web_host=opts.host,
            pairing_window_s=PAIRING_WINDOW_S,
            extra_toml=extra,
        )
        config = load_config(ws.config)
        if room is not None:  # two weeks of usage, so the forecast shows from the first minute
            await asyncio.to_thread(room.seed_history, config.db_path)
        gateway = Gateway(config, source=ws.config)
        quiet: Callable[[str], None] = (lambda _line: None) if opts.quiet else say
        async with asyncio.TaskGroup() as tasks:
            background = [
                tasks.create_task(gateway.run(), name="gateway"),
                tasks.create_task(echo_decisions(gateway.bus, quiet), name="demo-echo"),
            ]
            devices = {f"{lane.id}-{kind}" for lane in lanes for kind in ("thermometer", "scanner")}
            await wait_for_devices(gateway.bus, devices)
            await wait_streaming(lanes)
            if gateway.community is not None:  # households on the registry, staff on duty
                await seed_community(gateway.community, [lane.id for lane in lanes], "staff")
            say(banner(ws, opts))
            if centre is not None:
                say(
                    f"  The district centre's dashboard: {centre.dashboard}\n"
                    f"    log in as {centre.username}, password {centre.password}\n"
                )
            elif opts.centre:
                say("  (install mosquitto to see the central monitor too)\n")
            if room is not None:
                background.append(tasks.create_task(take_masks(room), name="demo-takes"))
            await play(ws, lanes, opts, quiet)
            await asyncio.sleep(opts.interval_s)
            for task in background:
                task.cancel()
