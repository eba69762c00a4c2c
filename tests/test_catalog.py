"""The catalog must say exactly what standards.md says; thresholds are spelled out here on purpose."""

from decimal import Decimal

import pytest

from pipeline.catalog import CONCLUSIONS, LEVELS, Standard, load_catalog, parse_catalog

QUALITY_CODES = (
    [str(c) for c in range(101, 108)]
    + [str(c) for c in range(201, 216)]
    + [str(c) for c in range(301, 310)]
    + ["401", "501"]
)

# code: (unit, primary, junior) — standards.md, resource allocation table, all ">=".
RESOURCE = {
    "101": ("人", "4.2", "5.3"),
    "102": ("人", "1", "1"),
    "103": ("人", "0.9", "0.9"),
    "104": ("平方米", "4.5", "5.8"),
    "105": ("平方米", "7.5", "10.2"),
    "106": ("元", "2000", "2500"),
    "107": ("间", "2.3", "2.4"),
}

# code: {level: (op, value)}, unit — single-valued standards outside the resource table.
OTHER = {
    "204": (
        {"primary": ("<=", "2000"), "junior": ("<=", "2000"), "nine_year": ("<=", "2500")},
        "人",
    ),
    "205": ({"primary": ("<=", "45"), "junior": ("<=", "50")}, "人"),
    "207": ({"all": (">=", "6000")}, "元"),
    "209": ({"all": (">=", "100")}, "%"),
    "211": ({"all": (">=", "10")}, "%"),
    "212": ({"all": (">=", "100")}, "%"),
    "213": ({"primary": ("==", "100"), "junior": (">=", "95")}, "%"),
    "214": ({"all": (">=", "50")}, "%"),
    "215": ({"all": (">=", "85")}, "%"),
    "301": ({"all": (">=", "95")}, "%"),
    "302": ({"all": (">=", "95")}, "%"),
    "304": ({"all": (">=", "5")}, "%"),
    "309": ({"all": ("<", "0.15")}, ""),
    "401": ({"all": (">=", "85")}, "%"),
}

QUALITATIVE = ("201", "202", "206", "210", "303", "305", "306", "307", "308", "501")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_quality_balance_code_present(catalog):
    assert catalog.codes() == QUALITY_CODES


def test_groups_follow_code_ranges(catalog):
    expected = {"1": "resource", "2": "guarantee", "3": "quality", "4": "recognition", "5": "veto"}
    for code in QUALITY_CODES:
        assert catalog.indicator(code).group == expected[code[0]], code


def test_sources_are_named(catalog):
    qb = catalog.frameworks["quality_balance"]
    assert "教督〔2017〕6号" in qb.source
    assert "教督厅函〔2024〕10号" in qb.source
    assert "教督〔2012〕3号" in catalog.frameworks["basic_balance"].source


def test_cv_limits(catalog):
    assert catalog.frameworks["quality_balance"].cv_limit == {
        "primary": Decimal("0.50"),
        "junior": Decimal("0.45"),
    }
    assert catalog.frameworks["basic_balance"].cv_limit == {
        "primary": Decimal("0.65"),
        "junior": Decimal("0.55"),
    }


@pytest.mark.parametrize("code", sorted(RESOURCE))
def test_resource_thresholds(catalog, code):
    unit, primary, junior = RESOURCE[code]
    ind = catalog.indicator(code)
    assert ind.unit == unit
    assert ind.numeric and ind.per_school
    assert set(ind.standards) == {"primary", "junior"}
    assert ind.standards["primary"] == Standard(">=", Decimal(primary), unit)
    assert ind.standards["junior"] == Standard(">=", Decimal(junior), unit)


@pytest.mark.parametrize("code", sorted(OTHER))
def test_other_thresholds(catalog, code):
    levels, unit = OTHER[code]
    ind = catalog.indicator(code)
    assert ind.unit == unit
    assert ind.numeric
    assert {lv: (s.op, s.value) for lv, s in ind.standards.items()} == {
        lv: (op, Decimal(v)) for lv, (op, v) in levels.items()
    }


def test_208_compares_to_civil_servant_pay(catalog):
    std = catalog.indicator("208").standards["all"]
    assert (std.op, std.value, std.unit) == (">=", None, "元")
    assert std.compare_to == "当地公务员平均工资收入水平"
    assert std.check(Decimal("15.4203"), reference=Decimal("15.3549"))
    assert not std.check(Decimal("15.3548"), reference="15.3549")
    with pytest.raises(ValueError):
        std.check(Decimal("15"))


def test_203_parts(catalog):
    parts = {p.label: (p.op, p.value, p.unit) for p in catalog.indicator("203").parts}
    assert parts == {
        "每12个班级音乐专用教室数": (">=", Decimal(1), "间"),
        "每12个班级美术专用教室数": (">=", Decimal(1), "间"),
        "每间音乐专用教室面积": (">=", Decimal(96), "平方米"),
        "每间美术专用教室面积": (">=", Decimal(90), "平方米"),
    }


