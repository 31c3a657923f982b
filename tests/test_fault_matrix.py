"""The faults of the reliability issue, each named once with the tests that reproduce it (issue 16).

One row per fault: a name, the start of its row in README's "Reliability" table, and the test functions that
reproduce the fault against real components (they run where they live; this module checks the matrix is whole:
every fault has its README row and its tests exist, every README row is a fault named here).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: (fault, the README row's first cell starts with, the tests reproducing it as "module::function")
FAULTS: list[tuple[str, str, list[str]]] = [
    ("database gone as a crawl ends", "the database is locked, full or down as a crawl ends", [
        "test_run_closing::test_a_database_locked_as_the_crawl_ends_leaves_no_run_running",
        "test_run_closing::test_a_run_whose_start_cannot_be_recorded_is_inserted_failed_when_the_database_returns"]),
    ("crawl process cannot start", "the crawl process cannot start", [
        "test_run_closing::test_a_crawl_process_that_cannot_start_is_a_failed_run_not_a_running_one"]),
    ("orphaned run", "a crawl killed or crashed while the daemon runs", [
        "test_run_closing::test_housekeeping_reaps_a_run_left_running_by_a_dead_process_while_the_daemon_runs"]),
    ("daemon killed mid-crawl", "the daemon or a worker killed with SIGKILL mid-crawl", [
        "test_daemon::test_a_crawl_whose_daemon_was_killed_closes_its_own_run_as_aborted"]),
    ("block page with HTTP 200", "a captcha or challenge page", [
        "test_block_detection::test_a_captcha_page_with_http_200_makes_a_blocked_run_of_a_source_whose_parser_never_checks",
        "test_block_detection::test_recorded_blocks_of_nine_sources_are_recognised_by_the_shared_detector"]),
    ("answer of another kind", "an answer of another kind than the source reads", [
        "test_block_detection::test_a_json_answer_where_lambda_reads_a_page_is_a_clear_failure_not_a_crash"]),
    ("huge body, gzip bomb", "a huge body or a gzip bomb", [
        "test_body_limits::test_a_gzip_bomb_fails_the_run_while_it_inflates_and_stores_nothing"]),
    ("secrets at DEBUG", "a webhook token at `log_level = \"DEBUG\"`", [
        "test_secret_redaction_debug::test_a_webhook_sent_at_debug_leaves_no_piece_of_its_token_in_the_log",
        "test_secret_redaction_debug::test_a_token_written_literally_in_a_url_path_is_refused"]),
    ("PostgreSQL restart in a cluster", "PostgreSQL restarted or down while a cluster crawls", [
        "test_cluster_restart::test_a_restart_of_postgresql_fails_the_run_in_flight_and_later_slots_run"]),
    ("notifier down, several flushers", "the notifier down while runs queue notifications", [
        "test_cluster_outbox::test_notifications_queued_while_the_notifier_was_down_are_each_delivered_once"]),
    ("loosely typed config", "`enabled = \"yes\"`", [
        "test_config_strictness::test_a_value_of_the_wrong_type_is_refused_naming_its_key",
        "test_config_strictness::test_a_file_that_is_not_utf8_names_the_line_instead_of_a_traceback"]),
    ("bad spider argument", "a misspelt or mistyped spider argument", [
        "test_spider_arguments::test_a_bad_argument_in_the_config_is_refused_at_start_naming_it",
        "test_spider_arguments::test_scrapy_crawl_with_a_mistyped_argument_fails_naming_it_before_any_request"]),
    ("wrong encoding", "GBK bytes declared as UTF-8", [
        "test_strict_encodings::test_gbk_declared_as_utf8_from_a_chinese_source_is_stored_as_the_right_text",
        "test_strict_encodings::test_an_item_the_source_served_with_replacement_characters_is_dropped_with_its_reason"]),
    ("clock stepped back", "the wall clock steps backwards", [
        "test_clock_step::test_three_runs_after_a_step_back_store_no_duplicate_state_and_show_gpu_has_the_new_price",
        "test_clock_step::test_after_a_step_back_an_interval_job_runs_after_its_interval_not_the_step"]),
    ("source-wide scale change", "a valid-shape scale change", [
        "test_scale_change::test_a_whole_source_times_100_is_one_quality_alert_no_price_alert_and_the_real_prices_are_accepted_again"]),
    ("slow receiver, kill -9 mid-send", "a webhook that accepts but answers after `delivery.timeout`", [
        "test_delivery_idempotency::test_a_receiver_answering_after_the_timeout_is_an_unknown_outcome_retried_late_with_the_same_key",
        "test_delivery_idempotency::test_a_deliverer_killed_between_the_post_and_the_commit_resends_under_the_same_key",
        "test_delivery_idempotency::test_an_email_answered_after_the_timeout_arrives_again_under_the_same_message_id"]),
    ("20,000 series", "20,000 series in one run", [
        "test_large_runs::test_twenty_thousand_series_are_stored_by_one_run_and_seen_again_by_the_next"]),
    ("database refuses the writes", "the database refuses a run's writes in the crawl process", [
        "test_large_runs::test_a_run_the_database_refuses_records_the_database_error_not_a_stats_fragment"]),
    ("flat new level", "a genuine ×10 jump that then stays flat", [
        "test_scale_change::test_one_series_jumping_alone_is_quarantined_then_confirmed_when_it_stays_flat"]),
]  # fmt: skip


def _reliability_rows() -> list[str]:
    section = README.split("## Reliability: faults and what aipulse does", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| fault ")]
    return [row.split(" | ", 1)[0].removeprefix("| ") for row in rows]


def _test_functions(module: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / f"{module}.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize(("fault", "row", "tests"), FAULTS, ids=[fault for fault, _, _ in FAULTS])
def test_each_fault_has_its_readme_row_and_the_tests_that_reproduce_it(fault: str, row: str, tests: list[str]) -> None:
    matching = [cell for cell in _reliability_rows() if cell.startswith(row)]
    assert matching, f"{fault}: README's reliability table has no row starting {row!r}"
    readme_row = next(line for line in README.splitlines() if line.startswith(f"| {matching[0]}"))
    for test in tests:
        module, function = test.split("::")
        assert function in _test_functions(module), f"{fault}: tests/{module}.py has no {function}"
        assert f"tests/{module}.py" in readme_row, f"{fault}: the README row does not name tests/{module}.py"


def test_every_row_of_the_readme_reliability_table_is_a_fault_named_here() -> None:
    named = [row for _, row, _ in FAULTS]
    unnamed = [cell for cell in _reliability_rows() if not any(cell.startswith(row) for row in named)]
    assert not unnamed, f"README reliability rows without an entry in tests/test_fault_matrix.py FAULTS: {unnamed}"
