"""The category taxonomy and the Chinese text classifier.

The held-out phrases below are written for this test, not copied from
taxonomy.py (a test checks that), the way residents type them.
"""

import json
import re

import numpy as np
import pytest

from linli.cases import classifier
from linli.cases.taxonomy import DEPARTMENTS, TAXONOMY, TIERS, UNITS, leaves

HELD_OUT = [
    ("电梯又卡在五楼不动了，里面还有个小孩", "property.elevator"),
    ("我们单元电梯天天坏，修了又坏", "property.elevator"),
    ("九号楼从早上到现在一直没水，也没看到停水通知", "utilities.water"),
    ("家里打开水龙头流出来的是黄水", "utilities.water"),
    ("整栋楼突然没电了，电梯也停了", "utilities.power"),
    ("暖气片摸着冰凉，家里冷得睡不着", "utilities.heating"),
    ("供暖以后屋里温度还是上不去，只有十几度", "utilities.heating"),
    ("厨房里一股浓浓的煤气味，是不是燃气漏了", "utilities.gas_leak"),
    ("下雨天顶楼天花板漏雨，墙都泡坏了", "housing.roof_leak"),
    ("楼上邻居家往下渗水，我家卫生间吊顶全是水", "housing.upstairs_leak"),
    ("下水道又堵了，一楼地漏冒污水", "drainage.sewer"),
    ("楼后化粪池冒出来了，满院子臭味", "drainage.septic"),
    ("菜市场门口污水横流，走路都得踮着脚", "drainage.sewage"),
    ("消防通道上天天停着几辆私家车", "fire.passage"),
    ("三楼楼道的灭火器早就过期了", "fire.equipment"),
    ("有住户从窗户拉电线下来给电瓶车充电", "fire.flying_wire"),
    ("楼道里堆了一堆纸箱和旧家具，人都过不去", "fire.corridor_clutter"),
    ("小区的垃圾桶满得溢出来了，也没人来拉", "sanitation.collection"),
    ("隔壁装修电钻声从早响到晚", "nuisance.renovation"),
    ("楼下跳广场舞的音乐声太大了，天天晚上吵", "nuisance.square_dance"),
    ("对门在阳台上养了一大群鸽子，臭得不行", "animals.pigeons"),
    ("我在小区散步被一条狗咬伤了腿", "animals.dog_bite"),
    ("楼顶有户人家又私自盖了一间违建", "construction.illegal"),
    ("楼下那棵树长得太高了，树枝都伸到我家窗户里", "greening.tree"),
    ("有人把楼下绿地挖了种菜", "greening.occupied"),
    ("隔壁独居的老奶奶两天没开门了，打电话也不接", "elderly.alone"),
    ("想问问低保怎么申请，家里实在困难", "assistance.dibao"),
    ("超市卖的酸奶过期了还摆在货架上", "market.food"),
    ("我家楼下的电动车昨晚被人偷走了", "security.theft"),
    ("小区里好几盏路灯晚上都不亮", "roads.street_light"),
    ("马路上井盖没了，留了个大洞", "roads.manhole"),
    ("小区门口有辆破车停了好几年没人管", "roads.zombie_car"),
    ("邻居老是把电动车推进楼道停放", "fire.ebike"),
    ("婆婆和儿媳天天吵架，想请社区帮忙调解一下", "disputes.family"),
    ("晚上工地还在打桩，吵得根本睡不着觉", "nuisance.construction"),
]

UNRELATED = [
    "今天天气不错我们去公园吧",
    "asdfghjkl",
    "你好",
    "谢谢你们",
]


@pytest.fixture(scope="module")
def model():
    return classifier.train(classifier.taxonomy_examples())


def test_held_out_phrases_are_mostly_right(model):
    preds = model.predict_many([t for t, _ in HELD_OUT])
    wrong = [(t, want, got) for (t, want), (got, _) in zip(HELD_OUT, preds) if got != want]
    accuracy = 1 - len(wrong) / len(HELD_OUT)
    assert len({c for _, c in HELD_OUT}) >= 20
    assert accuracy >= 0.8, f"accuracy {accuracy:.0%}; wrong: {wrong}"


def test_held_out_phrases_are_not_taxonomy_examples():
    known = {t for t, _ in classifier.taxonomy_examples()}
    assert not [t for t, _ in HELD_OUT if t in known]
    assert {c for _, c in HELD_OUT} <= {leaf["code"] for leaf in leaves()}


