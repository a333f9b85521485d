"""Rule documents (sbflib.domain.rules) and the shipped rule files (sbflib/bureau/rules/*.json):
effective dating, refusal before the first figures, a source or a reason for every figure, and
region/name checks before any file-system use."""

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from sbflib.bureau import rules as bureau_rules
from sbflib.domain.errors import RuleViolation
from sbflib.domain.rules import ContributionRules, in_force, merge_documents, unsourced_figures

RULE_FILES = sorted(Path(bureau_rules.RULES_DIR).glob("*.json"))
ITEMS = ("10201", "10202", "10203", "10204", "10205")


def _doc(**extra):
    doc = {
        "kind": "contribution",
        "region": "999999",
        "bases": [
            {"valid_from": "2024-07", "floor": "7000", "cap": "35000"},
            {"valid_from": "2025-07", "floor": "7200", "cap": "36000"},
        ],
        "rates": [
            {"item_code": "10201", "payer": "unit", "rate": "0.20", "valid_from": "2018-01"},
            {"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"},
            {"item_code": "10201", "payer": "personal", "rate": "0.08", "valid_from": "2018-01"},
        ],
    }
    doc.update(extra)
    return doc


def test_figures_in_force_are_the_latest_not_after_the_month():
    rules = ContributionRules.from_document(_doc())
    assert rules.base_limits("2025-06").floor == Decimal("7000.00")
    assert rules.base_limits("2025-07").cap == Decimal("36000.00")
    assert rules.base_limits("2030-01").floor == Decimal("7200.00")  # in force until replaced
    assert rules.rate("2019-04", "10201", "unit") == Decimal("0.20")
    assert rules.rate("2019-05", "10201", "unit") == Decimal("0.16")


def test_a_month_before_the_first_entry_is_refused_not_priced_with_later_figures():
    rules = ContributionRules.from_document(_doc())
    with pytest.raises(RuleViolation) as info:
        rules.base_limits("2024-06")
    assert info.value.code == "RULE_NOT_IN_FORCE" and "2024-07" in info.value.message
    with pytest.raises(RuleViolation) as info:
        rules.rate("2017-12", "10201", "personal")
    assert info.value.code == "RULE_NOT_IN_FORCE"


def test_in_force_does_not_depend_on_entry_order():
    entries = [{"valid_from": m, "v": m} for m in ("2026-07", "2024-07", "2025-07")]
    assert in_force(entries, "2025-12", "x")["v"] == "2025-07"


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "", "2025/07", None])
def test_bad_months_are_refused(month):
    with pytest.raises(RuleViolation) as info:
        ContributionRules.from_document(_doc()).base_limits(month)
    assert info.value.code == "MONTH_FORMAT"


def test_unknown_item_payer_and_injury_class_are_refused():
    rules = ContributionRules.from_document(_doc(
        work_injury={"classes": {"1": "0.002"}},
        rates=[{"item_code": "10204", "payer": "unit", "rate": "by_class", "valid_from": "2015-10"}],
    ))
    codes = []
    for call in (lambda: rules.rate("2026-01", "10299", "unit"),
                 lambda: rules.rate("2026-01", "10204", "employer"),
                 lambda: rules.rate("2026-01", "10204", "unit"),
                 lambda: rules.rate("2026-01", "10204", "unit", injury_class=9)):
        with pytest.raises(RuleViolation) as info:
            call()
        codes.append(info.value.code)
    assert codes == ["RULE_NOT_FOUND", "PAYER_UNKNOWN", "INJURY_CLASS_REQUIRED", "INJURY_CLASS_UNKNOWN"]
    assert rules.rate("2026-01", "10204", "unit", injury_class="1") == Decimal("0.002")


@pytest.mark.parametrize("bad", [
    {"kind": "notices"},
    _doc(bases=[{"valid_from": "2024-7", "floor": "1", "cap": "2"}]),
    _doc(bases=[{"valid_from": "2024-07", "floor": "abc", "cap": "2"}]),
    _doc(bases=[{"valid_from": "2024-07", "floor": 1.5, "cap": "2"}]),
    _doc(rates=[{"item_code": "10201", "payer": "boss", "rate": "0.1", "valid_from": "2024-07"}]),
    _doc(rates=[{"item_code": "10201", "payer": "unit", "rate": "-0.1", "valid_from": "2024-07"}]),
])
def test_malformed_documents_are_refused(bad):
    with pytest.raises(RuleViolation) as info:
        ContributionRules.from_document(bad)
    assert info.value.code == "RULE_FILE_INVALID"


def test_item_bases_and_the_range_that_fits_every_item():
    rules = ContributionRules.from_document(_doc(bases=[
        {"valid_from": "2023-07", "floor": "4492", "cap": "27501"},
        {"valid_from": "2024-07", "items": ["10201"], "floor": "3523", "cap": "26421"},
        {"valid_from": "2024-07", "items": ["10203"], "floor": "6475", "cap": "32376"},
        {"valid_from": "2024-07", "items": ["10204"], "floor": "2360", "cap": None},
    ], rates=[{"item_code": c, "payer": "unit", "rate": "0.01", "valid_from": "2023-07"}
              for c in ("10201", "10203", "10204", "10205")]))
    assert rules.base_limits("2024-07", "10204").cap is None
    assert rules.base_limits("2024-07", "10205").floor == Decimal("4492.00")  # the all-items entry
    assert rules.base_limits("2024-06", "10201").floor == Decimal("4492.00")
    both = rules.base_limits("2024-07")
    assert (both.floor, both.cap) == (Decimal("6475.00"), Decimal("26421.00"))