def test_211_and_309_parts(catalog):
    p211 = [(p.op, p.value, p.unit) for p in catalog.indicator("211").parts]
    assert p211 == [(">=", Decimal(10), "%"), (">=", Decimal(20), "%")]
    p309 = [(p.op, p.value) for p in catalog.indicator("309").parts]
    assert p309 == [(">=", Decimal(3)), ("<", Decimal("0.15"))]


def test_qualitative_items_have_no_threshold(catalog):
    for code in QUALITATIVE:
        ind = catalog.indicator(code)
        assert not ind.numeric and not ind.standards and ind.unit == "", code


def test_veto_items(catalog):
    items = catalog.indicator("501").items
    assert len(items) == 6
    assert "以考试方式招生" in items and "弄虚作假" in items


def test_basic_balance_indicators(catalog):
    bb = catalog.frameworks["basic_balance"]
    names = [i.name for i in bb.indicators.values()]
    assert list(bb.indicators) == [f"B0{i}" for i in range(1, 9)]
    assert names == [
        "生均教学及辅助用房面积",
        "生均体育运动场馆面积",
        "生均教学仪器设备值",
        "每百名学生拥有计算机台数",
        "生均图书册数",
        "师生比",
        "生均高于规定学历教师数",
        "生均中级及以上专业技术职务教师数",
    ]
    assert all(i.aliases for i in bb.indicators.values())
    assert catalog.indicator("B04", framework="basic_balance").unit == "台"


def test_every_indicator_has_names_for_matching(catalog):
    for fw in catalog.frameworks.values():
        for ind in fw.indicators.values():
            assert ind.aliases and ind.keywords and ind.short, ind.code
            assert len(set(ind.aliases)) == len(ind.aliases), ind.code


@pytest.mark.parametrize(
    ("op", "bar", "value", "expected"),
    [
        (">=", "85", "84.96", False),  # never round 84.96 up to 85
        (">=", "85", "85", True),
        (">=", "85", "85.00", True),
        (">=", "4.2", "4.19", False),
        (">=", "4.2", "4.20", True),
        ("<=", "0.50", "0.503", False),
        ("<=", "0.50", "0.5", True),
        ("<", "0.15", "0.15", False),
        ("<", "0.15", "0.149", True),
        (">", "0", "0.001", True),
        ("==", "100", "100.0", True),
        ("==", "100", "99.99", False),
    ],
)
def test_check_is_exact_on_boundaries(op, bar, value, expected):
    assert Standard(op, Decimal(bar)).check(Decimal(value)) is expected


def test_check_refuses_floats():
    with pytest.raises(TypeError):
        Standard(">=", Decimal(85)).check(84.96)


def test_thresholds_are_decimals(catalog):
    std = catalog.indicator("101").standards["primary"]
    assert isinstance(std.value, Decimal) and str(std.value) == "4.2"
    assert catalog.indicator("401").standards["all"].check(Decimal("88.9"))
    assert not catalog.indicator("401").standards["all"].check(Decimal("84.96"))


def test_standard_for_falls_back_to_all(catalog):
    assert catalog.indicator("214").standard_for("junior").value == Decimal(50)
    assert catalog.indicator("101").standard_for("nine_year") is None
    assert catalog.indicator("201").standard_for("primary") is None


def test_levels_vocabulary(catalog):
    lv = catalog.levels
    assert lv["小学"] == "primary" and lv["初中"] == "junior"
    assert lv["九年一贯制"] == "nine_year"
    assert lv["特殊教育"] == "special" and lv["特教"] == "special"
    assert lv["全区"] == lv["全县"] == lv["义务教育"] == "all"
    assert set(lv.values()) <= set(LEVELS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("自评结论:达标。", "达标"),
        ("达到国家标准", "达标"),
        ("各项指标全部达标", "达标"),
        ("符合要求", "达标"),
        ("自评结论:整改后达标。", "整改后达标"),
        ("经整改已达标", "整改后达标"),
        ("基本达标", "基本达标"),
        ("基本达到要求", "基本达标"),
        ("未达标", "不达标"),
        ("未达到国家标准", "不达标"),
        ("不达标", "不达标"),
        ("正接受市级社会认可度调查", None),
    ],
)
def test_conclusion_phrases(catalog, text, expected):
    assert catalog.match_conclusion(text) == expected
    assert set(catalog.conclusions.values()) == set(CONCLUSIONS)


def test_version_is_stable_hash(catalog):
    assert len(catalog.version) == 12
    assert load_catalog() is catalog  # loaded once
    from pipeline.catalog import catalog_bytes

    assert parse_catalog(catalog_bytes()).version == catalog.version


def test_parse_rejects_bad_op():
    bad = b"""
[levels]
[conclusions]
[frameworks.x]
name = "x"
source = "x"
cv_limit = { primary = 0.5 }
[[frameworks.x.indicators]]
code = "1"
group = "resource"
name = "n"
short = "n"
numeric = true
per_school = true
standard = { all = { op = "=>", value = 1 } }
"""
    with pytest.raises(ValueError):
        parse_catalog(bad)
