"""The monthly report's PDF, rendered to an image (poppler's pdftoppm): page 1 shows the Chinese title and the charts.

pdftoppm comes with poppler-utils, which `linli test` installs with apt-get when missing (linli/cli.py ensure_browser);
the test skips, saying so, only where it is still missing. The PNG is kept in test-artifacts/screenshots/ to look at."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from linli.dashboard import reports
from linli.dashboard.models import MonthlyReport

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "test-artifacts" / "screenshots"
BLUE = reports.COLORS[0]  # the bars of "cases by category" and the first line of the trend


def _close(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour))


@pytest.fixture
def pdftoppm():
    path = shutil.which("pdftoppm")
    if path is None:
        pytest.skip("pdftoppm is missing (poppler-utils): `linli test` installs it with apt-get when run as root; "
                    "otherwise apt-get install poppler-utils")
    return path


def test_report_pdf_page_one_shows_chinese_and_charts(dataset, settings, tmp_path, pdftoppm):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        report = reports.generate("community", dataset.a.pk, reports.Period.month(2025, 3))
    assert isinstance(report, MonthlyReport)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page1")], check=True,
                   timeout=60)
    png = tmp_path / "page1.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, SHOTS / "report-page1.png")
    img = Image.open(png).convert("RGB")
    w, h = img.size
    pixels = list(img.get_flattened_data() if hasattr(img, "get_flattened_data") else img.getdata())
    ink = sum(1 for p in pixels if sum(p[:3]) < 600)
    assert ink / len(pixels) > 0.01, f"page 1 is nearly blank: {ink} of {len(pixels)} pixels inked"
    blue = [(i % w, i // w) for i, p in enumerate(pixels) if _close(p, BLUE)]
    assert len(blue) > 150, f"no chart colour on page 1 ({len(blue)} pixels near {BLUE})"
    # the chart region: the blue pixels lie in a block below the title, not scattered specks
    ys = sorted(y for _x, y in blue)
    assert ys[len(ys) // 2] > h * 0.2
    # the text layer is Chinese (the title and the table headings), drawn with the CJK font
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
        assert "月度报告" in text and dataset.a.name in text and "响应率" in text and "月度趋势" in text, text[:400]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60).stdout if shutil.which("pdffonts") else ""
    assert not fonts or "CID" in fonts or "Type 0" in fonts or "TrueType" in fonts, fonts


def test_monthly_report_xlsx_headings_are_chinese(dataset, settings, tmp_path):
    from linli.core.excel import read_all

    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        report = reports.generate("community", dataset.a.pk, reports.Period.month(2025, 3), replace=True)
    rows = read_all(report.xlsx.read())
    assert "月度报告" in str(rows[0][0]) and rows[1][:2] == ["指标", "本月 %"]
    assert report.month == datetime.date(2025, 3, 1)
