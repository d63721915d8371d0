"""The personal-data scrubber, table-driven: each row is a text, what must be gone and what must remain."""

import pytest

from linli.core.scrub import scrub

# (text, secrets that must not survive (as digit strings or words), what must survive)
CASES = [
    # mobile numbers in many spellings
    ("电话13800138000", ["13800138000", "0013800"], ["电话138", "8000"]),
    ("电话 138 0013 8000 谢谢", ["0013"], ["谢谢"]),
    ("138-0013-8000", ["0013"], ["138-", "-8000"]),
    ("138.0013.8000", ["0013"], []),
    ("+86 138 0013 8000", ["0013"], ["+86"]),
    ("+8613800138000", ["13800138000", "0013"], []),
    ("8613800138000", ["0013"], []),
    ("008613800138000", ["0013"], []),
    ("手机：１３８００１３８０００", ["１３８００１３８０００", "００１３"], ["手机："]),
    ("138 001 38000", ["001 38"], []),
    ("联系15912345678或13912345678", ["12345678"], ["联系159", "或139"]),
    # landlines
    ("0352-1234567", ["1234567"], ["0352"]),
    ("(0352)1234567", ["1234567"], []),
    ("（0352）1234567", ["1234567"], []),
    ("010 8888 6666", ["8888 6666"], []),
    ("010-88886666-123", ["88886666"], []),
    ("0352—2345678", ["2345678"], []),
    # resident ID numbers
    ("身份证140213199001011234", ["140213199001011234", "19900101"], ["身份证"]),
    ("14021319900101123X", ["19900101"], ["123X"]),
    ("14021319900101123x", ["19900101"], []),
    ("140213 1990 0101 1234", ["1990 0101"], []),
    ("140213 19900101 1234", ["19900101"], []),
    ("140213-19900101-1234", ["19900101"], []),
    ("１４０２１３１９９００１０１１２３４", ["１９９００１０１"], []),
    ("老身份证140213900101123", ["900101"], ["老身份证"]),
    # bank cards (Luhn-valid)
    ("卡号6222021234567890128", ["6222021234567890128", "02123456789"], ["卡号"]),
    ("6222 0212 3456 7890 128", ["0212 3456 7890"], []),
    ("4111-1111-1111-1111", ["1111-1111-1111-1111"], ["4111"]),
    # e-mail
    ("邮箱 wangjianguo@example.com", ["wangjianguo"], ["@example.com"]),
    ("W.Jian+1@mail.example.cn", ["Jian+1"], []),
    # names
    ("我是王建国，住3号楼", ["王建国"], ["住3号楼", "王**"]),
    ("王 建 国反映", ["王 建 国"], ["反映"]),
]


@pytest.mark.parametrize("text, gone, kept", CASES)
def test_scrub_masks(text, gone, kept):
    out = scrub(text, names=["王建国"])
    for secret in gone:
        assert secret not in out, (text, out)
    for part in kept:
        assert part in out, (text, out)


# Text that is not personal data stays exactly as it was.
UNCHANGED = [
    "3号楼2单元301室楼道灯坏了",
    "2026年12月1日下午3点",
    "面积120平方米，花费3500元",
    "编号20261201-0081的诉求",
    "车牌晋B12345",
    "订单号1234567890123",  # 13 digits, not Luhn-valid
    "温度-5度到12度",
    "王建设的树",  # not the reporter's name
    "",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_scrub_leaves_ordinary_text(text):
    assert scrub(text, names=["王建国"]) == text


def test_scrub_none_and_no_names():
    assert scrub(None) == ""
    assert "0013" not in scrub("13800138000")
    assert scrub("王建国", names=[]) == "王建国"
    assert scrub("王建国", names=["", None, "王"]) == "王建国"  # one-character names are not masked


def test_masks_keep_shape_for_who_already_knows():
    assert scrub("13800138000") == "138****8000"
    assert scrub("140213199001011234") == "1402**********1234"
    assert scrub("wang@example.com") == "w***@example.com"
    assert scrub("我是王建国", names=["王建国"]) == "我是王**"
