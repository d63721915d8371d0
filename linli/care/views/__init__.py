"""Care pages, one module per area, re-exported for urls.py."""

from .applications import application, applications  # noqa: F401
from .desk import alarm, alarm_action, desk, desk_feed, figures, home  # noqa: F401
from .orders import devices, order, order_action, orders  # noqa: F401
from .receiving import gateway_events  # noqa: F401