def test_unrelated_text_is_below_threshold(model):
    for text in UNRELATED + [""]:
        code, confidence = model.predict(text)
        assert 0.0 <= confidence < classifier.THRESHOLD, (text, code, confidence)


def test_predict_shapes(model):
    code, confidence = model.predict("电梯坏了")
    assert isinstance(code, str) and isinstance(confidence, float) and 0 <= confidence <= 1
    assert code in model.labels
    assert model.predict_many([]) == []
    assert model.predict_many(["电梯坏了", "停水了"]) == [model.predict("电梯坏了"), model.predict("停水了")]
    top = model.top("电梯坏了", k=3)
    assert len(top) == 3 and top[0][0] == code and top[0][1] >= top[1][1] >= top[2][1]
    assert model.labels == sorted({leaf["code"] for leaf in leaves()})


def test_threshold_setting_overrides(settings):
    assert classifier.threshold() == classifier.THRESHOLD
    settings.LINLI_CLASSIFIER_THRESHOLD = 0.5
    assert classifier.threshold() == 0.5


def test_save_load_round_trip(model, tmp_path):
    path = classifier.save(model, tmp_path / "m" / "model.joblib")
    header = classifier.read_header(path)
    assert header["format"] == classifier.FORMAT_VERSION
    assert header["n_examples"] == len(classifier.taxonomy_examples())
    assert header["labels"] == model.labels
    assert re.match(r"\d{4}-\d\d-\d\dT", header["trained_at"])
    loaded = classifier.load(path)
    texts = [t for t, _ in HELD_OUT] + UNRELATED
    assert loaded.predict_many(texts) == model.predict_many(texts)
    assert loaded.labels == model.labels
    assert not list(path.parent.glob(".model-*"))  # no temp file left behind


def _rewrite_header(path, **changes):
    raw = path.read_bytes()
    magic, header, payload = raw.split(b"\n", 2)
    data = json.loads(header)
    data.update(changes)
    path.write_bytes(magic + b"\n" + json.dumps(data).encode() + b"\n" + payload)


def test_wrong_version_is_refused(model, tmp_path):
    path = classifier.save(model, tmp_path / "model.joblib")
    _rewrite_header(path, format=classifier.FORMAT_VERSION + 1)
    with pytest.raises(classifier.IncompatibleModel, match="format"):
        classifier.load(path)

    path = classifier.save(model, tmp_path / "model2.joblib")
    _rewrite_header(path, sklearn="0.1")
    with pytest.raises(classifier.IncompatibleModel, match="scikit-learn 0.1"):
        classifier.load(path)

    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(classifier.IncompatibleModel, match="not a linli classifier"):
        classifier.load(junk)


def test_training_is_deterministic():
    examples = [(t, c) for t, c in classifier.taxonomy_examples() if c.split(".")[0] in ("property", "fire")]
    a, b = classifier.train(examples), classifier.train(list(examples))
    texts = [t for t, _ in HELD_OUT]
    assert np.array_equal(a.proba(texts), b.proba(texts))


