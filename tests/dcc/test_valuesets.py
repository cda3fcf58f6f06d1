"""EU value sets: loading a snapshot, refusing codes outside it in words, swapping it safely."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from edge.commands import verify_code as command
from edge.verify.dcc import issue
from edge.verify.dcc.errors import ValueSetError
from edge.verify.dcc.settings import DccSettings, build_verifier, describe_value_sets
from edge.verify.dcc.valuesets import (
    COUNTRY,
    FILES,
    REQUIRED,
    TEST_DEVICE,
    VACCINE_PRODUCT,
    ValueSet,
    ValueSets,
    load_value_sets,
    parse_value_set,
)
from edge.verify.dcc.verifier import DccVerifier
from tests.ci import IN_CI
from tests.dcc.cases import VALUE_SETS_DIR
from tests.dcc.conftest import NOW, Signer

Build = Callable[..., DccVerifier]

RAPID = "LP217198-3"
#: a small snapshot in the EU's form: valueSetId -> (date, {code: active})
SMALL: dict[str, tuple[str, dict[str, bool]]] = {
    "disease-agent-targeted": ("2021-04-27", {"840539006": True}),
    "sct-vaccines-covid-19": ("2023-01-25", {"1119349007": True, "J07BX03": False}),
    "vaccines-covid-19-names": ("2022-11-30", {"EU/1/20/1528": True}),
    "vaccines-covid-19-auth-holders": ("2022-01-26", {"ORG-100030215": True}),
    "country-2-codes": ("2019-11-01", {"DE": True, "AT": True}),
    "covid-19-lab-test-type": ("2021-04-27", {"LP6464-4": True, RAPID: True}),
    "covid-19-lab-result": ("2021-04-27", {"260415000": True, "260373001": True}),
    "covid-19-lab-test-manufacturer-and-name": ("2021-07-01", {"1232": True}),
}


def eu_doc(set_id: str, day: str, codes: dict[str, bool]) -> dict[str, Any]:
    return {
        "valueSetId": set_id,
        "valueSetDate": day,
        "valueSetValues": {
            code: {"display": code, "lang": "en", "active": active, "system": "x", "version": ""}
            for code, active in codes.items()
        },
    }


def write_snapshot(directory: Path, **extra_codes: dict[str, bool]) -> Path:
    """SMALL as files with the EU's names; ``extra_codes`` adds codes by valueSetId."""
    directory.mkdir(parents=True, exist_ok=True)
    for set_id, (day, codes) in SMALL.items():
        doc = eu_doc(set_id, day, {**codes, **extra_codes.get(set_id, {})})
        (directory / FILES[set_id][0]).write_text(json.dumps(doc))
    return directory


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "valuesets")


@pytest.fixture
def snapshot(snapshot_dir: Path) -> ValueSets:
    return load_value_sets(snapshot_dir)


@pytest.fixture
def pem(tmp_path: Path, es256: Signer) -> Path:
    path = tmp_path / "dsc.pem"
    path.write_bytes(es256.cert.public_bytes(Encoding.PEM))
    return path


# ---- loading --------------------------------------------------------------------------------


def test_load_a_good_directory(snapshot_dir: Path) -> None:
    snapshot = load_value_sets(snapshot_dir)
    assert set(snapshot.sets) == REQUIRED
    product = snapshot.sets[VACCINE_PRODUCT]
    assert product.id == "vaccines-covid-19-names" and str(product.date) == "2022-11-30"
    assert "EU/1/20/1528" in product and "EU/1/20/9999" not in product
    prophylaxis = snapshot.sets["sct-vaccines-covid-19"]
    assert "J07BX03" in prophylaxis and prophylaxis.retired == {"J07BX03"}
    assert snapshot.source == str(snapshot_dir)
    assert snapshot.describe() == (
        f"8 EU value sets from {snapshot_dir}, dated 2019-11-01 to 2023-01-25"
    )


