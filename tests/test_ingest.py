"""Ingestion: the shared corpus, its variants in every format, and the real-world fixtures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.ingest.files import ingest_bytes, ingest_path
from pipeline.ingest.normalize import normalize
from tests.conftest import CORPUS_FILES, REAL
from tests.variants import (
    BOILERPLATE_SAMPLES,
    body_paragraphs,
    docx_bytes,
    gov_html,
    pdf_bytes,
    write,
)

TABLE = [["学段", "学校数", "达标学校数"], ["小学", "69", "56"], ["初中", "25", "19"]]


def _norm(text: str) -> str:
    return normalize(text)[0]


def _compact(text: str) -> str:
    return "".join(_norm(text).split())


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_ingests_complete(path):
    doc = ingest_path(path)
    assert doc.status == "ok", doc.error
    paras = body_paragraphs(path.read_text("utf-8"))
    substantive = [p for p in paras if len(p) > 30]
    for para in (substantive[0], substantive[-1]):
        assert _norm(para) in doc.text
    assert "语音播报" not in doc.text and "扫一扫在手机打开当前页" not in doc.text


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig", "gb18030"])
def test_reencoded_variants_decode(tmp_path, encoding):
    seed = CORPUS_FILES[3].read_text("utf-8")
    path = write(tmp_path / "seed.txt", seed, encoding)
    doc = ingest_path(path)
    assert doc.status == "ok"
    assert _norm(body_paragraphs(seed)[-1]) in doc.text


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_gov_html_variant_keeps_body_drops_chrome(tmp_path, path):
    seed = path.read_text("utf-8")
    page = write(tmp_path / "page.html", gov_html(seed), "gb18030")
    doc = ingest_path(page)
    assert doc.status == "ok", doc.error
    for para in body_paragraphs(seed):
        assert _compact(para) in _compact(doc.text), para
    for chrome in BOILERPLATE_SAMPLES + ["统计代码", "渝ICP备", "您当前的位置", "text-indent"]:
        assert chrome not in doc.text
    assert doc.site_meta["publisher"] == "某区教委"
    assert doc.site_meta["published"] == "2025-04-02"
    assert doc.encoding == "gb18030"


def test_declared_gb2312_but_utf8_bytes(tmp_path):
    page = write(tmp_path / "page.html", gov_html(CORPUS_FILES[0].read_text("utf-8")), "utf-8")
    doc = ingest_path(page)
    assert doc.encoding == "utf-8" and "万盛" in doc.text


def test_pdf_variant_chinese_text_and_table(tmp_path):
    seed = CORPUS_FILES[3].read_text("utf-8")
    doc = ingest_bytes(pdf_bytes(seed, TABLE), "seed.pdf")
    assert doc.status == "ok", doc.error
    assert doc.format == "pdf" and doc.page_count >= 2
    assert "綦江区现有义务教育学校94所" in doc.text
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert tables and tables[0].cells[1] == ["小学", "69", "56"]
    assert all(b.page for b in doc.blocks) and len(doc.pages) == doc.page_count


def test_docx_variant_paragraphs_and_table_in_order():
    seed = CORPUS_FILES[4].read_text("utf-8")
    doc = ingest_bytes(docx_bytes(seed, TABLE), "seed.docx")
    assert doc.status == "ok" and doc.format == "docx"
    assert doc.blocks[-1].kind == "table" and doc.blocks[-1].cells[2] == ["初中", "25", "19"]
    assert _norm(body_paragraphs(seed)[-1]) in doc.text


def test_offsets_map_back_to_extracted_text():
    doc = ingest_bytes("满意度为８８．９％，学校２６所。\n第二句。".encode(), "x.txt")
    pos = doc.text.index("88.9%")
    assert doc.source_text[doc.to_source(pos) : doc.to_source(pos + 5)] == "８８．９％"
    assert [doc.text[s.start : s.end] for s in doc.sentences] == [
        "满意度为88.9%，学校26所。",
        "第二句。",
    ]


REAL_STATUS = {
    "empty_zero_bytes.pdf": "empty",
    "scanned_image_only_book_pages.pdf": "needs_ocr",
    "scanned_letter_with_ocr_layer_sse_2016.pdf": "needs_ocr",
    "malformed_pdfplumber_issue932_en.pdf": "needs_ocr",
}


@pytest.mark.parametrize("path", sorted(REAL.glob("*/*.*")), ids=lambda p: p.name)
def test_real_fixture_gets_its_status(path):
    if path.suffix == ".md":
        pytest.skip("notes")
    doc = ingest_path(path)
    assert doc.status == REAL_STATUS.get(path.name, "ok"), doc.error
    if doc.status == "ok":
        assert len(doc.text) > 200
    else:
        assert doc.error


def test_real_html_encodings():
    assert ingest_path(REAL / "html/people_cn_meta_gb2312_but_utf8_bytes.html").encoding == "utf-8"
    gbk = ingest_path(REAL / "html/jb51_homepage_real_gb2312_bytes.html")
    assert gbk.encoding == "gb18030" and "脚本之家" in gbk.site_meta["title"]


def test_real_pdf_tables_and_footnote_text():
    doc = ingest_path(REAL / "pdf/anhui_land_use_standard_2020_tables.pdf")
    assert sum(b.kind == "table" for b in doc.blocks) == 3


def _encrypted_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, encrypt="secret-password")
    c.drawString(100, 700, "confidential")
    c.save()
    return out.getvalue()


def _image_only_pdf() -> bytes:
    import io

    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (600, 800), "white")
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawImage(ImageReader(img), 0, 0, width=595, height=842)
    c.save()
    return out.getvalue()


BAD_INPUTS = {
    "empty.txt": (b"", "empty"),
    "junk.pdf": (bytes(range(256)) * 64, "failed"),
    "truncated.pdf": (None, "failed"),
    "encrypted.pdf": (None, "failed"),
    "image_only.pdf": (None, "needs_ocr"),
    "scripts.html": (
        b"<html><head><script>alert(1)</script></head><body><script>var a=1;</script></body></html>",
        "empty",
    ),
    "junk.txt": (bytes(range(256)) * 64, "failed"),
    "attachment.xlsx": (b"PK\x03\x04" + b"\x00" * 100, "unsupported"),
}


def _bad_bytes(name: str) -> bytes:
    data, _ = BAD_INPUTS[name]
    if data is not None:
        return data
    if name == "truncated.pdf":
        return pdf_bytes(CORPUS_FILES[3].read_text("utf-8"))[:3000]
    if name == "encrypted.pdf":
        return _encrypted_pdf()
    return _image_only_pdf()


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_status_and_message(name):
    doc = ingest_bytes(_bad_bytes(name), name)
    assert doc.status == BAD_INPUTS[name][1], (doc.status, doc.error)
    assert doc.error and len(doc.error) > 8


def test_check_cli_survives_bad_inputs(tmp_path):
    paths = [write(tmp_path / name, _bad_bytes(name)) for name in sorted(BAD_INPUTS)]
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.write(("这是一行很长的文本。" * 100 + "\n").encode() * 17_000)  # ~50 MB
    paths.append(huge)
    run = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "check", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    results = json.loads(run.stdout)
    assert len(results) == len(paths)
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in results}
    assert by_name["huge.txt"]["status"] == "failed" and "MB" in by_name["huge.txt"]["error"]
    assert all(r["error"] for r in results)
