"""Every change in the volunteers app: one function per use case, each in a transaction.

Bad input raises ValidationError naming the field ("Amount: …"); acting outside one's community
raises OutOfScope. Races are settled by the database: sign-ups lock the activity row, redemptions
take stock and points by conditional UPDATEs (… WHERE stock >= n, … WHERE balance >= n), so on
SQLite (IMMEDIATE transactions) and PostgreSQL (row locks, re-checked WHERE) exactly one racer wins.

The ledger: post() is the only writer of Posting rows and of LedgerAccount.balance. It updates the
two accounts in primary-key order (no deadlock between a redemption and a refund), refuses to take a
volunteer's or the shop's balance below zero, and is idempotent by source_key.

One module per family of use cases, every name re-exported here so callers keep
`from linli.volunteers import services` and `services.register(...)`:

  registration.py  registration and approval of volunteers, teams and memberships
  ledger.py        the points ledger: accounts, post(), corrections
  activities.py    activities, sign-ups, check-in/out codes, hours and their certification, the yearly plan
  shop.py          the charity shop (爱心超市): items, redemptions, collection, refunds, reservations, stock-takes
  wishes.py        micro-wishes (微心愿): posted, claimed, fulfilled, thanked
  menu.py          the service menu (点单式服务): items, orders, claims, completion
  awards.py        awards (实践之星 …) and their points
  _common.py       helpers the modules share (who acts, staff checks, text and number checks, photos)"""

from ._common import MAX_PHOTO_BYTES, PHOTO_MAGIC, is_staff, is_community_staff, approved_volunteer
from .registration import register, decide, suspend, create_team, join_team, leave_team
from .ledger import house_account, account_of, balance_of, post, correct
from .activities import (CODE_WINDOW_SECONDS, CHECKIN_EARLY, CHECKOUT_LATE, led_teams, may_certify_activity, may_certify,
                         create_activity, CO_ORGANISER_KINDS, co_organiser_choices, cancel_activity, sign_up, cancel_signup,
                         code_at, seconds_left, check_in, check_out, record_hours, certify, add_plan_item, link_plan_item)
from .shop import add_item, redeem, collect, cancel_redemption, RESERVATION_DAYS, expire_reservation, stock_take
from .wishes import post_wish, claim_wish, _may_fulfil, fulfil_wish, thank_wish
from .menu import ORDER_POINTS_PER_HOUR, add_menu_item, order_service, claim_order, complete_order
from .awards import give_award