@pytest.mark.skipif(
    not VALUE_SETS_DIR.is_dir() and not IN_CI, reason=f"no value sets in {VALUE_SETS_DIR}"
)
def test_load_the_shared_initial_snapshot() -> None:
    snapshot = load_value_sets(VALUE_SETS_DIR)
    assert len(snapshot.sets[COUNTRY].codes) == 250
    # the public repository only has the example device list; it is taken when nothing better is
    assert snapshot.sets[TEST_DEVICE].id == "covid-19-lab-test-manufacturer-and-name"
    assert "1232" in snapshot.sets[TEST_DEVICE]
    assert [str(d) for d in snapshot.dates] == ["2019-11-01", "2023-01-25"]


@pytest.mark.parametrize("set_id", sorted(REQUIRED))
def test_a_missing_file_is_named(snapshot_dir: Path, set_id: str) -> None:
    for name in FILES[set_id]:
        (snapshot_dir / name).unlink(missing_ok=True)
    with pytest.raises(ValueSetError) as caught:
        load_value_sets(snapshot_dir)
    assert caught.value.path == snapshot_dir / FILES[set_id][0]
    assert set_id in caught.value.reason
    assert str(snapshot_dir / FILES[set_id][0]) in str(caught.value)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueSetError) as caught:
        load_value_sets(tmp_path / "nowhere")
    assert caught.value.path == tmp_path / "nowhere"


def test_corrupt_json_is_named(snapshot_dir: Path) -> None:
    broken = snapshot_dir / "country-2-codes.json"
    broken.write_text('{"valueSetId": "country-2-codes", "valueSetValues": {"DE": ')
    with pytest.raises(ValueSetError) as caught:
        load_value_sets(snapshot_dir)
    assert caught.value.path == broken
    assert caught.value.reason.startswith("not JSON")


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([], "expected a JSON object"),
        ({"valueSetDate": "2021-01-01", "valueSetValues": {"DE": {}}}, "no valueSetId"),
        ({"valueSetId": "country-2-codes", "valueSetValues": {"DE": {}}}, "no valueSetDate"),
        (
            {"valueSetId": "country-2-codes", "valueSetDate": "last year", "valueSetValues": {}},
            "is not a date",
        ),
        (
            {"valueSetId": "country-2-codes", "valueSetDate": "2021-01-01", "valueSetValues": {}},
            "non-empty object",
        ),
        (
            {"valueSetId": "country-2-codes", "valueSetDate": "2021-01-01", "valueSetValues": []},
            "non-empty object",
        ),
        (
            {
                "valueSetId": "country-2-codes",
                "valueSetDate": "2021-01-01",
                "valueSetValues": {"DE": "Germany"},
            },
            "not described by an object",
        ),
        (
            {
                "valueSetId": "country-2-codes",
                "valueSetDate": "2021-01-01",
                "valueSetValues": {"DE": {"active": "yes"}},
            },
            "active must be true or false",
        ),
        (eu_doc("covid-19-lab-result", "2021-04-27", {"DE": True}), "expected country-2-codes"),
    ],
)
def test_wrong_shape_is_named(snapshot_dir: Path, doc: object, words: str) -> None:
    bad = snapshot_dir / "country-2-codes.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueSetError) as caught:
        load_value_sets(snapshot_dir)
    assert caught.value.path == bad
    assert words in caught.value.reason


def test_the_device_list_may_be_the_gateway_export_or_the_example(snapshot_dir: Path) -> None:
    exported = snapshot_dir / "test-manf.json"
    example = snapshot_dir / "test-manf-example.json"
    assert exported.exists()
    exported.rename(example)
    assert "1232" in load_value_sets(snapshot_dir).sets[TEST_DEVICE]
    exported.write_text(json.dumps(eu_doc(TEST_DEVICE, "2024-01-01", {"2000": True})))
    devices = load_value_sets(snapshot_dir).sets[TEST_DEVICE]
    assert "2000" in devices and "1232" not in devices  # the export wins over the example


# ---- the snapshot object ----------------------------------------------------------------------


def test_a_snapshot_is_immutable(snapshot: ValueSets) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.source = "elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        snapshot.sets[COUNTRY] = snapshot.sets[COUNTRY]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.sets[COUNTRY].codes = frozenset({"XY"})  # type: ignore[misc]


def test_a_snapshot_keeps_its_own_copy(snapshot: ValueSets) -> None:
    lists = dict(snapshot.sets)
    copy = ValueSets(lists)
    del lists[COUNTRY]
    assert COUNTRY in copy.sets


