"""A demo corpus of our own: realistic reports for fictional districts, with known injected
inconsistencies listed in `ground_truth.json`, so the whole pipeline can be measured on
documents nobody tuned it against.

    from pipeline.synth import generate
    generate(30, Path("corpus/demo"), seed=0)
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from pipeline.synth.content import (
    DUTY_INJECTIONS,
    QUALITY_INJECTIONS,
    duty_report,
    plan_document,
    quality_report,
    templates,
)
from pipeline.synth.model import SynthDoc
from pipeline.synth.render import render_docx, render_html, render_pdf, render_txt

FORMAT_SHARES = (("html", 40), ("txt", 30), ("pdf", 15), ("docx", 15))
KIND_FILE = {
    "quality_balance_self_assessment": "quality_balance_self_assessment",
    "duty_performance_self_assessment": "duty_performance_self_evaluation",
    "implementation_plan": "implementation_plan",
}
SCHEMA = "edu-audit-synth/1"


def generate(n: int, out_dir: Path, seed: int = 0) -> Path:
    """Write n documents and ground_truth.json into out_dir; returns the ground-truth path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    kinds = plan_kinds(n, rng)
    formats = plan_formats(n, rng)
    districts = rng.sample(templates()["places"]["districts"], k=min(n, 40))
    inject_at = set(
        rng.sample([i for i, k in enumerate(kinds) if k != "implementation_plan"], k=n // 2)
    )
    documents = []
    for i in range(n):
        doc_rng = random.Random(f"{seed}:{i}")
        district = districts[i % len(districts)]
        doc = build(doc_rng, kinds[i], district, i in inject_at)
        name = f"{i + 1:03d}_{pinyin_free_slug(i, district)}_{KIND_FILE[doc.kind]}"
        fmt, encoding, data = render(doc, formats[i], doc_rng)
        path = out_dir / f"{name}.{fmt}"
        path.write_bytes(data)
        documents.append(entry(path.name, fmt, encoding, doc))
    truth = {
        "schema": SCHEMA,
        "seed": seed,
        "n": n,
        "note": "All districts, cities and provinces are fictional.",
        "documents": documents,
    }
    truth_path = out_dir / "ground_truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    (out_dir / "README.md").write_text(readme(truth), "utf-8")
    return truth_path


def plan_kinds(n: int, rng: random.Random) -> list[str]:
    plans = 1 if n < 20 else 2
    duty = max(1, round(n * 0.2)) if n >= 3 else 0
    plans = min(plans, max(0, n - 1))
    kinds = (
        ["implementation_plan"] * plans
        + ["duty_performance_self_assessment"] * duty
        + ["quality_balance_self_assessment"] * max(0, n - plans - duty)
    )
    rng.shuffle(kinds)
    return kinds[:n]


def plan_formats(n: int, rng: random.Random) -> list[str]:
    """About 40% HTML, 30% TXT, 15% PDF, 15% DOCX, in a shuffled order."""
    formats: list[str] = []
    for fmt, share in FORMAT_SHARES:
        formats += [fmt] * round(n * share / 100)
    while len(formats) < n:
        formats.append(FORMAT_SHARES[len(formats) % 4][0])
    formats = formats[:n]
    rng.shuffle(formats)
    return formats


def build(rng: random.Random, kind: str, district: str, inject: bool) -> SynthDoc:
    places = templates()["places"]
    titles = templates()["titles"]
    unit = district[-1]
    year = rng.choice([2023, 2024, 2025])
    published = f"{year}-{rng.randint(3, 11):02d}-{rng.randint(1, 28):02d}"
    key = {
        "quality_balance_self_assessment": "quality",
        "duty_performance_self_assessment": "duty",
    }.get(kind, "plan")
    title = rng.choice(titles[key]).format(
        d=district, unit=unit, y=year - 1 if key == "duty" else year
    )
    publisher = (
        f"{district}教育局"
        if kind != "duty_performance_self_assessment"
        else f"{district}人民政府教育督导室"
    )
    doc = SynthDoc(
        kind=kind,
        district=district,
        city=rng.choice(places["cities"]),
        province=rng.choice(places["provinces"]),
        published=published,
        title=title,
        publisher=publisher,
    )
    if kind == "implementation_plan":
        plan_document(doc, rng, year)
        return doc
    pool = QUALITY_INJECTIONS if kind == "quality_balance_self_assessment" else DUTY_INJECTIONS
    injections = pick_injections(rng, pool) if inject else []
    if kind == "quality_balance_self_assessment":
        quality_report(doc, rng, year, injections)
    else:
        duty_report(doc, rng, year - 1, injections)
    return doc


def pick_injections(rng: random.Random, pool: tuple[str, ...]) -> list[str]:
    """One or two injections, never two of the same family (one percent, one resource block)."""
    first = rng.choice(pool)
    if rng.random() < 0.5:
        return [first]
    rest = [p for p in pool if _family(p) != _family(first)]
    return [first, rng.choice(rest)]


def _family(name: str) -> str:
    if name.startswith("percent"):
        return "percent"
    return "resource" if name.startswith(("conclusion", "cv_", "below")) else name


def render(doc: SynthDoc, fmt: str, rng: random.Random) -> tuple[str, str, bytes]:
    if fmt == "txt":
        encoding = "gb18030" if rng.random() < 0.25 else "utf-8"
        return "txt", encoding, render_txt(doc, encoding)
    if fmt == "html":
        encoding = "gb18030" if rng.random() < 0.35 else "utf-8"
        return "html", encoding, render_html(doc, site(doc, rng), encoding, rng.random() < 0.3)
    if fmt == "pdf":
        return "pdf", "binary", render_pdf(doc)
    return "docx", "binary", render_docx(doc)


def site(doc: SynthDoc, rng: random.Random) -> dict:
    """Chrome of the district's government site (all identifiers invented)."""
    cms = templates()["cms"]
    return {
        "site_name": f"{doc.city}{doc.district}人民政府",
        "host": f"{doc.city}{doc.district}人民政府",
        "nav": cms["nav"],
        "breadcrumb": cms["breadcrumb"],
        "index_no": f"{rng.randint(10**17, 10**18 - 1)}/{doc.published[:4]}-{rng.randint(1, 999):05d}",
        "site_code": str(rng.randint(10**9, 10**10 - 1)),
        "icp": f"澄ICP备{rng.randint(10**7, 10**8 - 1)}号",
        "police": str(rng.randint(10**13, 10**14 - 1)),
    }


def pinyin_free_slug(i: int, district: str) -> str:
    """File names stay ASCII without a transliteration dependency: d + district code points."""
    return "d" + "".join(f"{ord(ch):x}"[-2:] for ch in district)


def entry(file: str, fmt: str, encoding: str, doc: SynthDoc) -> dict:
    return {
        "file": file,
        "format": fmt,
        "encoding": encoding,
        "meta": {
            "title": doc.title,
            "district": doc.district,
            "city": doc.city,
            "province": doc.province,
            "kind": doc.kind,
            "published": doc.published,
            "publisher": doc.publisher,
        },
        "indicators": [w.to_dict() for w in doc.indicators],
        "injected": [inj.to_dict() for inj in doc.injected],
    }


def summary(truth: dict) -> dict[str, Counter]:
    docs = truth["documents"]
    return {
        "format": Counter(d["format"] for d in docs),
        "kind": Counter(d["meta"]["kind"] for d in docs),
        "rule": Counter(i["rule"] for d in docs for i in d["injected"]),
    }


def readme(truth: dict) -> str:
    counts = summary(truth)
    lines = [
        "# Synthetic demo corpus (generated)",
        "",
        f"Generated by `edu-audit synth -n {truth['n']} --seed {truth['seed']}`. Do not edit: regenerate.",
        "",
        "**Everything here is fictional**: the districts (星河区, 青岚县, 云溪县 …), their cities and",
        "provinces (江岚省, 云岭省, 澄海省) do not exist, and every figure was drawn at random. The",
        "documents imitate the style of published 自查自评报告, 履行教育职责自评报告 and 实施方案",
        "with sentences written for this project.",
        "",
        "`ground_truth.json` lists, per file, the metadata, every indicator value written, and every",
        "inconsistency injected on purpose (rule id, expected severity, sentence, numbers).",
        "",
        "| | count |",
        "|---|---|",
    ]
    for group in ("format", "kind", "rule"):
        for key, value in sorted(counts[group].items()):
            lines.append(f"| {group}: {key} | {value} |")
    return "\n".join(lines) + "\n"
