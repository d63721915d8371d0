from functools import partial

from linli.core import excel
from linli.places.importers import import_buildings, import_venues
from linli.places.models import Building, Entrance, Venue
from linli.people.scopes import resolve, system
from linli.testing import sheets


xlsx = partial(sheets.xlsx, title=sheets.BUILDING_REGISTER)


def state():
    return (
        sorted(Building.objects.values_list("pk", "community_id", "compound_id", "number", "grid_id", "micro_grid_id", "floors", "built_year", "address")),
        sorted(Entrance.objects.values_list("pk", "building_id", "number")),
        sorted(Venue.objects.values_list("pk", "grid_id", "name", "address", "kind", "nine_small", "contact_name", "contact_phone", "credit_code", "lat", "lng")),
    )


B_HEADERS = ["小区", "楼栋号", "网格", "单元数", "层数", "户数", "建成年份", "地址"]


def building_rows(world):
    return [
        ["航苑", "3号楼", "第二网格", 2, 6, 24, 1995, "柳航里3号"],                 # 3 new
        ["航苑", "4号楼", world.grids["A1m"].code, 1, 6, 12, "1996年", ""],          # 4 new, micro-grid
        ["航苑", "5号楼", "第九网格", 2, 6, 24, 1995, ""],                           # 5
        ["不存在苑", "6号楼", "第一网格", 2, 6, 24, 1995, ""],                       # 6
        ["航苑", "", "第一网格", 2, 6, 24, 1995, ""],                                # 7
        ["航苑", "8号楼", "第一网格", "两个", 6, 24, 2999, ""],                      # 8
        ["航苑", "1号楼", "第一网格", 3, 7, 24, None, ""],                           # 9 update: floors, third entrance
        ["航苑", "2号楼", "第二网格", 1, None, None, None, ""],                      # 10 unchanged
        ["东苑", "1号楼", "东风园第一网格", 1, 6, 12, 1990, ""],                     # 11 another community
    ]


B_EXPECTED = [
    (5, "网格", "unknown_grid"),
    (6, "小区", "unknown_compound"),
    (7, "楼栋号", "required"),
    (8, "单元数", "bad_number"),
    (8, "建成年份", "bad_number"),
    (11, "网格", "unknown_grid"),
]


def test_buildings_broken_sheet(world):
    scope = resolve(world.accounts["community_staff"])
    report = import_buildings(scope, xlsx(B_HEADERS, building_rows(world)), dry_run=False)
    assert report.error_tuples() == B_EXPECTED
    assert (report.created, report.updated, report.unchanged) == (2, 1, 1)
    b3 = Building.objects.get(community=world.a, number="3号楼")
    assert (b3.grid, b3.compound, b3.floors, b3.built_year, b3.address) == (world.grids["A2"], world.compounds["A"], 6, 1995, "柳航里3号")
    assert list(b3.entrances.values_list("number", flat=True)) == ["1单元", "2单元"]
    b4 = Building.objects.get(community=world.a, number="4号楼")
    assert (b4.grid, b4.micro_grid, b4.built_year) == (world.grids["A1"], world.grids["A1m"], 1996)
    b1 = Building.objects.get(pk=world.buildings["A1"].pk)
    assert b1.floors == 7 and b1.entrances.count() == 3
    assert not Building.objects.filter(number__in=["5号楼", "6号楼", "8号楼"]).exists()
    rows = excel.read_all(report.error_xlsx())
    assert [r[len(B_HEADERS)] for r in rows[1:]] == [5, 6, 7, 8, 11]