def test_an_incomplete_snapshot_cannot_be_built(snapshot: ValueSets) -> None:
    with pytest.raises(ValueSetError, match="incomplete snapshot: no country-2-codes"):
        ValueSets.of(s for s in snapshot.sets.values() if s.id != COUNTRY)
    with pytest.raises(ValueSetError, match="two lists named country-2-codes"):
        ValueSets.of([*snapshot.sets.values(), snapshot.sets[COUNTRY]])
    with pytest.raises(ValueSetError, match="is not the list"):
        ValueSets({**snapshot.sets, COUNTRY: snapshot.sets[VACCINE_PRODUCT]})


def test_replacing_one_list_makes_a_new_snapshot(snapshot: ValueSets) -> None:
    newer = parse_value_set(eu_doc(COUNTRY, "2024-05-01", {"DE": True, "CN": True}))
    updated = snapshot.replacing(newer, source="centre")
    assert "CN" in updated.sets[COUNTRY] and updated.source == "centre"
    assert "CN" not in snapshot.sets[COUNTRY] and snapshot.source != "centre"
    assert updated.sets[VACCINE_PRODUCT] is snapshot.sets[VACCINE_PRODUCT]


# ---- refusals in words --------------------------------------------------------------------------


def dcc_with(kind: str, **fields: object) -> dict[str, Any]:
    dcc = issue.sample_dcc(kind, when=NOW)
    dcc[kind][0].update(fields)
    return dcc


@pytest.mark.parametrize(
    ("kind", "fields", "path", "value_set", "reason"),
    [
        ("v", {"tg": "999999"}, "v/0/tg", "disease-agent-targeted", "disease 999999"),
        ("v", {"vp": "J07BX99"}, "v/0/vp", "sct-vaccines-covid-19", "vaccine type J07BX99"),
        (
            "v",
            {"mp": "EU/1/20/9999"},
            "v/0/mp",
            "vaccines-covid-19-names",
            "vaccine product EU/1/20/9999",
        ),
        (
            "v",
            {"ma": "ORG-99999999"},
            "v/0/ma",
            "vaccines-covid-19-auth-holders",
            "vaccine maker ORG-99999999",
        ),
        ("v", {"co": "XY"}, "v/0/co", "country-2-codes", "country XY"),
        ("t", {"tg": "94558-4"}, "t/0/tg", "disease-agent-targeted", "disease 94558-4"),
        ("t", {"tt": "a test"}, "t/0/tt", "covid-19-lab-test-type", "test type a test"),
        ("t", {"tr": "NEGATIVO"}, "t/0/tr", "covid-19-lab-result", "test result NEGATIVO"),
        (
            "t",
            {"tt": RAPID, "ma": "9999"},
            "t/0/ma",
            "covid-19-lab-test-manufacturer-and-name",
            "rapid test device 9999",
        ),
        ("t", {"co": "XX"}, "t/0/co", "country-2-codes", "country XX"),
        ("r", {"tg": "0"}, "r/0/tg", "disease-agent-targeted", "disease 0"),
        ("r", {"co": "SU"}, "r/0/co", "country-2-codes", "country SU"),
        ("v", {"mp": ""}, "v/0/mp", "vaccines-covid-19-names", "vaccine product (blank)"),
    ],
)
def test_each_field_is_refused_in_words(
    es256: Signer,
    verifier_for: Build,
    snapshot: ValueSets,
    kind: str,
    fields: dict[str, object],
    path: str,
    value_set: str,
    reason: str,
) -> None:
    verifier = verifier_for(es256, value_sets=snapshot)
    verdict = verifier.verify(es256.code(dcc=dcc_with(kind, **fields)), at=NOW)
    assert not verdict.valid
    assert verdict.failed_step == "value-set"
    assert verdict.reason == f"{reason} is not in the EU list"
    assert verdict.details["field"] == path
    assert verdict.details["value_set"] == value_set
    assert verdict.details["value_set_date"] == SMALL[value_set][0]
    assert verifier.counts["value-set"] == 1


