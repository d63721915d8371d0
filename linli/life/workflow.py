"""The life app's state machines, each one table: state → {next state: the use case that takes the edge}.

`services._common._transition` is the only place a state column changes; it refuses an edge not in the
table and moves the row by a conditional UPDATE (`… WHERE state = <from>`), so two people taking the
same step at once move it once."""

# a seller's standing in the community (Seller.state)
SELLER = {
    "pending": {"approved": "decide_seller", "suspended": "decide_seller"},
    "approved": {"suspended": "decide_seller"},  # complaints, a lapsed licence
    "suspended": {"approved": "decide_seller"},
}

# 惠民直通车 order cycle (OrderCycle.state)
CYCLE = {
    "open": {
        "closed": "close_cycle",  # the cut-off sweep, the last unit of a capped cycle, or the seller closing early
        "cancelled": "cancel_cycle",  # the seller or the community calls it off before close: every order cancelled
    },
    "closed": {
        "delivered": "finish_delivery",  # the delivery day is over (every order collected or marked missed)
        "cancelled": "cancel_cycle",  # the seller cannot deliver: residents are told
    },
    "delivered": {},
    "cancelled": {},
}

# one household's order in a cycle (Order.state)
ORDER = {
    "active": {
        "cancelled": "cancel_order",  # until cut-off
        "collected": "mark_collected",  # at the pickup point (shortages / substitutions correct the total)
        "missed": "mark_missed",  # the attendant closes the pickup day without them
    },
    # re-joining after a cancel reuses the household's row (one order per household per cycle)
    "cancelled": {"active": "join_cycle"},
    "collected": {},
    # a household that came late may still collect it
    "missed": {"collected": "mark_collected"},
}

# a room booking (Booking.state)
BOOKING = {
    "requested": {"confirmed": "decide_booking", "rejected": "decide_booking", "cancelled": "cancel_booking"},
    "confirmed": {"checked_in": "check_in", "no_show": "mark_no_show", "cancelled": "cancel_booking"},
    "checked_in": {},
    "no_show": {},
    "rejected": {},
    "cancelled": {},
}

# one copy of a tool (ToolCopy.state)
COPY = {
    "available": {"reserved": "place_hold", "on_loan": "lend", "retired": "retire_copy"},
    # the copy waits on the shelf for the first hold in the queue
    "reserved": {"on_loan": "lend", "available": "release_hold", "retired": "retire_copy"},
    "on_loan": {"available": "return_loan", "repair": "return_loan", "lost": "record_loss"},
    "repair": {"available": "repair_copy", "retired": "retire_copy"},
    # a lost copy that turns up again
    "lost": {"available": "repair_copy", "retired": "retire_copy"},
    "retired": {},
}

# a hold in a tool's queue (Hold.state)
HOLD = {
    "waiting": {"ready": "place_hold", "cancelled": "cancel_hold"},  # ready: a copy came free for the first in the queue
    "ready": {"fulfilled": "lend", "expired": "expire_hold", "cancelled": "cancel_hold"},
    "fulfilled": {},
    "expired": {},
    "cancelled": {},
}

# a loan (Loan.state)
LOAN = {
    "out": {"returned": "return_loan", "lost": "record_loss"},
    "returned": {},
    "lost": {},
}

MACHINES = {"seller": SELLER, "cycle": CYCLE, "order": ORDER, "booking": BOOKING, "copy": COPY, "hold": HOLD, "loan": LOAN}
