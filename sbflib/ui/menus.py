"""The left menu: every menu of FEATURES.md, grouped as the manual groups them, with its catalogue ID,
and the one registry of menus → page classes (`PAGES`).

A group with one item and the same title is shown as a plain menu item. Catalogue IDs stay in code
and CSS classes; no screen shows them.

A new page: a `sbflib.ui.page.Page` subclass with `menu_id` and `title`, and one line in `PAGES`
("module:Class", imported on first visit, so the first screen does not import every page).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sbflib.ui.page import Page


@dataclass(frozen=True)
class Menu:
    id: str
    label: str


@dataclass(frozen=True)
class MenuGroup:
    title: str
    items: tuple[Menu, ...]


def _g(title: str, *items: tuple[str, str]) -> MenuGroup:
    return MenuGroup(title, tuple(Menu(i, label) for i, label in items))


SETTINGS_GROUP = _g(
    "系统设置",
    ("SET-1", "网络管理"),
    ("SET-2", "备份恢复"),
    ("SET-3", "登录密码设置"),
    ("SET-4", "单位信息"),
    ("SET-5", "申报管理"),
    ("SET-6", "操作日志"),  # beyond the manual: every call that changed something at the bureau
)

EMPLOYER_MENUS: tuple[MenuGroup, ...] = (
    _g("首页", ("EMP-1", "首页")),
    _g("职工参保信息更新", ("EMP-2", "职工参保信息更新")),
    _g(
        "缴费工资申报",
        ("EMP-3", "日常缴费工资申报-按职工"),
        ("EMP-4", "日常缴费工资申报-按险种"),
        ("EMP-5", "年度缴费工资申报-按职工"),
        ("EMP-6", "年度缴费工资申报-按险种"),
        ("EMP-7", "缴费工资申报记录"),
    ),
    _g(
        "社保费申报",
        ("EMP-8", "日常申报"),
        ("EMP-9", "特殊缴费申报"),
        ("EMP-27", "社保费申报（核定）"),
        ("EMP-10", "申报记录"),
        ("EMP-29", "社保费测算"),
    ),
    _g(
        "费款缴纳",
        ("EMP-11", "缴费"),
        ("EMP-12", "缴费凭证打印记录"),
        ("EMP-13", "缴费记录"),
    ),
    _g(
        "证明打印",
        ("EMP-14", "税收完税证明（非印刷）开具"),
        ("EMP-15", "税收完税证明（非印刷）补开"),
        ("EMP-16", "职工缴费证明打印"),
        ("EMP-17", "单位缴费证明打印"),
        ("EMP-26", "税收完税证明查验"),
    ),
    _g("单位三方协议管理", ("EMP-18", "单位三方协议管理")),
    _g(
        "查询统计",
        ("EMP-19", "单位参保信息查询"),
        ("EMP-20", "社保费申报明细查询"),
        ("EMP-21", "社保费应缴信息查询"),
        ("EMP-22", "社保费到账信息查询"),
        ("EMP-25", "工程项目参保信息查询"),
    ),
    _g(
        "工程项目工伤保险费申报",
        ("EMP-23", "工程项目社保费申报"),
        ("EMP-24", "工程项目社保费申报记录"),
    ),
    _g("单位退费申请管理", ("EMP-28", "单位退费申请管理")),
    _g(  # beyond the manual: charts over what the client keeps
        "统计分析",
        ("STA-1", "月度费款"),
        ("STA-2", "申报缴费到账核对"),
        ("STA-3", "欠费账龄"),
        ("STA-4", "参保人数变动"),
        ("STA-5", "缴费基数分布"),
    ),
    SETTINGS_GROUP,
)

COLLECTOR_MENUS: tuple[MenuGroup, ...] = (
    _g("首页", ("COL-1", "首页")),
    _g(
        "城乡居民参保信息",
        ("COL-2", "城乡居民参保信息更新"),
        ("COL-3", "外部参保城乡居民导入"),
        ("COL-4", "城乡居民缴费档次查询"),
        ("COL-5", "城乡居民申报缴费状态查询（自主）"),
    ),
    _g(
        "社保费代收代报",
        ("COL-6", "社保费代收代报（自主）"),
        ("COL-7", "社保费代收代报（核定）"),
        ("COL-8", "社保费申报记录"),
    ),
    _g(
        "费款缴纳",
        ("COL-9", "缴费"),
        ("COL-10", "缴费凭证打印记录"),
        ("COL-11", "三方协议缴费记录"),
    ),
    _g("社保费缴费证明打印", ("COL-12", "社保费缴费证明打印")),
    _g(
        "社保费完税证明",
        ("COL-13", "税收完税证明（非印刷）开具"),
        ("COL-14", "税收完税证明（非印刷）补开"),
        ("COL-24", "税收完税证明查验"),
    ),
    _g(
        "查询统计",
        ("COL-15", "社保费申报明细查询"),
        ("COL-16", "单位参保信息查询"),
    ),
    _g(
        "缴费授权",
        ("COL-17", "社保费批扣费额设置"),
        ("COL-18", "居民银行账户管理"),
        ("COL-19", "居民两两协议签订"),
        ("COL-20", "社保费批扣清册查询"),
    ),
    _g(
        "城乡居民个人缴费",
        ("COL-21", "社保费缴纳（自主）"),
        ("COL-22", "社保费缴纳（核定）"),
        ("COL-23", "缴费记录查询"),
        ("COL-25", "个人税收完税证明（非印刷）开具"),
        ("COL-26", "个人税收完税证明（非印刷）补开"),
    ),
    SETTINGS_GROUP,
)


# Pages opened from the status bar rather than the left menu (关于: version, 升级, modules, 修复).
STATUS_BAR: tuple[Menu, ...] = (Menu("SYS-1", "关于"),)


def menus_for(module: str) -> tuple[MenuGroup, ...]:
    return COLLECTOR_MENUS if module == "collector" else EMPLOYER_MENUS


def find(module: str, menu_id: str) -> Menu:
    for group in menus_for(module):
        for item in group.items:
            if item.id == menu_id:
                return item
    for item in STATUS_BAR:
        if item.id == menu_id:
            return item
    raise KeyError(menu_id)


def all_ids(module: str) -> list[str]:
    return [m.id for g in menus_for(module) for m in g.items]


# menu ID -> "module:Class" of the page built for it (the rest open a 尚未实现 page)
PAGES: dict[str, str] = {
    "EMP-1": "sbflib.ui.pages.home:HomePage",
    "COL-1": "sbflib.ui.pages.home:CollectorHomePage",
    "SYS-1": "sbflib.ui.pages.about:AboutPage",  # 关于 (status bar): version, 升级, modules, 修复
    "EMP-2": "sbflib.ui.pages.roster:RosterPage",
    "EMP-3": "sbflib.ui.pages.wages:DailyByEmployeePage",
    "EMP-4": "sbflib.ui.pages.wages:DailyByItemPage",
    "EMP-5": "sbflib.ui.pages.wages:AnnualByEmployeePage",
    "EMP-6": "sbflib.ui.pages.wages:AnnualByItemPage",
    "EMP-7": "sbflib.ui.pages.wage_records:WageRecordsPage",
    "EMP-8": "sbflib.ui.pages.declare:DailyDeclarePage",
    "EMP-9": "sbflib.ui.pages.declare:SpecialDeclarePage",
    "EMP-27": "sbflib.ui.pages.declare:AssessedDeclarePage",
    "EMP-23": "sbflib.ui.pages.declare:ProjectDeclarePage",
    "EMP-29": "sbflib.ui.pages.trial:TrialPage",  # 社保费测算 (beyond the manual)
    "EMP-19": "sbflib.ui.pages.insurance_registrations:InsuranceRegistrationsPage",
    "EMP-25": "sbflib.ui.pages.projects:ProjectsPage",
    "EMP-21": "sbflib.ui.pages.payables:PayablesPage",
    "EMP-10": "sbflib.ui.pages.declaration_records:DeclarationRecordsPage",
    "EMP-24": "sbflib.ui.pages.declaration_records:ProjectDeclarationRecordsPage",
    "EMP-20": "sbflib.ui.pages.declared_lines:DeclaredLinesPage",
    "EMP-22": "sbflib.ui.pages.arrivals:ArrivalsPage",
    "EMP-11": "sbflib.ui.pages.pay:PayPage",
    "EMP-12": "sbflib.ui.pages.vouchers:VouchersPage",
    "EMP-13": "sbflib.ui.pages.payment_records:PaymentRecordsPage",
    "EMP-18": "sbflib.ui.pages.agreements:AgreementsPage",
    "EMP-14": "sbflib.ui.pages.tax_certificates:IssueCertificatePage",
    "EMP-15": "sbflib.ui.pages.tax_certificates:ReissueCertificatePage",
    "EMP-26": "sbflib.ui.pages.tax_certificates:CheckCertificatePage",
    "EMP-16": "sbflib.ui.pages.payment_proofs:EmployeeProofPage",
    "EMP-17": "sbflib.ui.pages.payment_proofs:UnitProofPage",
    "EMP-28": "sbflib.ui.pages.refunds:RefundsPage",
    "STA-1": "sbflib.ui.pages.statistics:MonthlyFeesPage",  # 统计分析 (beyond the manual)
    "STA-2": "sbflib.ui.pages.statistics:ReconciliationPage",
    "STA-3": "sbflib.ui.pages.statistics:ArrearsAgingPage",
    "STA-4": "sbflib.ui.pages.statistics:HeadcountFlowPage",
    "STA-5": "sbflib.ui.pages.statistics:BaseDistributionPage",
    "SET-1": "sbflib.ui.pages.network:NetworkPage",
    "SET-2": "sbflib.ui.pages.backup:BackupPage",
    "SET-3": "sbflib.ui.pages.local_password:LocalPasswordPage",
    "SET-4": "sbflib.ui.pages.unit_info:UnitInfoPage",
    "SET-5": "sbflib.ui.pages.declaration_settings:DeclarationSettingsPage",
    "SET-6": "sbflib.ui.pages.audit:AuditPage",
}


def page_class(menu_id: str) -> type[Page] | None:
    """The page class registered for a menu (imported now), or None when it is not built yet."""
    target = PAGES.get(menu_id)
    if not target:
        return None
    module, name = target.split(":")
    cls: type[Page] = getattr(importlib.import_module(module), name)
    return cls
