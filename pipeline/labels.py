"""Chinese words for the codes in document results, shared by every output an inspector reads."""

from __future__ import annotations

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITIES = ("error", "warning", "info")

STATUS_LABEL = {
    "ok": "正常",
    "empty": "空文档",
    "needs_ocr": "需OCR",
    "unsupported": "格式不支持",
    "failed": "处理失败",
}

KIND_LABEL = {
    "quality_balance_self_assessment": "优质均衡自评报告",
    "basic_balance_self_assessment": "基本均衡自评报告",
    "duty_performance_self_assessment": "履职自评报告",
    "implementation_plan": "实施方案",
    "research_report": "研究报告",
    "other": "其他",
}

LEVEL_LABEL = {
    "all": "全域",
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制",
    "special": "特殊教育",
}

OP_LABEL = {">=": "≥", "<=": "≤", "<": "<", ">": ">", "==": "="}


def label(table: dict[str, str], code: object) -> str:
    """The Chinese word for a code, or the code itself when it is unknown (never fails)."""
    return table.get(str(code), "—" if code is None else str(code))
