"""The decode-image command, run in-process as the edge-gateway CLI would run it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import pytest

from firmware_interfaces.camera import command
from tests.camera.helpers import hc1_like, in_frame, qr_grey

TEXT = hc1_like(3)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    parser = argparse.ArgumentParser(prog="edge-gateway")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status = args.func(args)
    lines = capsys.readouterr().out.splitlines()
    return status, [json.loads(line) for line in lines]


def test_images_are_decoded_one_json_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png, jpeg, empty = tmp_path / "code.png", tmp_path / "code.jpg", tmp_path / "wall.png"
    cv2.imwrite(str(png), in_frame(qr_grey(TEXT, scale=4)))
    cv2.imwrite(str(jpeg), in_frame(qr_grey(TEXT, scale=4)), [cv2.IMWRITE_JPEG_QUALITY, 70])
    cv2.imwrite(str(empty), in_frame(qr_grey("x", scale=1)[:1, :1]))
    status, lines = run(["decode-image", str(png), str(jpeg), str(empty)], capsys)
    assert status == 0
    assert [line["file"] for line in lines] == [str(png), str(jpeg), str(empty)]
    assert [line["texts"] for line in lines] == [[TEXT], [TEXT], []]
    assert all(isinstance(line["ms"], float) and "error" not in line for line in lines)


def test_unreadable_files_get_an_error_in_words_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "code.png"
    cv2.imwrite(str(good), in_frame(qr_grey(TEXT, scale=4)))
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:40])
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    files = [good, truncated, text, empty, tmp_path / "missing.png", tmp_path]
    status, lines = run(["decode-image", *map(str, files)], capsys)
    assert status == 1
    assert len(lines) == len(files)
    assert lines[0]["texts"] == [TEXT]
    assert "error" not in lines[0]
    errors = [line.get("error") for line in lines[1:]]
    assert all(isinstance(error, str) and error for error in errors)
    assert all(line["texts"] == [] for line in lines[1:])
    assert errors[3] == "no such file"
    assert errors[2] == "the file is empty"


def test_budget_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["decode-image", "--budget-ms", "0", "x.png"], capsys)
