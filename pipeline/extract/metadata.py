"""Document metadata: title, district, city, province, kind, dates, publisher, report year.

Sources in order of trust: the page's own metadata grid, the title, the letterhead and the
signature at the end, then the body. District names go through the cpca gazetteer for their
city and province; development zones (经开区, 高新区, 新区) that no gazetteer lists keep the
name the report gives them, with the province from the site (重庆市人民政府网) or the text.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from functools import cache
from importlib.resources import files

import regex

from extractors.sitemeta import iso_date
from pipeline.document import META_KEYS, Document
from pipeline.extract.fold import folded
from pipeline.extract.places import Gazetteer, gazetteer

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
_PROSE = regex.compile(
    r"[为的和与及在对把将是了着年全]|推动|推进|通过|方案|工作|国家|省级|市级|教育|均衡"
)
_DATE_CN = regex.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = regex.compile(r"(?<![\d.])((?:19|20)\d{2})\s*(?:年|学年)")
_ORG_LINE = regex.compile(
    r"^[\p{Han}（）()]{4,40}(?:人民政府|教育委员会|教委|教育局|教育体育局|教体局|领导小组|办公室|政府)$"
)
_SPACES = regex.compile(r"\s+")
_SENTENCE_MARK = regex.compile(r"[。；]")
_QUALITY = regex.compile(r"优质均衡")
_BASIC = regex.compile(r"基本均衡")
_COMBINED_CV = regex.compile(r"综合差异系数")
_PUBLISHER_HEAD = regex.compile(r"^([\p{Han}]{2,20}?(?:人民政府|教育委员会|教委|教育局))")
_TITLE_LEAD = regex.compile(r"^(?:中共|中国共产党|关于|印发|转发|开展|做好)+")
_ONE_CHAR_PLACE = regex.compile(r"[\p{Han}]{1}(?:区|县|市)")
_TITLE_YEAR = regex.compile(r"((?:19|20)\d{2})\s*年")
_DATE_LINE = regex.compile(
    r"(?:发布|日期|时间)\s*[:：]?\s*((?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2})"
)
_PLACE_REST = regex.compile(
    r"^(?:[\p{Han}]{2,3}?省)?(?:[\p{Han}]{2,4}?(?:市|州|盟|地区))?(?P<rest>[\p{Han}]{2,}(?:"
    + _ZONE
    + r"|自治县|自治旗|区|县|旗|市))$"
)


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
        clean = _SPACES.sub("", line)
        if (
            6 <= len(clean) <= 80
            and _TITLE_WORDS.search(clean)
            and not _SENTENCE_MARK.search(clean[:-1])
        ):
            if declared and (clean in _SPACES.sub("", declared)):
                return declared
            return clean
    return declared


def _head_text(doc: Document) -> str:
    return doc.text[:1500]


@cache
def _kind_rules() -> list[tuple[str, regex.Pattern, frozenset[str]]]:
    data = tomllib.loads(files("pipeline.data").joinpath("kinds.toml").read_text("utf-8"))
    return [(r["kind"], regex.compile(r["pattern"]), frozenset(r["where"])) for r in data["rule"]]


def classify_kind(title: str, text: str) -> str:
    """Document kind from what the title says it is, then the opening, then the body."""
    title, text = folded(title), folded(text[:3000])
    for where, part in (("title", title), ("opening", text[:200]), ("body", text)):
        for kind, pattern, places in _kind_rules():
            if where in places and pattern.search(part):
                return _balance_kind(text) if kind == "balance" else kind
    return "other"


def _balance_kind(text: str) -> str:
    """基本 or 优质均衡 by the framework the text reports against; 均衡 alone is the older one."""
    quality = len(_QUALITY.findall(text))
    basic = len(_BASIC.findall(text)) + len(_COMBINED_CV.findall(text))
    if quality > basic:
        return "quality_balance_self_assessment"
    return "basic_balance_self_assessment" if basic or "均衡" in text else "other"


def _published(doc: Document) -> str | None:
    site = doc.site_meta
    for key in ("published", "date", "written", "created"):
        value = iso_date(site.get(key))
        if value:
            return value
    head = doc.text[:600]
    m = _DATE_LINE.search(head)
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
    m = _PUBLISHER_HEAD.match(title or "")
    return m.group(1) if m else None


def locate(
    title: str, head: str, text: str, publisher: str
) -> tuple[str | None, str | None, str | None]:
    """District, city and province from title, head and body, resolved through the gazetteer."""
    district = _district(title) or _named_subject(title, publisher, text)
    if district is None:  # names no gazetteer lists (new zones): the report's own wording
        fallback = _district(publisher) or _district(head) or _frequent_district(text)
        district = fallback if fallback not in gazetteer().places else None
    province = city = None
    context = " ".join([title, head[:400], publisher])
    resolved = _resolve(district, context) if district else None
    if resolved:
        province, city = resolved
    if province is None:
        province, city = _region_from_text(context + text[:3000])
    return district, city, province


# Weights of where a county name appears: the report's subject is named in its title, its
# publisher or its opening, and again and again in the body; a county merely mentioned is not.
_SUBJECT_WEIGHTS = {"title": 6, "publisher": 4, "opening": 2, "cue": 1, "scope": 1}
_SUBJECT_MIN = 3
_SUBJECT_CUE = regex.compile(
    r"人民政府|政府|教育|教体局|教委|共有|现有|辖|地处|位于|全年|公办|义务"
)
_OPENING = 300


def _named_subject(title: str, publisher: str, text: str) -> str | None:
    """The county-level unit a report is about, from the gazetteer's names in title, publisher
    and body (traditional characters and pinyin glosses folded)."""
    places = gazetteer()
    scores: Counter = Counter()
    for source, value in (("title", title), ("publisher", publisher)):
        for m in places.find(folded(value)):
            scores[m.name] += _SUBJECT_WEIGHTS[source]
    body = folded(text[:8000])
    seen_cue: set[str] = set()
    for m in places.find(body):
        scores[m.name] += 1
        if m.start < _OPENING and m.name not in seen_cue:
            scores[m.name] += _SUBJECT_WEIGHTS["opening"]
        if _SUBJECT_CUE.match(body, m.end) and m.name not in seen_cue:
            scores[m.name] += _SUBJECT_WEIGHTS["cue"]
        seen_cue.add(m.name)
    for source, value in (("title", title), ("publisher", publisher), ("opening", body[:_OPENING])):
        for name in _zones(folded(value), places):
            scores[name] += _SUBJECT_WEIGHTS[source] + 1
    _merge_abbreviations(scores)
    for name in scores:
        if f"全{name[-1]}" in body:  # 全县 for a 县, 全区 for a 区
            scores[name] += _SUBJECT_WEIGHTS["scope"]
    best = [(score, name) for name, score in scores.most_common(2)]
    if not best or best[0][0] < _SUBJECT_MIN:
        return None
    if len(best) == 2 and best[1][0] == best[0][0]:
        return None  # two equally named counties: not this report's own subject
    return best[0][1]


_ZONE_NAME = regex.compile(
    r"(?<!\p{Han})\p{Han}{2,16}?(?:示范区|经济技术开发区|经开区|高新技术产业开发区|高新区|新区)"
)


def _merge_abbreviations(scores: Counter) -> None:
    """平原示范区 in a signature is the 平原城乡一体化示范区 of the title: one candidate."""
    for short in sorted(scores, key=len):
        longer = [
            n for n in scores if len(n) > len(short) and n[:2] == short[:2] and n[-3:] == short[-3:]
        ]
        if len(longer) == 1:
            scores[longer[0]] += scores.pop(short)


def _zones(text: str, places: Gazetteer) -> list[str]:
    """Development and demonstration zones at the start of a phrase, after their city's name
    (新乡市平原城乡一体化示范区 → 平原城乡一体化示范区); no gazetteer lists them."""
    names = []
    for m in _ZONE_NAME.finditer(text):
        name = m.group()
        for parent in places.parents:
            name = name.removeprefix(parent)
        if len(name) > 4 and _valid_name(name):
            names.append(name)
    return names


def _district(text: str) -> str | None:
    for m in _DISTRICT.finditer(_SPACES.sub("", text)):
        name = _strip_prefixes(m["name"])
        if _valid_name(name):
            return name
    return None


def _valid_name(name: str) -> bool:
    """A place name, not a piece of a sentence or a province-level 自治区."""
    return (
        len(name) >= 2
        and not _NOT_DISTRICT.match(name)
        and not _PROSE.search(name)
        and not name.endswith("自治区")
    )


def _strip_prefixes(name: str) -> str:
    """重庆市江北区 → 江北区; 中共重庆市大足区 → 大足区; keep 万盛经开区 whole."""
    name = _TITLE_LEAD.sub("", name)
    m = _PLACE_REST.match(name)
    rest = m["rest"] if m else name
    return rest if not _ONE_CHAR_PLACE.fullmatch(rest) else name


def _frequent_district(text: str) -> str | None:
    names = Counter(_strip_prefixes(m["name"]) for m in _DISTRICT.finditer(text[:8000]))
    names = Counter({k: v for k, v in names.items() if _valid_name(k) and len(k) >= 3})
    return names.most_common(1)[0][0] if names else None


def _resolve(district: str, context: str) -> tuple[str, str] | None:
    """Province and city of a county-level name; None when the name is unknown or names
    counties in several places that the context does not tell apart (鼓楼区)."""
    place = gazetteer().resolve(district, folded(context))
    return (place.province, place.city) if place else None


def _region_from_text(text: str) -> tuple[str | None, str | None]:
    """Province (and city) the text names: 重庆市人民政府网, 安徽省宣城市…"""
    places = gazetteer()
    text = folded(text)
    found = [(text.find(p), p) for p in places.provinces if p in text]
    if not found:
        return None, None
    _, province = min(found)
    if province in MUNICIPALITIES:
        return province, province
    after = text[text.find(province) + len(province) :][:12]
    city = next((c for c in places.cities if after.startswith(c)), None)
    return province, city


def inferred_keys(meta: dict, text: str) -> list[str]:
    """City and province the gazetteer supplied but the document never names (重庆市 for 大足区):
    shown as inferred, not as what the report says."""
    text = folded(text)
    inferred = []
    for key in ("city", "province"):
        name = meta.get(key)
        short = (name or "").removesuffix("市").removesuffix("省")
        if name and name not in text and not (len(short) >= 2 and short in text):
            inferred.append(key)
    return inferred


_FISCAL_YEAR = regex.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年度")


def _report_year(meta: dict, text: str) -> int | None:
    """The year the report speaks for: "2024年度" in its title or opening, else the publication
    year (a 2024年度 report is often published in 2025), else a year in the title or text."""
    for source in (meta["title"] or "", text[:1500]):
        m = _FISCAL_YEAR.search(source)
        if m:
            return int(m.group(1))
    if meta["published"]:
        return int(meta["published"][:4])
    m = _TITLE_YEAR.search(meta["title"] or "")
    if m:
        return int(m.group(1))
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None
