"""``/docs`` reads well: every route says what it does in plain words (no RST markup), and
every request body's fields are described with an example; the page shows them."""

from __future__ import annotations

import base64
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.cli import main
from tests.brokers import free_port

BIN = Path(sys.executable).parent
#: reStructuredText roles and literals, which /docs would show as they are
RST = re.compile(r"``|:(class|func|meth|mod|data|attr|exc):`")


def full_app(tmp_path: Path) -> Any:
    """A gateway with every optional part (storeroom, uplink, community), so every route is
    there."""
    from edge.config import load_config
    from edge.demo.workspace import LanePorts, make_workspace
    from edge.runtime.assembly import Gateway

    (tmp_path / "hmac.key").write_bytes(b"k" * 32)
    ws = make_workspace(
        tmp_path,
        [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")],
        web_port=0,
        extra_toml=(
            "[storeroom]\n[storeroom.mqtt]\n"
            '[[storeroom.items]]\nkey = "masks"\nname = "Masks"\nunit = "box"\n'
            'unit_weight_kg = 0.5\nshelf = "s1"\nlead_time_days = 7\n'
            '[[storeroom.shelves]]\nkey = "s1"\nsource = "mqtt"\n'
            '[uplink]\ngateway_id = "demo-gateway"\nbroker_host = "127.0.0.1"\n'
            'hmac_key_file = "hmac.key"\n'
            '[community]\nname = "Sunny Garden"\n'
        ),
    )
    return Gateway(load_config(ws.config), source=ws.config).app


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_every_route_says_what_it_does_in_plain_words(tmp_path: Path) -> None:
    spec = full_app(tmp_path).openapi()
    found = dict(operations(spec))
    assert "POST /api/storeroom/orders" in found and "GET /api/uplink" in found
    assert "POST /api/community/visits" in found
    for name, op in found.items():
        description = op.get("description", "")
        assert len(description.split()) >= 6, f"{name}: {description!r}"
        assert not RST.search(description), f"{name}: {description!r}"
        assert op.get("summary"), name
        assert op.get("tags"), name  # grouped on the page
        for parameter in op.get("parameters", []):
            if parameter["in"] == "query":
                assert parameter.get("description"), f"{name}: {parameter['name']}"
    assert not RST.search(spec["info"]["description"])


def test_every_request_body_field_is_described_with_an_example(tmp_path: Path) -> None:
    spec = full_app(tmp_path).openapi()
    schemas = spec["components"]["schemas"]
    bodies = {}
    for name, op in operations(spec):
        body = op.get("requestBody")
        if body is not None:
            ref = body["content"]["application/json"]["schema"]["$ref"]
            bodies[name] = schemas[ref.rsplit("/", 1)[1]]
    assert set(bodies) >= {
        "POST /api/login",
        "POST /api/password",
        "POST /api/screenings/{screening_id}/override",
        "POST /api/storeroom/orders",
        "POST /api/storeroom/counts",
        "POST /api/storeroom/deliveries",
    }
    for name, schema in bodies.items():
        assert schema.get("description"), name
        for field, prop in schema["properties"].items():
            assert len(prop.get("description", "").split()) >= 3, f"{name}: {field}"
            assert "examples" in prop, f"{name}: {field}"


@pytest.mark.browser
def test_the_docs_page_shows_descriptions_and_body_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import launch

    port = free_port()
    root = tmp_path / "gw"
    assert main(["init", str(root), "--host", "127.0.0.1", "--port", str(port)]) == 0
    password = re.search(r"^  supervisor\s+supervisor\s+(\S+)$", capsys.readouterr().out, re.M)
    assert password is not None
    gateway = subprocess.Popen(
        [str(BIN / "edge-gateway"), "run", "--config", str(root / "gateway.toml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert gateway.poll() is None and time.monotonic() < deadline
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        credentials = base64.b64encode(f"supervisor:{password[1]}".encode()).decode()
        with sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(
                extra_http_headers={"Authorization": f"Basic {credentials}"}
            )
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            failed: list[str] = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{url}/docs")
            login = page.locator("section.route", has=page.locator("code", has_text="/api/login"))
            expect(login.locator("h3")).to_have_text("Log in")
            expect(login).to_contain_text("Check a username and password")
            body = login.locator("table.fields")
            expect(body).to_contain_text("username")
            expect(body).to_contain_text("The account's name, as in the users file.")
            expect(body).to_contain_text('"li.wei"')
            path = re.compile(r"^/api/screenings/\{screening_id\}/override$")
            override = page.locator("section.route", has=page.locator("code", has_text=path))
            expect(override.locator("table.fields").last).to_contain_text("one of ADMIT")
            assert "$ref" not in page.inner_text("main")
            assert "``" not in page.inner_text("main")
            # A 404 for the favicon (the browser asks for one) is the only error allowed.
            assert [u for u in failed if not u.endswith("/favicon.ico")] == []
            assert [p for p in problems if "Failed to load resource" not in p] == []
            browser.close()
    finally:
        gateway.send_signal(signal.SIGTERM)
        try:
            gateway.wait(30)
        except subprocess.TimeoutExpired:
            gateway.kill()
            gateway.wait()
