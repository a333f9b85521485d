"""The demo regions (地区): insured items and their collection mode, agencies, tax authorities.

Static reference data the seed writes into the bureau store; the API then serves it from the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from sbflib.domain.industry_classes import INDUSTRY_RISK_CLASSES

SELF_DECLARED = "税务自主"
ASSESSED = "税务代征"


@dataclass(frozen=True)
class InsuredItem:
    """征收项目 with its 征收品目 and the agency kind that keeps it (人社 or 医保)."""

    code: str
    name: str
    subitem_name: str
    agency_kind: str  # "social" (社保经办机构) or "medical" (医保经办机构)


ITEMS: tuple[InsuredItem, ...] = (
    InsuredItem("10201", "基本养老保险费", "企业职工基本养老保险费", "social"),
    InsuredItem("10202", "失业保险费", "失业保险费", "social"),
    InsuredItem("10203", "基本医疗保险费", "职工基本医疗保险费", "medical"),
    InsuredItem("10204", "工伤保险费", "工伤保险费", "social"),
    InsuredItem("10205", "生育保险费", "生育保险费", "medical"),
)


# 征收子目 (manual 2.2.2 六, 职工参保明细). 工伤保险费 is collected at the rate of the unit's industry
# risk class (行业风险类别, one to eight); the demo units' industries map to these classes in
# sbflib.domain.industry_classes (the client finds its class there too).
_CLASS_NUMERALS = "一二三四五六七八"
MEDICAL_SUBITEM_DETAIL = "职工基本医疗保险（单位及个人）"


def subitem_detail(item_code: str, industry: str | None) -> str | None:
    """The 征收子目 of an insured item for a unit of `industry`: the risk class for 工伤保险费, the
    payers for 基本医疗保险费, none (NULL) for the others, as often in the manual's examples."""
    if item_code == "10204":
        risk = INDUSTRY_RISK_CLASSES.get(industry or "")
        return None if risk is None else f"工伤保险费（{_CLASS_NUMERALS[risk - 1]}类行业）"
    if item_code == "10203":
        return MEDICAL_SUBITEM_DETAIL
    return None


@dataclass(frozen=True)
class District:
    """A district (区) with its resident-ID area code, social and medical agencies and tax bureau."""

    area_code: str
    name: str
    social_agency: str
    medical_agency: str
    tax_authority: str
    tax_office: str


@dataclass(frozen=True)
class Region:
    """A region (地区, prefecture-level city) and how it collects each insured item: `collection_mode`
    for every item except those `item_modes` names (the mode is per region and item)."""

    code: str
    name: str
    modules: tuple[str, ...]
    collection_mode: str  # the mode of the items `item_modes` does not name
    districts: tuple[District, ...]
    item_modes: tuple[tuple[str, str], ...] = ()  # (item_code, mode) exceptions

    @property
    def collection_modes(self) -> dict[str, str]:
        """Each insured item's collection mode here, by item code."""
        exceptions = dict(self.item_modes)
        return {item.code: exceptions.get(item.code, self.collection_mode) for item in ITEMS}


def _hz(code: str, district: str) -> District:
    return District(
        code,
        district,
        f"杭州市{district}社会保险管理服务中心",
        f"杭州市{district}医疗保障局",
        f"国家税务总局杭州市{district}税务局",
        f"国家税务总局杭州市{district}税务局第一税务所",
    )


def _sz(code: str, district: str) -> District:
    return District(
        code,
        district,
        f"深圳市社会保险基金管理局{district}分局",
        f"深圳市医疗保障局{district}分局",
        f"国家税务总局深圳市{district}税务局",
        f"国家税务总局深圳市{district}税务局第一税务所",
    )


def _sh(code: str, district: str) -> District:
    return District(
        code,
        district,
        f"上海市{district}社会保险事业管理中心",
        f"上海市{district}医疗保障局",
        f"国家税务总局上海市{district}税务局",
        f"国家税务总局上海市{district}税务局第一税务所",
    )


REGIONS: tuple[Region, ...] = (
    Region(
        "330100",
        "浙江省杭州市",
        ("employer", "collector"),
        SELF_DECLARED,
        (_hz("330108", "滨江区"), _hz("330106", "西湖区"), _hz("330102", "上城区"), _hz("330110", "余杭区")),
        # 生育保险费 is assessed by the medical insurance agency and collected for it (税务代征): its base
        # follows 基本医疗保险 (生育保险和职工基本医疗保险合并实施), so the unit files no wage for it. A demo
        # choice, so that the wage filings meet an item they must leave out (manual 2.3.1).
        item_modes=(("10205", ASSESSED),),
    ),
    Region(
        "440300",
        "广东省深圳市",
        ("employer", "collector"),
        ASSESSED,
        (_sz("440305", "南山区"), _sz("440304", "福田区"), _sz("440306", "宝安区"), _sz("440307", "龙岗区")),
    ),
    # Only 用人单位业务 is online here: the client shows one button on its first screen (manual 1.4).
    Region("310100", "上海市", ("employer",), SELF_DECLARED, (_sh("310115", "浦东新区"), _sh("310104", "徐汇区"))),
)

# Area codes (行政区划代码) of employees' birthplaces outside the demo regions: real county codes.
MIGRANT_AREA_CODES: tuple[str, ...] = (
    "410102", "420102", "430102", "510104", "360102", "450102", "340102", "320102", "350102",
    "370102", "130102", "610102", "500103", "220102", "230102",
)


def region(code: str) -> Region | None:
    return next((r for r in REGIONS if r.code == code), None)
