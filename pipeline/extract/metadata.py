"""Document metadata: title, district, city, province, kind, dates, publisher, report year.

Sources in order of trust: the page's own metadata grid, the title, the letterhead and the
signature at the end, then the body. District names go through the cpca gazetteer for their
city and province; development zones (经开区, 高新区, 新区) that no gazetteer lists keep the
name the report gives them, with the province from the site (重庆市人民政府网) or the text.
"""

from __future__ import annotations

import warnings
from collections import Counter
from functools import cache

import regex

from extractors.sitemeta import iso_date
from pipeline.document import META_KEYS, Document

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_TITLE_WORDS = regex.compile(r"报告|方案|通知|意见|规划|计划|情况|总结|自评|公告|公示")
_ZONE = r"(?:经济技术开发区|经开区|高新技术产业开发区|高新区|开发区|新区|管委会)"
_DISTRICT = regex.compile(
    rf"(?P<name>[\p{{Han}}]{{2,6}}?(?:{_ZONE}|自治县|自治旗|区|县|旗|市))"
    rf"(?=人民政府|政府|教委|教育委员会|教育局|教育工作|创建|关于|义务教育|推进|推动|构建|实施|加快|\d{{4}}年|县域|区域|坚持|现有|共有|全区|全县|$|[，,、])"
)
_NOT_DISTRICT = regex.compile(
    r"^(?:全|本|我|城|市辖|该|各|示范|试验|先行|发展|优质均衡发展|均衡发展|社区|校区|园区|片区|城区|学区|地区|辖区|山区|库区|老区)"
)
# Words a place name does not contain: a match holding them is a piece of a sentence.
_PROSE = regex.compile(r"[为的和与及在对把将是了着]|推动|推进|全区|全县|方案|工作")
_KIND_RULES: tuple[tuple[str, str], ...] = (
    ("duty_performance_self_assessment", r"履行教育职责|履职.{0,4}自评|教育职责.{0,6}评价"),
    ("implementation_plan", r"实施方案|行动方案|行动计划|工作方案|推进方案|规划(?!布局)|实施意见"),
    ("research_report", r"研究报告|调研报告|调查报告|课题"),
    (
        "basic_balance_self_assessment",
        r"基本均衡.{0,20}(?:自查|自评|督导评估)|(?:自查|自评).{0,20}基本均衡",
    ),
    (
        "quality_balance_self_assessment",
        r"优质均衡.{0,20}(?:自查|自评|督导评估)|(?:自查|自评).{0,20}优质均衡",
    ),
)
_SELF_ASSESSMENT = regex.compile(r"自查自评|自评报告|自评情况|自查报告")
_DATE_CN = regex.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = regex.compile(r"(?<![\d.])((?:19|20)\d{2})\s*(?:年|学年)")
_ORG_LINE = regex.compile(
    r"^[\p{Han}（）()]{4,40}(?:人民政府|教育委员会|教委|教育局|教育体育局|教体局|领导小组|办公室|政府)$"
)


