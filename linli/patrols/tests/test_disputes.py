"""矛盾纠纷: registration → two mediation sessions → signed agreement → follow-up visit; statistics."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.models import OutboxMessage
from linli.patrols import services
from linli.patrols.models import Agreement, Dispute, DisputeParty, FollowUp, Mediation
from linli.people.scopes import resolve

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def counts():
    return (Dispute.objects.count(), DisputeParty.objects.count(), Mediation.objects.count(), Agreement.objects.count(),
            FollowUp.objects.count())


@pytest.mark.django_db
def test_dispute_from_registration_through_two_sessions_to_agreement_and_follow_up(world):
    s = resolve(world.accounts["grid_worker"])
    d = services.register_dispute(s, grid=world.grids["A1"], building=world.buildings["A1"], kind="neighbour", risk="medium",
                                  description="楼上装修噪音和渗水，两户多次争吵", parties=[world.persons["a1"], world.persons["a2"]])
    assert d.status == Dispute.Status.REGISTERED and d.number.startswith("JF")
    assert list(d.parties.values_list("name", flat=True)) == ["王建国", "张伟"]
    now = timezone.now()
    first = services.record_mediation(s, d, at=now - datetime.timedelta(hours=20), outcome="continue", notes="双方各执一词，约定再谈",
                                      mediators=[{"kind": "building_leader", "name": "孙楼长"}, {"kind": "grid_worker", "name": "赵网格"}])
    d.refresh_from_db()
    assert d.status == Dispute.Status.MEDIATING
    second = services.record_mediation(s, d, at=now - datetime.timedelta(hours=1), outcome="agreed",
                                       notes="物业出面修复渗水，装修限定时段", mediators=[{"kind": "studio", "name": "秀蓉调解工作室"}])
    d.refresh_from_db()
    assert d.status == Dispute.Status.AGREED and [first.pk, second.pk] == list(d.mediations.values_list("pk", flat=True))
    # a follow-up before the agreement is attached is refused
    with pytest.raises(ValidationError) as exc:
        services.follow_up(s, d, note="回访")
    assert "attach the signed agreement" in str(exc.value)
    agreement = services.attach_agreement(s, d, file=SimpleUploadedFile("协议.pdf", PDF, content_type="application/pdf"),
                                          summary="渗水由物业三日内修复；装修每日8:00-12:00、14:00-18:00", signed_on=timezone.localdate())
    assert agreement.mediation == second and agreement.file.read() == PDF
    assert "patrols/disputes/" in agreement.file.name
    visit = services.follow_up(s, d, note="一周后回访，双方关系缓和", settled=True)
    d.refresh_from_db()
    assert d.status == Dispute.Status.CLOSED and d.closed_at is not None and visit.settled
    # a closed dispute takes no further sessions
    with pytest.raises(ValidationError):
        services.record_mediation(s, d, at=now, outcome="continue", notes="再谈", mediators=[{"kind": "grid_worker", "name": "赵网格"}])
    stats = services.dispute_statistics(Dispute.objects.all(), timezone.localdate() - datetime.timedelta(days=30), timezone.localdate())
    assert stats["total"] == 1 and stats["by_kind"]["neighbour"] == 1 and stats["by_status"]["closed"] == 1 and stats["resolved"] == 1


@pytest.mark.django_db
def test_dispute_refusals_change_nothing(world):
    s = resolve(world.accounts["grid_worker"])
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.register_dispute(s, grid=world.grids["A1"], kind="neighbour", description="占用车位吵架", parties=[world.persons["a1"]])
    assert exc.value.message_dict == {"parties": ["Parties: a dispute has at least two parties."]}
    with pytest.raises(ValidationError) as exc:
        services.register_dispute(s, grid=world.grids["A1"], kind="war", description="占用车位吵架", parties=["甲", "乙"])
    assert "kind" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.register_dispute(s, grid=world.grids["A2"], kind="family", description="家庭矛盾吵架", parties=["甲", "乙"])
    assert counts() == before
    d = services.register_dispute(s, grid=world.grids["A1"], kind="tenancy", risk="high", description="房东扣押金不退",
                                  parties=["租户李某", world.orgs["property"]])
    assert OutboxMessage.objects.filter(event_key=f"patrols:dispute:{d.pk}:high").exists()  # high risk: staff told
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.record_mediation(s, d, at=timezone.now(), outcome="agreed", notes="调解", mediators=[])
    assert "mediators" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_mediation(s, d, at=timezone.now() + datetime.timedelta(days=1), outcome="agreed", notes="调解",
                                  mediators=[{"kind": "council", "name": "议事厅"}])
    assert "at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.attach_agreement(s, d, file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"), summary="协议",
                                  signed_on=timezone.localdate())
    assert "file" in exc.value.message_dict
    services.record_mediation(s, d, at=timezone.now(), outcome="agreed", notes="达成一致", mediators=[{"kind": "council", "name": "议事厅"}])
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.attach_agreement(s, d, file=SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/pdf"), summary="协议",
                                  signed_on=timezone.localdate())
    assert exc.value.message_dict == {"file": ["Agreement: only a PDF, JPEG or PNG file is accepted."]}
    assert counts() == before
    # someone outside the grid cannot mediate it
    with pytest.raises(PermissionDenied):
        services.follow_up(resolve(world.accounts["other_community_staff"]), d, note="回访")


@pytest.mark.django_db
def test_statistics_by_kind_and_outcome_per_period(world):
    s = resolve(world.accounts["community_staff"])
    made = []
    for kind, outcome in [("neighbour", "agreed"), ("neighbour", "failed"), ("family", "agreed"), ("property", None)]:
        d = services.register_dispute(s, grid=world.grids["A2"], kind=kind, description="纠纷描述内容", parties=["甲", "乙"])
        if outcome:
            services.record_mediation(s, d, at=timezone.now(), outcome=outcome, notes="调解记录",
                                      mediators=[{"kind": "grid_worker", "name": "网格员"}])
        made.append(d)
    old = made[-1]
    Dispute.objects.filter(pk=old.pk).update(registered_at=timezone.now() - datetime.timedelta(days=60))
    today = timezone.localdate()
    stats = services.dispute_statistics(Dispute.objects.all(), today - datetime.timedelta(days=30), today)
    assert stats["total"] == 3
    assert stats["by_kind"] == {"neighbour": 2, "family": 1, "property": 0, "tenancy": 0, "other": 0}
    assert stats["by_status"]["agreed"] == 2 and stats["by_status"]["failed"] == 1 and stats["resolved"] == 2
