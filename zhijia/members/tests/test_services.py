"""Joining, review, transfers and leaving through the services."""

import pytest

from zhijia.audit.models import AuditEvent
from zhijia.core.errors import Conflict, NotFound, ValidationFailed
from zhijia.members import services
from zhijia.members.models import CardRevocation, Membership, MembershipApplication, WorkerNotice
from zhijia.members.selectors import current_membership, member_in_good_standing, worker_for_user
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_account(db):
    from zhijia.accounts.models import User

    return User.objects.create(username="p13912345678", phone="13912345678", role="worker")


def test_worker_applies_is_routed_and_staff_admits(city, make_staff, worker_account):
    # Given a courier applying for themself from 城关街道
    a = apply(worker_account, 3, occupation="courier")
    # Then it lands in 房山's courier union, with the reason, as a pending application and an applied membership
    assert a.union == city.couriers and a.status == "pending"
    assert "快递" in a.routing_reason
    assert current_membership(worker_for_user(worker_account)).status == "applied"
    # When 房山 staff approve
    staff = make_staff("fs", city.fangshan)
    services.application_approve(staff, application_id=a.pk)
    # Then the worker is a member in good standing with a number, and is told so in the app
    m = member_in_good_standing(worker_account)
    assert m.union == city.couriers and m.member_number.startswith("110111")
    assert "已通过" in WorkerNotice.objects.get(worker=m.worker).text
    assert AuditEvent.objects.filter(action="approve", object_id=str(a.pk)).exists()


def test_second_application_is_409_naming_the_first(city, make_staff, worker_account):
    a = apply(worker_account, 3)
    with pytest.raises(Conflict) as exc:
        apply(worker_account, 3)
    assert str(a.pk) in exc.value.message and city.couriers.name in exc.value.message
    services.application_approve(make_staff("fs", city.fangshan), application_id=a.pk)
    with pytest.raises(Conflict) as exc:
        apply(worker_account, 3)
    assert "会员编号" in exc.value.message and exc.value.code == "already_member"


def test_bad_input_names_the_field_and_writes_nothing(city, worker_account):
    p = person(5)
    bad_check = p["id_number"][:17] + ("0" if p["id_number"][17] != "0" else "1")
    cases = [
        ({"id_number": bad_check}, "id_number"),
        ({"id_number": "110111199002301234"}, "id_number"),  # 30 February
        ({"phone": "1234"}, "phone"),
        ({"occupation": "astronaut"}, "occupation"),
        ({"work_region_code": "999999"}, "work_region_code"),
        ({"name": ""}, "name"),
        ({"employer_credit_code": "ABC"}, "employer_credit_code"),
    ]
    for change, field in cases:
        data = {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"], "occupation": "courier",
                "work_region_code": "110111001000"} | change
        with pytest.raises(ValidationFailed) as exc:
            services.application_submit(worker_account, **data)
        assert field in exc.value.fields, change
    assert MembershipApplication.objects.count() == 0 and Membership.objects.count() == 0


def test_credit_code_with_failed_check_is_a_warning_to_confirm(city, worker_account):
    p = person(6)
    data = {"name": p["name"], "id_number": p["id_number"], "phone": p["phone"], "occupation": "other",
            "work_region_code": "110111001000", "employer_credit_code": "91110111MA00EFGH34"}
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(worker_account, **data)
    assert exc.value.code == "credit_code_unconfirmed"
    a = services.application_submit(worker_account, employer_credit_code_confirmed=True, **data)
    assert a.employer_credit_code == "91110111MA00EFGH34"


def test_location_instead_of_region_code(city, worker_account):
    p = person(7)
    a = services.application_submit(worker_account, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                    occupation="courier", lat=39.74, lng=116.14)
    assert a.union == city.couriers and a.work_region_code == "110111"


def test_reject_needs_reason_and_worker_may_apply_again(city, make_staff, worker_account):
    a = apply(worker_account, 3)
    staff = make_staff("fs", city.fangshan)
    with pytest.raises(ValidationFailed):
        services.application_reject(staff, application_id=a.pk, reason=" ")
    services.application_reject(staff, application_id=a.pk, reason="身份信息与本人不符")
    assert current_membership(worker_for_user(worker_account)) is None
    again = apply(worker_account, 3)
    assert again.status == "pending"


