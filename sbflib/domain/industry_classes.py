"""行业风险类别: the work-injury class (一类 to 八类) of a unit's industry.

工伤保险费 is collected at the rate of the unit's industry risk class (《工伤保险行业风险分类表》,
人社部发〔2015〕71号: eight classes from the industries of GB/T 4754); the region's rule file gives
each class's rate (`ContributionRules.rate(..., injury_class=)`). Both sides use this table: the
bureau to price its preprocessing, the client (测算) to find its unit's class from the industry it
keeps in 单位信息. The demo units' industries map to these classes.

>>> injury_class("软件和信息技术服务业"), injury_class("建筑安装业"), injury_class("未知行业")
(1, 5, None)
>>> class_label(5)
'五类'
"""

from __future__ import annotations

__all__ = ["INDUSTRY_RISK_CLASSES", "class_label", "injury_class"]

INDUSTRY_RISK_CLASSES: dict[str, int] = {
    "软件和信息技术服务业": 1,
    "国家机构": 1,
    "教育": 1,
    "商务服务业": 2,
    "批发业": 2,
    "餐饮业": 2,
    "文化艺术业": 2,
    "物业管理": 2,
    "居民服务业": 2,
    "仓储业": 3,
    "道路运输业": 3,
    "计算机、通信和其他电子设备制造业": 3,
    "通用设备制造业": 4,
    "建筑安装业": 5,
    "建筑装饰和其他建筑业": 5,
}
_NUMERALS = "一二三四五六七八"


def injury_class(industry: str | None) -> int | None:
    """The risk class (1-8) of `industry`, None when it is not in the table (or not known)."""
    return INDUSTRY_RISK_CLASSES.get((industry or "").strip())


def class_label(risk: int) -> str:
    """A class in a clerk's words: 一类 … 八类."""
    return f"{_NUMERALS[risk - 1]}类"
