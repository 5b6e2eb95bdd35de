"""The wellbeing pages in English (cookie django_language=en) and, without the cookie, still in Chinese."""

from zhijia.conftest import signed_in
from zhijia.wellbeing import services


def test_worker_home_and_assessment_in_english(worker):
    c = signed_in(worker, "en")
    home = c.get("/w/wellbeing/").content.decode()
    assert "Mental-health self-check" in home and "心理自评" not in home
    assert "PHQ-9 depression self-check" in home and "抑郁症状自评" not in home
    assess = c.get("/w/wellbeing/assess/phq9/").content.decode()
    assert "Thoughts that you would be better off dead" in assess and "不如死掉" not in assess
    assert "Nearly every day" in assess and "几乎每天" not in assess
    result = c.post("/w/wellbeing/assess/gad7/", {f"q{i}": "3" for i in range(1, 8)}).content.decode()
    assert "Severe anxiety symptoms" in result and "重度焦虑症状" not in result


def test_worker_flash_and_error_in_english(worker, slot):
    c = signed_in(worker, "en")
    assert "Booked. We will send you a text message" in c.post("/w/wellbeing/book/", {"slot": slot.pk},
                                                                follow=True).content.decode()
    missing = c.post("/w/wellbeing/assess/gad7/", {"q1": "1"}).content.decode()
    assert "Please answer question(s) 2, 3, 4, 5, 6, 7" in missing


def test_worker_home_still_chinese_without_the_cookie(worker):
    home = signed_in(worker).get("/w/wellbeing/").content.decode()
    assert "心理自评" in home and "Mental-health self-check" not in home


def test_counsellor_desk_and_staff_report_in_english(worker, counsellor, staff):
    services.assessment_submit(worker, scale="phq9", answers=[0] * 8 + [2])
    desk = signed_in(counsellor.user, "en").get("/console/wellbeing/").content.decode()
    assert "Counselling desk" in desk and "心理咨询台" not in desk
    assert "Acknowledge and follow up" in desk and "确认并跟进" not in desk
    report = signed_in(staff.fangshan, "en").get("/console/wellbeing/").content.decode()
    assert "Wellbeing and volunteer statistics" in report and "心理关爱与志愿服务统计" not in report
    chinese = signed_in(staff.fangshan).get("/console/wellbeing/").content.decode()
    assert "心理关爱与志愿服务统计" in chinese and "Wellbeing and volunteer statistics" not in chinese
    assert "心理咨询台" in signed_in(counsellor.user).get("/console/wellbeing/").content.decode()


# --- The messages a person gets back (API errors, flash messages) follow the request's language ------------------

def test_api_errors_in_english_same_code_and_field(worker, slot, city, make_worker_user):
    c = signed_in(worker, "en")
    r = c.post("/api/v1/wellbeing/assessments", {"scale": "phq9", "answers": [0] * 8},
               content_type="application/json")
    body = r.json()
    assert r.status_code == 400 and body["code"] == "invalid"
    assert body["message"] == body["fields"]["answers"] == "PHQ-9 depression self-check has 9 questions: please " \
                                                             "answer every one"
    assert c.post("/api/v1/wellbeing/bookings", {"slot": slot.pk}, content_type="application/json").status_code == 201
    r = signed_in(make_worker_user(2, union=city.community), "en").post(
        "/api/v1/wellbeing/bookings", {"slot": slot.pk}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "taken"
    assert r.json()["message"] == "This slot has already been booked: please choose another one"
    assert r.json()["fields"] == {"slot": "This slot has already been booked"}


def test_api_errors_still_chinese_without_the_cookie(worker):
    r = signed_in(worker).post("/api/v1/wellbeing/assessments", {"scale": "gad7", "answers": [0] * 6 + [9]},
                               content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"answers": "第7题的答案应为0到3之间的整数"}


def test_flash_error_of_a_page_in_english(worker):
    page = signed_in(worker, "en").post("/w/wellbeing/quick/", {"topic": " "}, follow=True).content.decode()
    assert "Please say briefly what you would like to talk about" in page and "请简单说说想聊什么" not in page
    assert "请简单说说想聊什么" in signed_in(worker).post("/w/wellbeing/quick/", {"topic": " "},
                                                      follow=True).content.decode()
