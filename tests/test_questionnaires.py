"""PGIC after a treatment and MIDAS day counts: one write path, the prompts, the figures, CSV."""

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from diary.clock import local_today
from diary.extensions import db
from diary.models import QuestionnaireAnswer, Treatment
from diary.rules import EntryError
from diary.services import questionnaires
from diary.services.outcomes import midas_figures
from diary.services.treatments import add_treatment
from tests.conftest import user_row
from tests.test_languages import speaks


def count_answers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(QuestionnaireAnswer.id)))


def treatment_ending(app, user_id, days_ago: int, length: int = 4) -> int:
    with app.app_context():
        today = local_today(user_row(user_id).timezone)
        end = today - timedelta(days=days_ago)
        t = add_treatment(
            user_row(user_id),
            kind="ketamine_iv_inpatient",
            started_on=end - timedelta(length),
            ended_on=end,
        )
        db.session.commit()
        return t.id


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda u, t, d: questionnaires.add_pgic(u, t, answered_on=d, score=0), "score"),
        (lambda u, t, d: questionnaires.add_pgic(u, t, answered_on=d, score=8), "score"),
        (lambda u, t, d: questionnaires.add_pgic(u, t, answered_on=d, score="three"), "score"),
        (lambda u, t, d: questionnaires.add_pgic(u, t, answered_on=d, score=True), "score"),
        (
            lambda u, t, d: questionnaires.add_pgic(
                u, t, answered_on=d + timedelta(days=1), score=3
            ),
            "answered_on",
        ),
        (
            lambda u, t, d: questionnaires.add_pgic(
                u, t, answered_on=t.started_on - timedelta(1), score=3
            ),
            "answered_on",
        ),
        (
            lambda u, t, d: questionnaires.add_pgic(u, t, answered_on=d, score=3, language="ja"),
            "language",
        ),
        (lambda u, t, d: questionnaires.add_midas(u, answered_on=d, items=[1, 2, 3, 4]), "items"),
        (
            lambda u, t, d: questionnaires.add_midas(u, answered_on=d, items=[1, 2, -3, 4, 5]),
            "item_3",
        ),
        (
            lambda u, t, d: questionnaires.add_midas(u, answered_on=d, items=[1, 2, 3, 4, 93]),
            "item_5",
        ),
        (
            lambda u, t, d: questionnaires.add_midas(
                u, answered_on=date(1899, 12, 31), items=[0] * 5
            ),
            "answered_on",
        ),
    ],
)
def test_every_bad_answer_is_refused_by_the_service_naming_the_field(app, alice, call, field):
    treatment_id = treatment_ending(app, alice, days_ago=14)
    with app.app_context():
        user = user_row(alice)
        with pytest.raises(EntryError) as refused:
            call(user, db.session.get(Treatment, treatment_id), local_today(user.timezone))
        assert refused.value.field == field
    assert count_answers(app) == 0


def test_home_asks_at_the_follow_up_and_again_at_one_month(app, client, alice):
    treatment_id = treatment_ending(app, alice, days_ago=14)
    home = client.get("/").get_data(as_text=True)
    assert "Since the start of the treatment, my overall status is:" in home
    assert "Much improved" in home and "Very much worse" in home
    client.post(
        f"/treatments/{treatment_id}/pgic", data={"score": "2", "client_key": "k1", "next": "/"}
    )
    assert "my overall status is" not in client.get("/").get_data(as_text=True)
    # A month after the end it is asked again, until answered or dismissed.
    with app.app_context():
        t = db.session.get(Treatment, treatment_id)
        t.ended_on -= timedelta(days=16)
        t.started_on -= timedelta(days=16)
        db.session.execute(
            QuestionnaireAnswer.__table__.update().values(answered_on=t.ended_on + timedelta(15))
        )
        db.session.commit()
    assert "my overall status is" in client.get("/").get_data(as_text=True)
    client.post(f"/treatments/{treatment_id}/pgic/dismiss", data={"prompt": "one_month"})
    assert "my overall status is" not in client.get("/").get_data(as_text=True)


def test_a_double_tap_stores_one_answer(app, client, alice):
    treatment_id = treatment_ending(app, alice, days_ago=20)
    for _ in range(2):
        client.post(f"/treatments/{treatment_id}/pgic", data={"score": "3", "client_key": "same"})
    assert count_answers(app) == 1
    page = client.get(f"/treatments/{treatment_id}").get_data(as_text=True)
    assert "Minimally improved" in page


