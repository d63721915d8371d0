"""Care use cases (every state change), one module per area, re-exported here: `from linli.care import services`."""

from .applications import *  # noqa: F401,F403
from .applications import TRANSITIONS as APPLICATION_TRANSITIONS  # noqa: F401
from .desk import *  # noqa: F401,F403
from .desk import TRANSITIONS as ALARM_TRANSITIONS  # noqa: F401
from .devices import *  # noqa: F401,F403
from .orders import *  # noqa: F401,F403
from .orders import TRANSITIONS as ORDER_TRANSITIONS  # noqa: F401
from .receiving import *  # noqa: F401,F403
from ._common import is_operator, may_work  # noqa: F401
