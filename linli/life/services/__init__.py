"""Every state change of the life app, one function per use case (see README.md), re-exported here:
`from linli.life import services` then `services.join_cycle(...)`."""

from ._common import Refused, _transition, is_staff_of, masked_name, person_of  # noqa: F401
from .groupbuy import (add_pickup_point, cancel_cycle, cancel_order, close_cycle, close_early, decide_seller, due_cycles,  # noqa: F401
                       finish_delivery, join_cycle, mark_collected, mark_missed, may_attend, may_run_seller, open_cycle, rate_seller,
                       register_seller, set_payment)
from .rooms import (book, book_recurring, cancel_booking, check_in, decide_booking, mark_no_show, no_shows_due,  # noqa: F401
                    save_room)
from .tools import (add_tool, cancel_hold, expire_hold, holds_expired, lend, place_hold, queue_position, record_loss,  # noqa: F401
                    remind_before_due, remind_overdue, repair_copy, return_loan)
