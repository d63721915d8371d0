"""core.api_replies.encode writes what ninja's renderer writes (json.dumps with NinjaJSONEncoder), value for value."""

import datetime
import decimal
import json
import uuid

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from ninja.responses import NinjaJSONEncoder

from linli.core.api_replies import encode


def test_every_kind_of_value_comes_out_as_ninja_writes_it():
    now = timezone.now()
    data = {
        "utc": now, "whole_second": now.replace(microsecond=0), "local": timezone.localtime(now), "naive": datetime.datetime(2026, 3, 1, 9, 30),
        "day": now.date(), "time": datetime.time(8, 30, 0, 123456), "lazy": gettext_lazy("Case"), "choice": "assigned",
        "money": decimal.Decimal("1.10"), "id": uuid.UUID(int=7), "list": [1.5, None, True, "楼道灯坏了"], 2: "an int key",
        "nested": {"at": [now], "empty": {}},
    }
    with override("zh-hans"):
        ours = encode(data)
        ninja = json.dumps(data, cls=NinjaJSONEncoder)
    assert json.loads(ours) == json.loads(ninja)
    assert json.loads(ours)["utc"].endswith("Z") and json.loads(ours)["lazy"] == "诉求"
    assert "楼道灯坏了".encode() in ours  # UTF-8, not \u escapes


def test_a_value_ninja_cannot_write_is_refused_too():
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, cls=NinjaJSONEncoder)
    with pytest.raises(TypeError):
        encode({"x": object()})