@cache
def _gazetteer():
    """cpca's transform, imported lazily (it loads its address table on first use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca

    return cpca.transform


def extract_metadata(doc: Document) -> dict:
    meta = dict.fromkeys(META_KEYS)
    site = doc.site_meta
    meta["title"] = find_title(doc)
    head = _head_text(doc)
    meta["kind"] = classify_kind(meta["title"] or "", doc.text)
    meta["published"] = _published(doc)
    meta["publisher"] = (
        site.get("publisher")
        or site.get("source")
        or _signature_org(doc)
        or _letterhead_org(doc)
        or _title_org(meta["title"])
    )
    district, city, province = locate(meta["title"] or "", head, doc.text, meta["publisher"] or "")
    meta.update(district=district, city=city, province=province)
    meta["inferred"] = inferred_keys(
        meta, " ".join([meta["title"] or "", meta["publisher"] or "", doc.text])
    )
    meta["report_year"] = _report_year(meta, doc.text)
    return meta


def find_title(doc: Document) -> str | None:
    """The page title when declared, else the first title-like line of the document."""
    declared = doc.site_meta.get("title")
    lines = [
        doc.text[b.start : b.end] for b in doc.blocks[:25] if b.kind in ("heading", "paragraph")
    ]
    for line in lines:
        clean = regex.sub(r"\s+", "", line)
        if (
            6 <= len(clean) <= 80
            and _TITLE_WORDS.search(clean)
            and not regex.search(r"[。；]", clean[:-1])
        ):
            if declared and (clean in regex.sub(r"\s+", "", declared)):
                return declared
            return clean
    return declared


def _head_text(doc: Document) -> str:
    return doc.text[:1500]


def classify_kind(title: str, text: str) -> str:
    """Document kind from the title first, then from the body's own words."""
    for kind, pattern in _KIND_RULES:
        if regex.search(pattern, title):
            return kind
    if _SELF_ASSESSMENT.search(title):
        return _balance_kind(text)
    body = text[:3000]
    for kind, pattern in _KIND_RULES:
        if regex.search(pattern, body):
            return kind
    return "other"


def _balance_kind(text: str) -> str:
    quality = len(regex.findall(r"优质均衡", text))
    basic = len(regex.findall(r"基本均衡", text)) + len(regex.findall(r"综合差异系数", text))
    if quality == basic == 0:
        return "other"
    return (
        "quality_balance_self_assessment" if quality >= basic else "basic_balance_self_assessment"
    )


def _published(doc: Document) -> str | None:
    site = doc.site_meta
    for key in ("published", "date", "written", "created"):
        value = iso_date(site.get(key))
        if value:
            return value
    head = doc.text[:600]
    m = regex.search(
        r"(?:发布|日期|时间)\s*[:：]?\s*((?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2})", head
    )
    if m:
        return iso_date(m.group(1))
    tail = doc.text[-400:]
    dates = list(_DATE_CN.finditer(tail))
    return iso_date(dates[-1].group()) if dates else None


def _signature_org(doc: Document) -> str | None:
    """The issuing body printed above the date at the end."""
    tail_blocks = [
        doc.text[b.start : b.end].strip() for b in doc.blocks[-6:] if b.kind == "paragraph"
    ]
    for line in reversed(tail_blocks):
        line = _DATE_CN.sub("", line).strip()
        if _ORG_LINE.match(line):
            return line
    return None


def _letterhead_org(doc: Document) -> str | None:
    """An issuing body printed alone above the title (重庆市綦江区人民政府)."""
    for block in doc.blocks[:3]:
        line = doc.text[block.start : block.end].strip()
        if _ORG_LINE.match(line):
            return line
    return None


def _title_org(title: str | None) -> str | None:
    m = regex.match(r"^([\p{Han}]{2,20}?(?:人民政府|教育委员会|教委|教育局))", title or "")
    return m.group(1) if m else None


def locate(
    title: str, head: str, text: str, publisher: str
) -> tuple[str | None, str | None, str | None]:
    """District, city and province from title, head and body, resolved through the gazetteer."""
    district = (
        _district(title) or _district(publisher) or _district(head) or _frequent_district(text)
    )
    province = city = None
    context = " ".join([title, head[:400], publisher])
    resolved = _resolve(district, context) if district else None
    if resolved:
        province, city = resolved
    if province is None:
        province, city = _region_from_text(context + text[:3000])
    return district, city, province


def _district(text: str) -> str | None:
    for m in _DISTRICT.finditer(regex.sub(r"\s+", "", text)):
        name = _strip_prefixes(m["name"])
        if name and not _NOT_DISTRICT.match(name) and not _PROSE.search(name) and len(name) >= 2:
            return name
    return None


