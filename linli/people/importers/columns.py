"""The register sheet's columns: the Chinese headers each field goes by, and the values its cells may hold.

Everything here is data, read by the row checks (rows.py) and, the *_LABELS, by people.exports
to write the same words back. The mapping is documented in docs/import-mapping.md.
"""

from ..models import Tag

ALIASES = {
    "name": ("姓名", "名字"),
    "gender": ("性别",),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "身份证", "证件号码"),
    "birth_date": ("出生日期", "出生年月日", "出生年月"),
    "phone": ("联系电话", "手机号", "电话", "手机", "手机号码", "联系方式"),
    "ethnicity": ("民族",),
    "political_status": ("政治面貌",),
    "community": ("社区", "所属社区"),
    "compound": ("小区", "小区名称"),
    "building": ("楼栋", "楼号", "楼栋号", "楼栋名称"),
    "entrance": ("单元", "单元号"),
    "room": ("房号", "门牌号", "室", "房间号", "户号"),
    "relation": ("与户主关系", "与户主的关系", "关系"),
    "registered_residence": ("户籍地址", "户籍所在地", "户籍地"),
    "current_address": ("现居住地址", "现住址", "居住地址"),
    "resident_type": ("人员类型", "居住状态", "人口类型", "户籍类型"),
    "work_unit": ("工作单位", "工作单位及职务"),
    "tags": ("标签", "人员标签", "特殊人群", "人员类别"),
    "tag_living_alone": ("独居", "独居老人"),
    "tag_empty_nest": ("空巢", "空巢老人"),
    "tag_disabled": ("残疾", "残疾人"),
    "disability_level": ("残疾等级",),
    "tag_low_income": ("低保", "低保户"),
    "tag_extreme_poverty": ("特困", "特困人员", "特困供养"),
    "tag_veteran": ("退役军人",),
    "tag_key_care": ("重点关注", "重点关爱"),
    "tag_left_behind_child": ("留守儿童",),
    "tag_serious_illness": ("大病", "重病"),
    "tag_unemployed": ("失业", "失业人员"),
    "note": ("备注",),
}
REQUIRED_COLUMNS = ["name", "id_number", "building", "room"]

# Chinese tag names (the 标签 column and the yes/no tag columns) → stored tag codes.
TAG_LABELS = {  # the name an export writes
    Tag.LIVING_ALONE: "独居", Tag.EMPTY_NEST: "空巢", Tag.DISABLED: "残疾", Tag.LOW_INCOME: "低保",
    Tag.EXTREME_POVERTY: "特困", Tag.VETERAN: "退役军人", Tag.KEY_CARE: "重点关注",
    Tag.LEFT_BEHIND_CHILD: "留守儿童", Tag.SERIOUS_ILLNESS: "大病", Tag.UNEMPLOYED: "失业",
}
TAG_NAMES = {label: code for code, label in TAG_LABELS.items()}
TAG_NAMES.update({
    "独居老人": Tag.LIVING_ALONE, "空巢老人": Tag.EMPTY_NEST, "残疾人": Tag.DISABLED, "低保户": Tag.LOW_INCOME,
    "特困人员": Tag.EXTREME_POVERTY, "特困供养": Tag.EXTREME_POVERTY, "重点关爱": Tag.KEY_CARE,
    "重病": Tag.SERIOUS_ILLNESS, "失业人员": Tag.UNEMPLOYED,
})
# Derived from the birth date, never stored: accepted in the 标签 column and ignored.
DERIVED_TAG_NAMES = {"60岁以上", "60周岁以上", "老年人", "高龄", "高龄老人", "80岁以上", "80周岁以上", "未成年", "未成年人"}
TAG_COLUMNS = {f"tag_{code}": code for code in Tag.values}

YES = {"是", "有", "√", "✓", "✔", "1", "Y", "y", "yes", "Yes", "YES", "true", "True", "TRUE", "●"}
NO = {"", "否", "无", "0", "N", "n", "no", "No", "NO", "false", "False", "FALSE", "×", "-", "/"}

GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
GENDER_LABELS = {"M": "男", "F": "女"}
POLITICAL = {
    "群众": "masses",
    "中共党员": "party_member", "党员": "party_member", "中国共产党党员": "party_member",
    "中共预备党员": "probationary", "预备党员": "probationary",
    "共青团员": "league_member", "团员": "league_member", "中国共产主义青年团团员": "league_member",
    "民主党派": "democratic_party", "民革党员": "democratic_party", "民盟盟员": "democratic_party",
    "民建会员": "democratic_party", "民进会员": "democratic_party", "农工党党员": "democratic_party",
    "致公党党员": "democratic_party", "九三学社社员": "democratic_party", "台盟盟员": "democratic_party",
}
POLITICAL_LABELS = {"masses": "群众", "party_member": "中共党员", "probationary": "中共预备党员",
                    "league_member": "共青团员", "democratic_party": "民主党派"}
RELATIONS = {
    "户主": "head", "本人": "head", "本人(户主)": "head",
    "配偶": "spouse", "妻": "spouse", "妻子": "spouse", "夫": "spouse", "丈夫": "spouse",
    "子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child", "次子": "child",
    "长女": "child", "次女": "child", "子女": "child", "养子": "child", "养女": "child", "继子": "child", "继女": "child",
    "父亲": "parent", "母亲": "parent", "父母": "parent", "父": "parent", "母": "parent", "公公": "parent",
    "婆婆": "parent", "岳父": "parent", "岳母": "parent",
    "孙子": "grandchild", "孙女": "grandchild", "外孙": "grandchild", "外孙子": "grandchild", "外孙女": "grandchild",
    "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
    "爷爷": "grandparent", "奶奶": "grandparent", "姥爷": "grandparent", "姥姥": "grandparent",
    "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling",
    "哥哥": "sibling", "弟弟": "sibling", "姐姐": "sibling", "妹妹": "sibling",
    "儿媳": "child_in_law", "女婿": "child_in_law", "儿媳妇": "child_in_law",
    "租户": "tenant", "租客": "tenant", "承租人": "tenant",
    "其他": "other", "其它": "other", "保姆": "other",
}
RELATION_LABELS = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                   "grandparent": "祖父母", "sibling": "兄弟姐妹", "child_in_law": "儿媳/女婿", "tenant": "租户", "other": "其他"}
RELATIONS.update({label: code for code, label in RELATION_LABELS.items()})
RESIDENT_TYPES = {
    "户籍": True, "户籍人口": True, "户籍居民": True, "本地户籍": True,
    "常住": False, "常住人口": False, "非户籍常住": False,
    "流动": False, "流动人口": False, "外来人口": False, "暂住": False, "寄住": False,
}
RESIDENT_TYPE_LABELS = {True: "户籍", False: "流动"}