def test_documents_of_one_region_merge_by_kind():
    a = _doc(updated="2025-07-01", rounding={"mode": "ROUND_HALF_UP", "unit": "0.01"})
    b = {"kind": "contribution", "updated": "2026-07-01", "rounding": {"mode": "ROUND_UP", "unit": "0.1"},
         "bases": [{"valid_from": "2026-07", "floor": "7500", "cap": "37000"}], "rates": []}
    rules = ContributionRules.from_document(merge_documents([b, a]))
    assert rules.base_limits("2026-08").floor == Decimal("7500.00")
    assert rules.base_limits("2025-08").floor == Decimal("7200.00")
    assert rules.rounding.label == "见分进角"


# --- the shipped rule files -------------------------------------------------------------------

def test_there_are_rule_files_for_the_three_demo_regions():
    regions = {p.name[:6] for p in RULE_FILES}
    assert {"330100", "440300", "310100"} <= regions


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_figure_has_a_source_or_is_unconfirmed_with_a_reason(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert unsourced_figures(doc) == []
    for key, source in doc.get("sources", {}).items():
        assert source["document"] and source["issuer"] and source["date"], key


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_files_parse_and_price_every_item_now(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["kind"] == "contribution" and path.name == f"{doc['region']}-{doc['name']}"
    rules = ContributionRules.from_document(doc)
    for item in ITEMS:
        rules.base_limits("2026-11", item)
        for payer in ("unit", "personal"):
            assert rules.rate("2026-11", item, payer, injury_class=1) < Decimal("0.3")


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_floor_and_cap_follow_one_stated_average_wage(path):
    """Where a base states its average wage, floor and cap are its percentages (to the yuan)."""
    for base in json.loads(path.read_text(encoding="utf-8"))["bases"]:
        if "average_wage" not in base:
            continue
        wage = Decimal(base["average_wage"])
        for pct, figure in ((base["floor_pct"], base["floor"]), (base["cap_pct"], base["cap"])):
            expected = (wage * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert Decimal(figure) == expected, (base["valid_from"], pct, figure)


def test_hangzhou_floor_and_cap_imply_one_average_wage():
    doc = json.loads((bureau_rules.RULES_DIR / "330100-contribution-2026.json").read_text(encoding="utf-8"))
    assert all("average_wage" in b for b in doc["bases"])


def test_shanghai_figures_as_the_reference():
    rules = bureau_rules.contribution_rules("310100")
    limits = rules.base_limits("2024-07")
    assert (limits.floor, limits.cap) == (Decimal("7384.00"), Decimal("36921.00"))
    assert rules.rate("2025-01", "10201", "unit") == Decimal("0.16")
    assert rules.rate("2025-01", "10202", "personal") == Decimal("0.005")
    assert rules.rounding.label == "见分进角"
    with pytest.raises(RuleViolation) as info:
        bureau_rules.contribution_base_limits("310100", "2024-06")
    assert info.value.code == "RULE_NOT_IN_FORCE"


def test_contribution_rules_are_found_by_kind_not_by_file_name(tmp_path, monkeypatch):
    doc = {"kind": "contribution", "region": "123456", "name": "whatever.json", "updated": "2026-01-01",
           "bases": [{"valid_from": "2026-01", "floor": "100", "cap": "300"}], "rates": []}
    (tmp_path / "123456-whatever.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "123456-notes.json").write_text(json.dumps({"kind": "notes"}), encoding="utf-8")
    monkeypatch.setattr(bureau_rules, "RULES_DIR", tmp_path)
    for cached in (bureau_rules._all_files, bureau_rules.read_rule_file, bureau_rules.contribution_rules):
        cached.cache_clear()
    try:
        assert bureau_rules.contribution_base_limits("123456", "2026-03") == (Decimal("100.00"), Decimal("300.00"))
        assert len(bureau_rules.rule_files("123456")) == 2
    finally:
        monkeypatch.undo()
        for cached in (bureau_rules._all_files, bureau_rules.read_rule_file, bureau_rules.contribution_rules):
            cached.cache_clear()


@pytest.mark.parametrize("region", ["*", "3301*", "??????", "../../", "33010", "3301000", "", "３３０１００",
                                    "330100/..", "330100\n"])
def test_region_text_is_checked_before_any_file_system_use(region):
    assert not bureau_rules.is_region_code(region)
    assert bureau_rules.rule_files(region) == []
    assert bureau_rules.read_rule_file(region, "contribution-2026.json") is None


@pytest.mark.parametrize("name", ["../440300-contribution-2026.json", "*.json", "contribution-*.json",
                                  "contribution-2026.json/..", "", "nope.json"])
def test_names_must_be_listed_files_of_the_region(name):
    assert bureau_rules.read_rule_file("330100", name) is None


def test_rule_files_of_a_region_are_listed_by_name():
    assert [p.name for p in bureau_rules.rule_files("440300")] == ["440300-contribution-2026.json"]
    assert bureau_rules.read_rule_file("440300", "contribution-2026.json")["region"] == "440300"
