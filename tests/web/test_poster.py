"""The counter's poster as a citizen meets it: a PDF whose QR code decodes (zxing-cpp, from
the page rendered by poppler's pdftoppm) to the counter's rating address, with the office,
the counter, the Vietnamese instruction and the short address in print."""

import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from tests.support import ARTIFACTS
from tests.web.support import BASE


def _decode(pdf, folder, name):
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(folder / name)], check=True)
    image = Image.open(folder / f"{name}.png")
    (ARTIFACTS / "web").mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / f"{name}.png", ARTIFACTS / "web" / f"{name}.png")
    return [result.text for result in zxingcpp.read_barcodes(image)], image.size


@pytest.mark.parametrize(("size", "pixels"), [("A4", (827, 1170)), ("A5", (583, 827))])
def test_the_poster_qr_decodes_to_the_counter_address(runner, counter_path, tmp_path, size, pixels):
    pdf = tmp_path / "poster.pdf"
    result = runner.invoke(args=["counter", "poster", "D", "--counter", "Quầy 1", "--out", str(pdf),
                                 "--size", size])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == BASE + counter_path
    decoded, dimensions = _decode(pdf, tmp_path, f"poster-{size}")
    assert decoded == [BASE + counter_path]
    assert dimensions == pixels
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Huyện Một" in text and "Quầy 1" in text
    assert "Quét mã QR bằng điện thoại để đánh giá" in " ".join(text.split())
    assert "rate.test" + counter_path in text


def test_a_rotated_poster_gets_a_new_address(runner, counter_path, tmp_path):
    runner.invoke(args=["counter", "rotate", "D", "--counter", "Quầy 1"])
    pdf = tmp_path / "new.pdf"
    runner.invoke(args=["counter", "poster", "D", "--counter", "Quầy 1", "--out", str(pdf)])
    decoded, _ = _decode(pdf, tmp_path, "poster-rotated")
    assert decoded and decoded[0] != BASE + counter_path and decoded[0].startswith(BASE + "/r/")


def test_an_unknown_office_is_a_clear_error(runner, province, tmp_path):
    result = runner.invoke(args=["counter", "poster", "NOPE", "--counter", "Quầy 1", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "no office with code 'NOPE'" in result.output
    assert not (tmp_path / "x.pdf").exists()