def test_buildings_dry_run_and_reimport(world):
    scope = resolve(world.accounts["community_staff"])
    before = state()
    dry = import_buildings(scope, xlsx(B_HEADERS, building_rows(world)), dry_run=True)
    assert dry.error_tuples() == B_EXPECTED
    assert (dry.created, dry.updated, dry.unchanged) == (2, 1, 1)
    assert state() == before
    import_buildings(scope, xlsx(B_HEADERS, building_rows(world)), dry_run=False)
    after = state()
    again = import_buildings(scope, xlsx(B_HEADERS, building_rows(world)), dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert state() == after


def test_buildings_out_of_scope(world):
    scope = resolve(world.accounts["grid_worker"])  # grid A1 only
    rows = [["航苑", "3号楼", "第二网格", 1, 6, 12, 1995, ""], ["航苑", "5号楼", "第一网格", 1, 6, 12, 1995, ""],
            ["航苑", "2号楼", "第一网格", 1, None, None, None, ""]]  # moving A2's building into A1: not theirs
    report = import_buildings(scope, xlsx(B_HEADERS, rows), dry_run=False)
    assert report.error_tuples() == [(3, "网格", "out_of_scope"), (5, "楼栋号", "out_of_scope")]
    assert report.created == 1
    assert not Building.objects.filter(number="3号楼").exists()
    assert Building.objects.get(pk=world.buildings["A2"].pk).grid == world.grids["A2"]


V_HEADERS = ["名称", "类别", "网格", "地址", "负责人", "联系电话", "营业执照号", "经度", "纬度"]
V_ROWS = [
    ["老王面馆", "小餐饮", "专属网格", "柳航街3号", "王师傅", "13800002222", "91110000600037341L", 113.301, 40.079],  # 2 new
    ["平价超市", "商铺", "专属网格", "柳航街1号", "李老板", "", "", None, None],                                 # 3 update
    ["坏电话店", "小商店", "专属网格", "柳航街5号", "", "123", "", None, None],                                   # 4
    ["坏执照", "商铺", "专属网格", "柳航街6号", "", "", "12345", None, None],                                    # 5
    ["怪类别", "火箭发射场", "专属网格", "柳航街7号", "", "", "", None, None],                                   # 6
    ["", "商铺", "专属网格", "柳航街8号", "", "", "", None, None],                                              # 7
    ["坐标错", "商铺", "专属网格", "柳航街9号", "", "", "", 200, 40.0],                                         # 8
    ["无网格店", "商铺", "", "柳航街10号", "", "", "", None, None],                                             # 9
    ["理发店", "九小场所·小美容洗浴", "专属网格", "柳航街11号", "", "", "", None, None],                        # 10
]
V_EXPECTED = [
    (4, "联系电话", "phone"),
    (5, "营业执照号", "credit_code"),
    (6, "类别", "bad_value"),
    (7, "名称", "required"),
    (8, "经度", "coordinates"),
    (9, "网格", "required"),
    (10, "类别", "bad_value"),
]


def test_venues_broken_sheet_dry_run_and_reimport(world):
    scope = resolve(world.accounts["community_staff"])
    before = state()
    dry = import_venues(scope, xlsx(V_HEADERS, V_ROWS, title=None), dry_run=True)
    assert dry.error_tuples() == V_EXPECTED
    assert (dry.created, dry.updated, dry.unchanged) == (1, 1, 0)
    assert state() == before
    report = import_venues(scope, xlsx(V_HEADERS, V_ROWS, title=None), dry_run=False)
    assert report.error_tuples() == V_EXPECTED
    noodle = Venue.objects.get(name="老王面馆")
    assert (noodle.kind, noodle.nine_small, noodle.grid, noodle.contact_phone, noodle.credit_code, noodle.lng) == (
        "nine_small", "catering", world.grids["AZ"], "13800002222", "91110000600037341L", 113.301)
    assert Venue.objects.get(pk=world.venues["shop"].pk).contact_name == "李老板"
    after = state()
    again = import_venues(scope, xlsx(V_HEADERS, V_ROWS, title=None), dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert state() == after


def test_venues_out_of_scope_and_system_with_codes(world):
    gw = resolve(world.accounts["grid_worker"])
    report = import_venues(gw, xlsx(V_HEADERS, [["新店", "商铺", "专属网格", "柳航街20号", "", "", "", None, None],
                                                 ["格内店", "商铺", "第一网格", "柳航街21号", "", "", "", None, None]]), dry_run=False)
    assert report.error_tuples() == [(3, "网格", "out_of_scope")]
    assert report.created == 1
    # the system sees every community; grid codes are unique everywhere
    report = import_venues(system(), xlsx(["店铺名称", "九小场所类别", "网格编码"], [["东风理发", "小美容洗浴", world.grids["B1"].code]]), dry_run=False)
    assert report.errors == [] and Venue.objects.get(name="东风理发").community == world.b
