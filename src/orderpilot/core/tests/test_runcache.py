"""Configuration read once per job run, and read again by the next run."""

import threading

import pytest

from orderpilot.core import jobs
from orderpilot.core.configuration.apply import apply_config
from orderpilot.core.configuration.schema import validate_config
from orderpilot.core.configuration.sections import company_settings, stored_setting
from orderpilot.core.models import SystemSetting
from orderpilot.core.runcache import forget_run_cache, in_job_run, job_run, per_run, run_memo

COMPANY = {"name": "Muster GmbH", "street": "Hauptstr. 1", "postal_code": "94032", "city": "Passau", "country": "DE"}


def test_outside_a_run_every_call_computes():
    calls = []
    assert [per_run("k", lambda: calls.append(1) or len(calls)) for _ in range(3)] == [1, 2, 3]
    assert not in_job_run()
    assert run_memo("anything") is None


def test_inside_a_run_once_per_key_and_nested_blocks_share_the_run():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with job_run():
        assert in_job_run()
        assert per_run("k", compute) == 1
        with job_run():
            assert per_run("k", compute) == 1
        assert per_run("k", compute) == 1
        assert per_run("other", compute) == 2
    # the next run computes again
    with job_run():
        assert per_run("k", compute) == 3
    assert not in_job_run()


def test_forgetting_makes_the_run_read_again():
    calls = []
    with job_run():
        per_run("k", lambda: calls.append(1))
        run_memo("m")["x"] = 1
        forget_run_cache()
        per_run("k", lambda: calls.append(1))
        assert run_memo("m") == {}
    assert len(calls) == 2
    forget_run_cache()  # outside a run: nothing to forget, no error


def test_a_run_in_one_thread_is_not_seen_by_another():
    seen = []
    with job_run():
        per_run("k", lambda: "main")
        thread = threading.Thread(target=lambda: seen.append((in_job_run(), per_run("k", lambda: "thread"))))
        thread.start()
        thread.join()
    assert seen == [(False, "thread")]


@pytest.mark.django_db
def test_a_setting_is_read_once_per_run_and_each_caller_gets_its_own_copy(django_assert_num_queries):
    SystemSetting.objects.create(key="company", value=COMPANY)
    with job_run():
        with django_assert_num_queries(2):  # "company" and "missing", once each
            first = stored_setting("company")
            first["name"] = "changed by a caller"
            assert company_settings().name == "Muster GmbH"
            assert stored_setting("company")["name"] == "Muster GmbH"
            assert stored_setting("missing", "default") == "default"
            assert stored_setting("missing", "default") == "default"
        with django_assert_num_queries(0):
            assert company_settings().name == "Muster GmbH"


@pytest.mark.django_db
def test_each_job_run_reads_the_configuration_again(monkeypatch):
    # given a job that reads the company name, and the name changed between two runs
    SystemSetting.objects.create(key="company", value=COMPANY)
    monkeypatch.setitem(jobs.JOBS, "probe", f"{__name__}._probe_job")
    seen.clear()
    jobs.run_job("probe")
    SystemSetting.objects.filter(key="company").update(value={**COMPANY, "name": "Neu GmbH"})
    # when
    jobs.run_job("probe")
    # then each run read once and saw what was stored when it ran
    assert seen == [["Muster GmbH", "Muster GmbH"], ["Neu GmbH", "Neu GmbH"]]


@pytest.mark.django_db
def test_configuration_applied_during_a_run_is_seen_at_once():
    SystemSetting.objects.create(key="company", value=COMPANY)
    with job_run():
        assert company_settings().name == "Muster GmbH"
        apply_config(validate_config({"company": {**COMPANY, "name": "Neu GmbH", "vat_id": "DE136695976"}}))
        assert company_settings().name == "Neu GmbH"


seen: list[list[str]] = []


def _probe_job() -> int:
    seen.append([company_settings().name, company_settings().name])
    return 0