@pytest.mark.parametrize("groups", [("property", "utilities", "fire"), ("animals",)])
def test_fast_probabilities_match_scikit_learn(groups):
    examples = [(t, c) for t, c in classifier.taxonomy_examples() if c.split(".")[0] in groups]
    texts, codes = [t for t, _ in examples], [c for _, c in examples]
    pipe = classifier._fit_pipeline(texts, codes)
    model = classifier.Model.from_pipeline(pipe, len(examples), "now")
    probe = [t for t, _ in HELD_OUT] + UNRELATED + texts[:20]
    assert model.labels == list(pipe.classes_)
    np.testing.assert_allclose(model.vectorise(probe).toarray(), pipe.named_steps["features"].transform(probe).toarray(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.proba(probe), pipe.predict_proba(probe), rtol=1e-4, atol=1e-5)


def test_two_labels():
    m = classifier.train([("电梯坏了没人修", "a.lift"), ("电梯困人", "a.lift"), ("停水了", "b.water"), ("没水了", "b.water")])
    assert m.predict("电梯又坏了")[0] == "a.lift"
    assert m.predict("家里没水")[0] == "b.water"


def test_train_refuses_nonsense_and_handles_rare_labels():
    with pytest.raises(ValueError, match="no examples"):
        classifier.train([])
    with pytest.raises(ValueError, match="two categories"):
        classifier.train([("电梯坏了", "property.elevator")] * 3)
    # a category a person used once still trains (calibration folds need every class)
    examples = classifier.taxonomy_examples()[:60] + [("小区里有人放烟花爆竹", "security.fireworks")]
    m = classifier.train(examples)
    assert "security.fireworks" in m.labels


def test_current_without_file_trains_from_taxonomy_then_reloads_file(tmp_path, model, monkeypatch):
    classifier.reset_cache()
    calls = []

    def fake_train(examples, **kw):  # the module's model *is* train(taxonomy_examples()); don't pay twice
        calls.append(examples)
        return model

    monkeypatch.setattr(classifier, "train", fake_train)
    path = tmp_path / "model.joblib"
    fresh = classifier.current(path)
    assert fresh is model and calls == [classifier.taxonomy_examples()]
    assert classifier.current(path) is fresh  # cached
    assert len(calls) == 1
    monkeypatch.undo()

    small = classifier.train([("电梯坏了没人修", "a.lift"), ("电梯困人", "a.lift"), ("停水了", "b.water"), ("没水了", "b.water")])
    classifier.save(small, path)
    assert classifier.current(path).labels == ["a.lift", "b.water"]

    _rewrite_header(path, format=99)  # an incompatible file: logged, the taxonomy model serves
    assert classifier.current(path) is model
    path.unlink()
    assert classifier.current(path) is model
    classifier.reset_cache()


def test_default_model_path_is_under_var_dir(settings):
    from pathlib import Path

    assert classifier.default_model_path() == Path(settings.VAR_DIR) / "classifier" / "model.joblib"


def test_evaluate_reports_held_out_figures():
    result = classifier.evaluate(classifier.taxonomy_examples(names=False), test_size=0.25, seed=0)
    n = len(classifier.taxonomy_examples(names=False))
    assert result["n_train"] + result["n_test"] == n
    assert result["n_test"] >= len(leaves())  # stratified: every category held out at least once
    assert 0.5 <= result["accuracy"] <= 1 and 0 <= result["macro_f1"] <= 1
    assert set(result["per_group"]) == {g["code"] for g in TAXONOMY}
    assert 0 <= result["triage_share"] <= 1


# --------------------------------------------------------------------------- taxonomy


def test_taxonomy_integrity():
    codes = [leaf["code"] for leaf in leaves()]
    groups = [g["code"] for g in TAXONOMY]
    assert len(codes) == len(set(codes)) and len(groups) == len(set(groups))
    assert 12 <= len(groups) <= 18 and 45 <= len(codes) <= 60
    seen = {}
    for group in TAXONOMY:
        assert re.fullmatch(r"[a-z_]+", group["code"]) and group["name"] and group["children"]
        for leaf in group["children"]:
            assert re.fullmatch(r"[a-z_]+\.[a-z_]+", leaf["code"]), leaf["code"]
            assert leaf["code"].split(".")[0] == group["code"]
            assert re.search(r"[\u4e00-\u9fff]", leaf["name"])
            assert leaf["tier"] in TIERS, leaf["code"]
            assert leaf["department"] == "" or leaf["department"] in DEPARTMENTS, leaf["code"]
            for key in ("response", "handling"):
                amount, unit = leaf[key]
                assert isinstance(amount, int) and amount > 0 and unit in UNITS, (leaf["code"], key)
            assert isinstance(leaf["public"], bool)
            assert len(leaf["examples"]) >= 12, leaf["code"]
            for text in leaf["examples"]:
                assert text.strip() == text and text, leaf["code"]
                assert text not in seen, f"{text!r} in {seen.get(text)} and {leaf['code']}"
                seen[text] = leaf["code"]


def test_deadlines_are_consistent():
    def hours(d):
        amount, unit = d
        return amount * (8 if unit == "days" else 1)

    for leaf in leaves():
        assert hours(leaf["response"]) <= hours(leaf["handling"]), leaf["code"]


def test_taxonomy_covers_the_issue_and_seeds():
    names = " ".join(leaf["name"] + " " + " ".join(leaf["examples"]) for leaf in leaves())
    for word in ["物业", "停水", "停电", "天然气", "暖气", "房顶漏水", "渗水", "下水道", "化粪池", "菜市场", "消防通道",
                 "灭火器", "飞线", "电动车", "楼道", "装修", "广场舞", "鸽子", "狗", "邻居", "违建", "私搭乱建",
                 "垃圾", "垃圾分类", "树", "绿地", "独居老人", "助餐", "低保", "临时救助", "食品", "可疑", "偷",
                 "路灯", "停车", "流浪"]:
        assert word in names, word
    private = {leaf["code"] for leaf in leaves() if not leaf["public"]}
    assert {"disputes.family", "assistance.dibao", "assistance.temporary", "elderly.alone"} <= private