def test_the_midas_page_describes_the_counts_without_the_copyrighted_questions(client, alice):
    page = client.get("/midas").get_data(as_text=True)
    assert "Work or school: days missed" in page
    assert "does not show its questions" in page
    assert "in the last 3 months" not in page
    bad = client.post(
        "/midas", data={"answered_on": "2024-01-01"} | {f"item_{n}": "1" for n in range(1, 5)}
    )
    assert bad.status_code == 422
    too_many = {f"item_{n}": "1" for n in range(1, 5)} | {"item_5": "100"}
    refused = client.post("/midas", data={"answered_on": "2024-01-01"} | too_many)
    assert refused.status_code == 422
    assert (
        "Family, social or leisure activities: days missed must be from 0 to 92, not 100."
        in refused.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("total", "grade"),
    [(0, "I"), (5, "I"), (6, "II"), (10, "II"), (11, "III"), (20, "III"), (21, "IV")],
)
def test_midas_grades_at_their_boundaries(total, grade):
    assert midas_figures(date(2024, 1, 1), [total, 0, 0, 0, 0])["grade"] == grade


def test_the_report_json_has_pgic_and_midas_before_and_after(app, runner, alice):
    with app.app_context():
        user = user_row(alice)
        t = add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=date(2024, 3, 1),
            ended_on=date(2024, 3, 5),
        )
        db.session.flush()
        questionnaires.add_midas(
            user, answered_on=date(2023, 11, 29), items=[9, 9, 9, 9, 9]
        )  # 93 days before
        questionnaires.add_midas(user, answered_on=date(2023, 12, 1), items=[5, 5, 5, 5, 5])
        questionnaires.add_midas(user, answered_on=date(2024, 2, 28), items=[4, 4, 4, 4, 4])
        # After: its 3-month recall must lie wholly after the end (2024-03-05).
        questionnaires.add_midas(user, answered_on=date(2024, 5, 4), items=[1, 1, 1, 0, 0])
        questionnaires.add_midas(user, answered_on=date(2024, 6, 2), items=[2, 0, 0, 0, 0])
        questionnaires.add_midas(user, answered_on=date(2024, 6, 3), items=[0, 1, 0, 0, 0])
        questionnaires.add_midas(user, answered_on=date(2024, 8, 3), items=[0, 0, 0, 0, 0])
        questionnaires.add_pgic(user, t, answered_on=date(2024, 3, 19), score=2)
        questionnaires.add_pgic(user, t, answered_on=date(2024, 4, 4), score=3)
        db.session.commit()
    out = json.loads(
        runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-12-31"]).output
    )
    treatment = out["treatments"][0]
    assert treatment["pgic"] == [
        {"answered_on": "2024-03-19", "score": 2, "label": "Much improved"},
        {"answered_on": "2024-04-04", "score": 3, "label": "Minimally improved"},
    ]
    assert treatment["midas_before"] == {
        "answered_on": "2024-02-28", "recall_first_day": "2023-12-01",
        "recall_last_day": "2024-02-28", "items": [4, 4, 4, 4, 4], "total": 20, "grade": "III",
    }  # fmt: skip
    # Day 60 and day 89 recall days before the end; day 90 recalls days 1 to 90 after it.
    after = treatment["midas_after"]
    assert (after["answered_on"], after["total"]) == ("2024-06-03", 1)
    assert (after["recall_first_day"], after["recall_last_day"]) == ("2024-03-06", "2024-06-03")
    assert [m["total"] for m in out["midas"]] == [45, 25, 20, 3, 2, 1, 0]


def test_a_midas_answer_after_day_150_is_not_the_after_answer(app, runner, alice):
    with app.app_context():
        user = user_row(alice)
        add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 5), ended_on=date(2024, 3, 5)
        )
        questionnaires.add_midas(user, answered_on=date(2024, 8, 3), items=[1, 0, 0, 0, 0])
        db.session.commit()
    out = json.loads(
        runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-12-31"]).output
    )
    assert out["treatments"][0]["midas_after"] is None


QUESTIONNAIRES = (
    "answered_on,instrument,treatment_started_on,score,items\r\n"
    "2024-02-28,midas,,,4;4;4;4;4\r\n"
    "2024-03-19,pgic,2024-03-01,2,\r\n"
)
TREATMENTS = "kind,started_on,ended_on\r\nketamine_iv_inpatient,2024-03-01,2024-03-05\r\n"


