"""The life pages, one module per area (README.md), re-exported for urls.py."""

from .calendar import calendar, calendar_ics  # noqa: F401
from .groupbuy import cycle_action, cycle_detail, cycle_join, cycle_new, home, order_cancel, pick, seller, totals, totals_xlsx  # noqa: F401
from .rooms import approvals, booking_action, my_bookings, room_detail, room_ics, rooms  # noqa: F401
from .tools import catalogue, desk, hold_cancel, my_tools, tool_detail  # noqa: F401
