"""The points ledger (积分台账): house and volunteer accounts, post() — the only writer of postings and balances —
and corrections by a reversing posting."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import LedgerAccount, Posting, Volunteer
from ._common import _actor, _positive_int, _require_community_staff


def house_account(community, kind: str) -> LedgerAccount:
    """The community's issuing account or its charity shop (created on first use)."""
    assert kind in (LedgerAccount.Kind.ISSUING, LedgerAccount.Kind.SHOP)
    community_id = getattr(community, "pk", community)
    account = LedgerAccount.objects.filter(community_id=community_id, kind=kind).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(community_id=community_id, kind=kind)
        except IntegrityError:
            account = LedgerAccount.objects.get(community_id=community_id, kind=kind)
    return account


def account_of(volunteer: Volunteer) -> LedgerAccount:
    account = LedgerAccount.objects.filter(volunteer=volunteer).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(community_id=volunteer.community_id, kind=LedgerAccount.Kind.VOLUNTEER, volunteer=volunteer)
        except IntegrityError:
            account = LedgerAccount.objects.get(volunteer=volunteer)
    return account


def balance_of(account: LedgerAccount) -> int:
    """The balance as the sum of postings (in minus out): what the cached column must always equal."""
    incoming = Posting.objects.filter(to_account=account).aggregate(s=Sum("amount"))["s"] or 0
    outgoing = Posting.objects.filter(from_account=account).aggregate(s=Sum("amount"))["s"] or 0
    return incoming - outgoing


def post(*, from_account: LedgerAccount, to_account: LedgerAccount, amount, kind: str, reason: str, source_key: str,
         created_by=None, corrects: Posting | None = None, at=None) -> Posting:
    """Move points between two accounts. Idempotent: a second call with the same source_key returns the first posting."""
    try:
        if isinstance(amount, bool) or int(amount) != amount:
            raise ValueError
        amount = int(amount)
    except (TypeError, ValueError):
        raise ValidationError({"amount": _("Amount: points must be a whole number.")})
    if amount <= 0:
        raise ValidationError({"amount": _("Amount: points must be above zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Reason: every posting needs a reason.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Reason: at most 200 characters.")})
    if kind not in Posting.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown posting kind.")})
    if not source_key:
        raise ValidationError({"source_key": _("Source: every posting names what caused it.")})
    if from_account.pk == to_account.pk:
        raise ValidationError({"to_account": _("Accounts: a posting moves points between two different accounts.")})
    if from_account.community_id != to_account.community_id:
        raise ValidationError({"to_account": _("Accounts: both accounts must belong to the same community.")})
    existing = Posting.objects.filter(source_key=source_key).first()
    if existing is not None:
        return _same_or_refuse(existing, from_account, to_account, amount)
    try:
        with transaction.atomic():
            for account in sorted((from_account, to_account), key=lambda a: a.pk):
                if account.pk == from_account.pk:
                    qs = LedgerAccount.objects.filter(pk=account.pk)
                    if account.kind != LedgerAccount.Kind.ISSUING:  # only the issuing account may go below zero
                        qs = qs.filter(balance__gte=amount)
                    if not qs.update(balance=F("balance") - amount):
                        have = LedgerAccount.objects.filter(pk=account.pk).values_list("balance", flat=True).first()
                        raise ValidationError({"amount": _("Amount: %(amount)d points exceed the balance of %(balance)d points.")
                                               % {"amount": amount, "balance": have or 0}})
                else:
                    LedgerAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
            return Posting.objects.create(community_id=from_account.community_id, from_account=from_account, to_account=to_account,
                                          amount=amount, kind=kind, reason=reason, source_key=source_key, corrects=corrects,
                                          created_by=created_by, at=at or timezone.now())
    except IntegrityError:  # the same source posted concurrently: the savepoint undid our balance changes
        existing = Posting.objects.filter(source_key=source_key).first()
        if existing is None:
            raise
        return _same_or_refuse(existing, from_account, to_account, amount)


def _same_or_refuse(existing: Posting, from_account, to_account, amount) -> Posting:
    if (existing.from_account_id, existing.to_account_id, existing.amount) != (from_account.pk, to_account.pk, amount):
        raise ValidationError({"source_key": _("Source: this cause has already posted a different amount.")})
    return existing


@transaction.atomic
def correct(scope: Scope, posting: Posting, *, amount, reason: str) -> Posting:
    """A correction reverses (part of) a posting by a new posting in the other direction; nothing is edited."""
    community = Community.objects.get(pk=posting.community_id)
    _require_community_staff(scope, community)
    amount = _positive_int(amount, "amount", _("Amount"))
    original = Posting.objects.select_for_update().get(pk=posting.pk)
    if original.kind == Posting.Kind.CORRECTION:
        raise ValidationError({"posting": _("Posting: a correction cannot itself be corrected; correct the original posting.")})
    corrected = original.corrections.aggregate(s=Sum("amount"))["s"] or 0
    if amount > original.amount - corrected:
        raise ValidationError({"amount": _("Amount: at most %(n)d points of this posting are left to correct.")
                               % {"n": original.amount - corrected}})
    return post(from_account=original.to_account, to_account=original.from_account, amount=amount, kind=Posting.Kind.CORRECTION,
                reason=reason, source_key=f"correction:{original.pk}:{uuid.uuid4().hex}", created_by=_actor(scope), corrects=original)