def test_questionnaires_csv_round_trip_after_its_treatments(app, runner, tmp_path, alice, bob):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "treatments.csv").write_text(TREATMENTS)
    (folder / "questionnaires.csv").write_text(QUESTIONNAIRES)
    result = runner.invoke(args=["import", str(folder), "--user", "alice"])
    assert result.exit_code == 0, result.output
    assert "questionnaires.csv: 2 added, 0 already present" in result.output
    again = runner.invoke(args=["import", str(folder), "--user", "alice"])
    assert "questionnaires.csv: 0 added, 2 already present" in again.output
    runner.invoke(args=["export", "--user", "alice", "--out", str(tmp_path / "a")])
    runner.invoke(args=["import", str(tmp_path / "a"), "--user", "bob"])
    runner.invoke(args=["export", "--user", "bob", "--out", str(tmp_path / "b")])
    exported = (tmp_path / "a" / "questionnaires.csv").read_bytes()
    assert exported == (tmp_path / "b" / "questionnaires.csv").read_bytes()
    assert b'"2024-03-19","pgic","2024-03-01","2",""' in exported


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2024-03-19,pgic,2024-03-02,2,", "There is no treatment that started on 2024-03-02."),
        ("2024-03-19,pgic,2024-03-01,9,", "The PGIC answer must be from 1 to 7, not 9."),
        ("2024-02-28,midas,,,1;2;3", "MIDAS has 5 day counts."),
        ("2024-02-28,midas,2024-03-01,,1;2;3;4;5", "a midas row leaves treatment_started_on"),
        ("2024-02-28,phq9,,,", "instrument must be one of pgic, midas;"),
    ],
)
def test_a_bad_questionnaire_row_imports_nothing(app, client, alice, row, reason):
    client.post(
        "/import",
        data={"files": (io.BytesIO(TREATMENTS.encode()), "treatments.csv")},
        content_type="multipart/form-data",
    )
    body = "answered_on,instrument,treatment_started_on,score,items\r\n" + row + "\r\n"
    response = client.post(
        "/import",
        data={"files": (io.BytesIO(body.encode()), "questionnaires.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert count_answers(app) == 0


def answer_languages(app) -> dict[str, str | None]:
    with app.app_context():
        rows = db.session.execute(
            select(QuestionnaireAnswer.instrument, QuestionnaireAnswer.language)
        ).all()
        return dict(rows)


@pytest.mark.parametrize(
    ("account_language", "accept_language", "recorded"),
    [("de", "fr-FR", "de"), (None, "es-ES,es;q=0.9", "es")],
)
def test_a_pgic_answer_keeps_the_language_of_the_page_it_was_given_on(
    app, client, alice, account_language, accept_language, recorded
):
    speaks(app, alice, account_language)
    treatment_id = treatment_ending(app, alice, days_ago=14)
    headers = {"Accept-Language": accept_language}
    client.post(f"/treatments/{treatment_id}/pgic", data={"score": "2"}, headers=headers)
    assert answer_languages(app) == {"pgic": recorded}
    exported = client.get("/export/questionnaires.csv").get_data(as_text=True).splitlines()
    assert exported[0] == (
        '"answered_on","instrument","treatment_started_on","score","items","language"'
    )
    assert exported[1].endswith(f',"2","","{recorded}"')


def test_the_pgic_question_says_it_asks_about_the_treatment_where_the_published_one_says_study(
    app, client, alice
):
    treatment_id = treatment_ending(app, alice, days_ago=14)
    english = client.get(f"/treatments/{treatment_id}").get_data(as_text=True)
    assert "The published question says “study” where the diary says “treatment”." in english
    speaks(app, alice, "de")
    german = client.get(f"/treatments/{treatment_id}").get_data(as_text=True)
    assert "Die veröffentlichte Frage sagt „Studie“, wo das Tagebuch „Behandlung“ sagt." in german


def test_a_questionnaires_file_carries_each_answers_language(app, runner, tmp_path, alice):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "treatments.csv").write_text(TREATMENTS)
    (folder / "questionnaires.csv").write_text(
        "answered_on,instrument,treatment_started_on,score,items,language\r\n"
        "2024-02-28,midas,,,4;4;4;4;4,\r\n"
        "2024-03-19,pgic,2024-03-01,2,,fr\r\n"
    )
    result = runner.invoke(args=["import", str(folder), "--user", "alice"])
    assert "questionnaires.csv: 2 added, 0 already present" in result.output
    assert answer_languages(app) == {"midas": None, "pgic": "fr"}
    again = runner.invoke(args=["import", str(folder), "--user", "alice"])
    assert "questionnaires.csv: 0 added, 2 already present" in again.output


def test_a_language_the_diary_does_not_speak_is_refused_in_a_questionnaires_file(
    app, client, alice
):
    client.post(
        "/import",
        data={"files": (io.BytesIO(TREATMENTS.encode()), "treatments.csv")},
        content_type="multipart/form-data",
    )
    body = (
        "answered_on,instrument,treatment_started_on,score,items,language\r\n"
        "2024-03-19,pgic,2024-03-01,2,,xx\r\n"
    )
    response = client.post(
        "/import",
        data={"files": (io.BytesIO(body.encode()), "questionnaires.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "&#39;xx&#39; is not a language; use one of: en, de, es, fr." in response.get_data(
        as_text=True
    )
    assert count_answers(app) == 0
