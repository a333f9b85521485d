import pytest

from sbflib.domain.errors import RuleViolation
from sbflib.domain.groups import Group, GroupRuleError, check_new_group, check_rename, path_of, subtree_ids
from sbflib.domain.roster import NOT_STARTED, PAYING, STOPPED, count_statuses, employee_status


@pytest.fixture
def tree():
    return {
        1: Group(1, "生产部", None),
        2: Group(2, "一车间", 1),
        3: Group(3, "甲班", 2),
        4: Group(4, "行政部", None),
    }


def test_names_must_not_be_empty(tree):
    with pytest.raises(GroupRuleError, match="不能为空"):
        check_new_group(tree, "  ", None)


def test_names_unique_among_siblings_only(tree):
    with pytest.raises(GroupRuleError, match="已存在"):
        check_new_group(tree, "一车间", 1)
    assert check_new_group(tree, "一车间", 4) == "一车间"  # same name under another parent is fine


def test_at_most_three_levels(tree):
    with pytest.raises(GroupRuleError, match="最多为3级"):
        check_new_group(tree, "第四级", 3)
    assert check_new_group(tree, "乙班", 2) == "乙班"


def test_rename_checks_siblings_but_not_itself(tree):
    assert check_rename(tree, 1, "生产部") == "生产部"
    with pytest.raises(GroupRuleError):
        check_rename(tree, 4, "生产部")


def test_deleting_a_parent_takes_its_subtree(tree):
    assert subtree_ids(tree, 1) == {1, 2, 3}
    assert subtree_ids(tree, 4) == {4}


def test_path(tree):
    assert path_of(tree, 3) == "生产部-一车间-甲班"


def test_status_from_start_and_stop_months():
    assert employee_status("2020-01", None, "2026-11") == PAYING
    assert employee_status("2020-01", "2026-11", "2026-11") == PAYING
    assert employee_status("2020-01", "2026-10", "2026-11") == STOPPED
    assert employee_status("2026-12", None, "2026-11") == NOT_STARTED


def test_counts():
    counts = count_statuses([PAYING, PAYING, STOPPED, NOT_STARTED])
    assert (counts.total, counts.paying, counts.stopped) == (4, 2, 1)


@pytest.mark.parametrize("name", ["A-B", "A/B", "A>B", "A－B", " -开头"])
def test_names_refuse_the_template_path_separators(tree, name):
    with pytest.raises(RuleViolation) as info:
        check_new_group(tree, name, None)
    assert info.value.code == "GROUP_NAME_SEPARATOR" and info.value.field == "分组名称"
    some = next(iter(tree))
    with pytest.raises(RuleViolation) as info:
        check_rename(tree, some, name)
    assert info.value.code == "GROUP_NAME_SEPARATOR"


def test_every_group_rule_refuses_with_a_code(tree):
    cases = [("", None), ("x" * 51, None), ("新", 999)]
    codes = []
    for name, parent in cases:
        with pytest.raises(RuleViolation) as info:
            check_new_group(tree, name, parent)
        codes.append(info.value.code)
    assert codes == ["GROUP_NAME_EMPTY", "GROUP_NAME_TOO_LONG", "GROUP_PARENT_MISSING"]