@pytest.mark.parametrize("kind", ["v", "t", "r"])
def test_codes_in_the_lists_pass(
    es256: Signer, verifier_for: Build, snapshot: ValueSets, kind: str
) -> None:
    verdict = verifier_for(es256, value_sets=snapshot).verify(es256.code(kind), at=NOW)
    assert verdict.valid, verdict


def test_a_rapid_test_from_a_listed_device_passes(
    es256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    code = es256.code(dcc=dcc_with("t", tt=RAPID, ma="1232"))
    assert verifier_for(es256, value_sets=snapshot).verify(code, at=NOW).valid


def test_the_device_is_checked_only_for_a_rapid_test(
    es256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    # PCR certificates from several countries carry ma "" or "N/A": no device was used
    for device in ("", "N/A"):
        code = es256.code(dcc=dcc_with("t", tt="LP6464-4", ma=device))
        assert verifier_for(es256, value_sets=snapshot).verify(code, at=NOW).valid


def test_a_retired_code_still_passes(
    es256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    code = es256.code(dcc=dcc_with("v", vp="J07BX03"))  # ATC code, "active": false
    assert verifier_for(es256, value_sets=snapshot).verify(code, at=NOW).valid


def test_a_long_or_unprintable_value_is_kept_to_a_line(
    es256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    code = es256.code(dcc=dcc_with("v", mp="EU/1/\x1b[2J" + "9" * 80))
    verdict = verifier_for(es256, value_sets=snapshot).verify(code, at=NOW)
    assert verdict.reason.startswith("vaccine product EU/1/[2J999")
    assert verdict.reason.endswith("… is not in the EU list")
    assert "\x1b" not in verdict.reason and len(verdict.reason) < 80


def test_the_value_set_step_comes_after_the_signature(
    es256: Signer, ps256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    # a forged certificate is "signature invalid", whatever codes it carries
    forged = ps256.code(dcc=dcc_with("v", mp="EU/1/20/9999"), kid=es256.kid)
    verdict = verifier_for(es256, value_sets=snapshot).verify(forged, at=NOW)
    assert verdict.failed_step == "signature"


def test_without_value_sets_codes_are_not_checked(es256: Signer, verifier_for: Build) -> None:
    verifier = verifier_for(es256)
    assert verifier.value_sets is None
    assert verifier.verify(es256.code(dcc=dcc_with("v", mp="EU/1/20/9999")), at=NOW).valid


# ---- swapping snapshots while running ---------------------------------------------------------


def test_replace_value_sets_swaps_the_snapshot(
    es256: Signer, verifier_for: Build, snapshot: ValueSets, tmp_path: Path
) -> None:
    verifier = verifier_for(es256, value_sets=snapshot)
    code = es256.code(dcc=dcc_with("v", mp="EU/1/24/0001"))
    assert verifier.verify(code, at=NOW).failed_step == "value-set"
    newer = load_value_sets(
        write_snapshot(tmp_path / "newer", **{VACCINE_PRODUCT: {"EU/1/24/0001": True}})
    )
    assert verifier.replace_value_sets(newer) is snapshot
    assert verifier.value_sets is newer
    assert verifier.verify(code, at=NOW).valid


def test_a_bad_snapshot_never_replaces_a_good_one(
    es256: Signer, verifier_for: Build, snapshot: ValueSets, tmp_path: Path
) -> None:
    verifier = verifier_for(es256, value_sets=snapshot)
    refused = es256.code(dcc=dcc_with("v", mp="EU/1/20/9999"))
    bad = write_snapshot(tmp_path / "bad", **{VACCINE_PRODUCT: {"EU/1/20/9999": True}})
    (bad / "test-result.json").write_text("{ truncated")
    with pytest.raises(ValueSetError) as caught:
        verifier.load_value_sets(bad)
    assert caught.value.path == bad / "test-result.json"
    assert verifier.value_sets is snapshot
    assert verifier.verify(refused, at=NOW).failed_step == "value-set"

    (bad / "test-result.json").unlink()
    with pytest.raises(ValueSetError):
        verifier.load_value_sets(bad)
    assert verifier.value_sets is snapshot


def test_the_checks_cannot_be_switched_off_by_a_swap(
    es256: Signer, verifier_for: Build, snapshot: ValueSets
) -> None:
    verifier = verifier_for(es256, value_sets=snapshot)
    for not_a_snapshot in (None, dict(snapshot.sets)):
        with pytest.raises(TypeError):
            verifier.replace_value_sets(not_a_snapshot)  # type: ignore[arg-type]
    assert verifier.value_sets is snapshot


def test_load_value_sets_puts_a_good_directory_in_force(
    es256: Signer, verifier_for: Build, snapshot_dir: Path
) -> None:
    verifier = verifier_for(es256)
    loaded = verifier.load_value_sets(snapshot_dir)
    assert verifier.value_sets is loaded
    code = es256.code(dcc=dcc_with("v", co="XY"))
    assert verifier.verify(code, at=NOW).reason == "country XY is not in the EU list"


# ---- settings and the command line -------------------------------------------------------------


def test_settings_load_the_configured_directory(
    tmp_path: Path, snapshot_dir: Path, pem: Path
) -> None:
    settings = DccSettings(trust_lists=[Path("dsc.pem")], value_sets=Path("valuesets"))
    resolved = settings.resolved(tmp_path)
    assert resolved.value_sets == snapshot_dir
    verifier = build_verifier(resolved)
    assert verifier.value_sets is not None
    assert verifier.value_sets.source == str(snapshot_dir)
    assert describe_value_sets(resolved).startswith("EU DCC value sets: 8 EU value sets from")


def test_settings_without_value_sets_say_so_plainly(
    pem: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = DccSettings(trust_lists=[pem])
    with caplog.at_level(logging.WARNING):
        verifier = build_verifier(settings)
    assert verifier.value_sets is None
    line = describe_value_sets(settings)
    assert "none configured" in line and "NOT checked" in line
    assert line in caplog.messages


def test_settings_with_a_bad_directory_raise(tmp_path: Path, pem: Path) -> None:
    settings = DccSettings(trust_lists=[pem], value_sets=tmp_path / "missing")
    with pytest.raises(ValueSetError):
        build_verifier(settings)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="edge-gateway")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["verify-code", *argv])
    code = args.func(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_verify_code_with_value_sets(
    tmp_path: Path,
    snapshot_dir: Path,
    pem: Path,
    es256: Signer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = es256.code(dcc=dcc_with("v", mp="EU/1/20/9999"))
    common = ["--trust", str(pem), "--at", NOW.isoformat()]
    code, out, _ = run_cli([text, *common], capsys)
    assert code == 0  # without --value-sets the product is not checked
    code, out, _ = run_cli([text, *common, "--value-sets", str(snapshot_dir)], capsys)
    assert code == 1
    verdict = json.loads(out)
    assert verdict["failed_step"] == "value-set"
    assert verdict["reason"] == "vaccine product EU/1/20/9999 is not in the EU list"
    code, out, err = run_cli([text, *common, "--value-sets", str(tmp_path)], capsys)
    assert code == 2 and "disease-agent-targeted.json" in err


def test_value_set_type_is_exported() -> None:
    import edge.verify.dcc as dcc

    assert dcc.ValueSets is ValueSets and dcc.ValueSet is ValueSet
    assert dcc.ValueSetError is ValueSetError and dcc.load_value_sets is load_value_sets


def test_check_config_says_whether_codes_are_checked(tmp_path: Path, snapshot_dir: Path) -> None:
    from edge.demo.workspace import LanePorts, make_workspace
    from edge.runtime.assembly import check_everything
    from edge.verify.dcc.settings import NO_VALUE_SETS

    ws = make_workspace(
        tmp_path / "ws",
        [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")],
        web_port=0,
    )
    lines = [
        line for line in ws.config.read_text().splitlines() if not line.startswith("value_sets")
    ]
    ws.config.write_text("\n".join(lines) + "\n")
    assert NO_VALUE_SETS in check_everything(ws.config)

    trust = 'trust_lists = ["keys/eu-dcc-demo-dsc.pem"]'
    configured = ws.config.read_text().replace(trust, f'{trust}\nvalue_sets = "{snapshot_dir}"')
    ws.config.write_text(configured)
    summary = check_everything(ws.config)
    assert f"EU DCC value sets: 8 EU value sets from {snapshot_dir}, dated" in "\n".join(summary)