def _strip_prefixes(name: str) -> str:
    """重庆市江北区 → 江北区; 中共重庆市大足区 → 大足区; keep 万盛经开区 whole."""
    name = regex.sub(r"^(?:中共|中国共产党|关于|印发|转发|开展|做好)+", "", name)
    m = regex.match(
        r"^(?:[\p{Han}]{2,3}?省)?(?:[\p{Han}]{2,4}?(?:市|州|盟|地区))?(?P<rest>[\p{Han}]{2,}(?:"
        + _ZONE
        + r"|自治县|自治旗|区|县|旗|市))$",
        name,
    )
    rest = m["rest"] if m else name
    return rest if not regex.fullmatch(r"[\p{Han}]{1}(?:区|县|市)", rest) else name


def _frequent_district(text: str) -> str | None:
    names = Counter(_strip_prefixes(m["name"]) for m in _DISTRICT.finditer(text[:8000]))
    names = Counter({k: v for k, v in names.items() if not _NOT_DISTRICT.match(k) and len(k) >= 3})
    return names.most_common(1)[0][0] if names else None


def _resolve(district: str, context: str) -> tuple[str, str] | None:
    """Province and city of a district through the gazetteer.

    A name several counties share (鼓楼区: 开封、南京、福州、徐州; 江北区: 重庆、宁波) is resolved
    only when the context names its province or city; otherwise it stays unknown rather than
    guessed.
    """
    transform = _gazetteer()
    frame = transform([context + " " + district, district])
    for _, row in frame.iterrows():
        province, city, area = row.get("省"), row.get("市"), row.get("区")
        if isinstance(area, str) and area == district and isinstance(province, str):
            city = _city(province, city)
            if _homonyms(district) > 1 and not _named(context, province, city):
                return None
            return province, city
    return None


@cache
def _county_names() -> Counter:
    """How many counties of the country bear each name (cpca's own table)."""
    from importlib import resources

    table = resources.files("cpca.resources").joinpath("adcodes.csv").read_text("utf-8")
    names = Counter()
    for line in table.splitlines()[1:]:
        adcode, name = line.split(",")[:2]
        if adcode[4:6] == "00" or adcode[6:] != "000000":
            continue  # 12-digit codes: province PP0000…, city PPCC00…, county PPCCDD000000
        names[name] += 1
    return names


def _homonyms(district: str) -> int:
    return _county_names().get(district, 0)


def _named(text: str, province: str, city: str | None) -> bool:
    """The text itself names the province or the city (重庆市, 福建省, 福州市, or 福州)."""
    names = {
        province,
        province.removesuffix("省").removesuffix("市"),
        city or "",
        (city or "").removesuffix("市"),
    }
    return any(len(n) >= 2 and n in text for n in names)


def inferred_keys(meta: dict, text: str) -> list[str]:
    """City and province that the gazetteer supplied but the document never names."""
    return [
        key for key in ("city", "province") if meta.get(key) and not _named(text, meta[key], None)
    ]


def _city(province: str, city) -> str:
    if province in MUNICIPALITIES or not isinstance(city, str) or city in ("市辖区", "县"):
        return province
    return city


def _region_from_text(text: str) -> tuple[str | None, str | None]:
    """Province (and city) named in the text: 重庆市人民政府网, 安徽省…"""
    for name in MUNICIPALITIES:
        if name in text:
            return name, name
    m = regex.search(r"([\p{Han}]{2,3}(?:省|自治区))", text)
    if m:
        province = m.group(1)
        c = regex.search(rf"{province}([\p{{Han}}]{{2,4}}市)", text)
        return province, c.group(1) if c else None
    return None, None


def _report_year(meta: dict, text: str) -> int | None:
    """The year the report speaks for: "2024年度" in its title or opening, else the publication
    year (a 2024年度 report is often published in 2025), else a year in the title or text."""
    for source in (meta["title"] or "", text[:1500]):
        m = regex.search(r"(?<![\d.])((?:19|20)\d{2})\s*年度", source)
        if m:
            return int(m.group(1))
    if meta["published"]:
        return int(meta["published"][:4])
    m = regex.search(r"((?:19|20)\d{2})\s*年", meta["title"] or "")
    if m:
        return int(m.group(1))
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None