def test_reroute_moves_the_application_and_keeps_the_reason(city, make_staff, worker_account):
    a = apply(worker_account, 3)
    staff = make_staff("fs", city.fangshan)
    services.application_reroute(staff, application_id=a.pk, union_id=city.chengguan.pk, reason="实际在街道站点工作")
    a.refresh_from_db()
    assert a.union == city.chengguan and "改派" in a.routing_reason and "实际在街道站点工作" in a.routing_reason
    assert a.membership.union == city.chengguan


def test_sibling_district_cannot_review(city, make_staff, worker_account):
    a = apply(worker_account, 3)
    haidian = make_staff("hd", city.haidian)
    with pytest.raises(NotFound):
        services.application_approve(haidian, application_id=a.pk)


def _member(city, make_staff, worker_account, i=3):
    a = apply(worker_account, i)
    services.application_approve(make_staff("fs", city.fangshan), application_id=a.pk)
    return member_in_good_standing(worker_account)


def test_transfer_asked_by_worker_confirmed_by_both_sides(city, make_staff, worker_account):
    m = _member(city, make_staff, worker_account)
    t = services.transfer_request(worker_account, to_union_id=city.zhongguancun.pk, reason="搬到海淀")
    assert t.from_confirmed_at is None and t.to_confirmed_at is None
    haidian = make_staff("hd", city.haidian)
    services.transfer_confirm(haidian, transfer_id=t.pk)  # the receiving side
    t.refresh_from_db()
    assert t.status == "pending" and t.to_confirmed_at
    fangshan = make_staff("fs2", city.fangshan)
    services.transfer_confirm(fangshan, transfer_id=t.pk)  # the releasing side
    t.refresh_from_db()
    assert t.status == "completed"
    old = Membership.objects.get(pk=m.pk)
    new = member_in_good_standing(worker_account)
    assert old.status == "transferred_out" and new.union == city.zhongguancun and new.transferred_from_id == old.pk
    assert CardRevocation.objects.filter(member_number=old.member_number).exists()


def test_transfer_asked_by_a_union_needs_the_other_side(city, make_staff, worker_account):
    _member(city, make_staff, worker_account)
    m = member_in_good_standing(worker_account)
    fangshan = make_staff("fs2", city.fangshan)
    t = services.transfer_request(fangshan, membership_id=m.pk, to_union_id=city.zhongguancun.pk)
    assert t.from_confirmed_at and t.status == "pending"
    with pytest.raises(Conflict):
        services.transfer_request(fangshan, membership_id=m.pk, to_union_id=city.zhongguancun.pk)
    services.transfer_refuse(make_staff("hd", city.haidian), transfer_id=t.pk, reason="不在本区工作")
    t.refresh_from_db()
    assert t.status == "refused" and member_in_good_standing(worker_account).union == city.couriers


def test_leaving_revokes_the_card(city, make_staff, worker_account):
    m = _member(city, make_staff, worker_account)
    services.membership_leave(worker_account, reason="离京")
    m.refresh_from_db()
    assert m.status == "left" and member_in_good_standing(worker_account) is None
    assert CardRevocation.objects.filter(member_number=m.member_number).exists()


def test_staff_may_apply_on_behalf(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    a = apply(agent, 9, occupation="delivery_rider", region="110108010000")
    assert a.channel == "staff" and a.union == city.zhongguancun
    reviewer = make_staff("rev", city.root, role="reviewer")
    with pytest.raises(Exception) as exc:
        apply(reviewer, 10)
    assert exc.value.status == 403


def test_pii_reveal_is_audited_and_role_limited(city, make_staff, worker_account):
    m = _member(city, make_staff, worker_account)
    staff = make_staff("fs3", city.fangshan)
    w = services.worker_pii_reveal(staff, worker_id=m.worker_id)
    assert w.id_number == person(3)["id_number"]
    assert AuditEvent.objects.filter(action="view_pii", object_id=str(w.pk)).exists()
    with pytest.raises(NotFound):
        services.worker_pii_reveal(make_staff("hd", city.haidian), worker_id=m.worker_id)
    with pytest.raises(Exception) as exc:
        services.worker_pii_reveal(make_staff("rv", city.root, role="reviewer"), worker_id=m.worker_id)
    assert exc.value.status == 403
