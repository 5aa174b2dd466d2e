//! Black-box HTTP tests: a real server on a random port over a fresh
//! database per test, driven through the real forms. One binary; one module
//! per area, with the shared helpers in `support`.

#[path = "http/accounts.rs"]
mod accounts;
#[path = "http/api.rs"]
mod api;
#[path = "http/appraisal.rs"]
mod appraisal;
#[path = "http/authorisation.rs"]
mod authorisation;
#[path = "http/browser.rs"]
mod browser;
#[path = "http/dashboard.rs"]
mod dashboard;
#[path = "http/documents.rs"]
mod documents;
#[path = "http/exports.rs"]
mod exports;
#[path = "http/forms.rs"]
mod forms;
#[path = "http/imports.rs"]
mod imports;
#[path = "http/journeys.rs"]
mod journeys;
#[path = "http/mail_tls.rs"]
mod mail_tls;
#[path = "http/notice.rs"]
mod notice;
#[path = "http/notifications.rs"]
mod notifications;
#[path = "http/operations.rs"]
mod operations;
#[path = "http/phone.rs"]
mod phone;
#[path = "http/portal.rs"]
mod portal;
#[path = "http/public.rs"]
mod public;
#[path = "http/registration.rs"]
mod registration;
#[path = "http/replication.rs"]
mod replication;
#[path = "http/retries.rs"]
mod retries;
#[path = "http/review.rs"]
mod review;
#[path = "http/rewards.rs"]
mod rewards;
#[path = "http/scale.rs"]
mod scale;
#[path = "http/similar.rs"]
mod similar;
#[path = "http/state_table.rs"]
mod state_table;
#[path = "http/support.rs"]
mod support;

use support::Kind;

/// The external OpenAPI tools run once, against SQLite (the API code is
/// the same on both backends; the other API tests run on both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_validates_and_survives_schemathesis() {
    api::openapi_validates_and_schemathesis_finds_nothing(Kind::Sqlite).await
}

/// The browser walks every page kind once, on SQLite (the pages are the
/// same on both backends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_passes_axe() {
    phone::every_page_fits_a_phone_and_passes_axe().await
}

/// The main journey through the pages in a real browser, once, on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_journey_in_a_real_browser() {
    journeys::main_journey_in_a_real_browser().await
}

/// Each test runs once on SQLite and once on PostgreSQL, in a module named
/// after the scenario (so the tests are `<scenario>::sqlite` and
/// `<scenario>::postgres`).
macro_rules! on_both_backends {
    ($($area:ident :: $name:ident),* $(,)?) => {
        $(
            mod $name {
                use crate::support::{postgres_admin_url, Kind};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    crate::$area::$name(Kind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if postgres_admin_url().is_some() {
                        crate::$area::$name(Kind::Postgres).await
                    }
                }
            }
        )*
    };
}

on_both_backends!(
    scale::lists_page_by_cursor_and_stop_counting_at_a_cap,
    scale::search_means_the_same_on_both_backends,
    scale::search_and_lists_use_their_indexes,
    scale::counters_equal_a_recount_after_random_work,
    scale::public_pages_cache_and_pages_compress,
    similar::copies_and_replications_are_seen,
    replication::lineage_is_chosen_shown_and_counted,
    notice::confidential_appraisal_and_lawful_notice,
    portal::news_reach_the_public_only_when_published,
    portal::guidance_library_takes_real_documents_only,
    portal::portal_is_rate_limited,
    forms::refused_forms_keep_what_was_typed,
    public::public_search_ignores_personal_items,
    public::public_abuse_cannot_win,
    state_table::every_transition_role_and_scope_follows_the_table,
    registration::registration_cycle_through_the_forms,
    registration::bad_input_gets_clear_errors_and_changes_nothing,
    registration::search_ignores_diacritics_and_sorting_is_vietnamese,
    registration::list_and_detail_query_counts_do_not_grow_with_data,
    registration::concurrent_transitions_cannot_both_succeed,
    registration::read_queries_go_to_the_replica,
    registration::other_units_records_cannot_be_referenced,
    authorisation::authorisation_matrix_every_state_changing_route,
    authorisation::csrf_missing_or_wrong_is_refused,
    authorisation::stored_xss_comes_back_escaped,
    authorisation::round_routes_refuse_outsiders,
    authorisation::uploads_are_refused_before_their_body,
    authorisation::a_merge_widens_signed_in_readers_lists_at_once,
    dashboard::dashboard_figures_equal_the_summary_and_open_what_they_count,
    appraisal::whole_round_by_scores,
    appraisal::whole_round_by_ballot,
    appraisal::round_pages_query_counts_do_not_grow,
    appraisal::criteria_sets_are_versioned,
    appraisal::phase_rounds_take_the_communes_best,
    appraisal::concurrent_decisions_leave_no_round_stuck,
    appraisal::council_follows_grants_and_removal,
    rewards::rewards_funnel_one_form_and_revocation,
    rewards::reward_catalogue_is_managed,
    review::yearly_review_and_predecessors,
    notifications::notifications_exactly_once,
    notifications::notifications_are_mailed_once,
    notifications::work_reaches_people,
    notifications::deadline_reminders_reach_who_has_work_left,
    mail_tls::mail_goes_over_tls_only,
    accounts::audit_check_catches_an_edited_record,
    accounts::sessions_survive_a_restart_and_logins_are_throttled,
    accounts::admin_pages_manage_units_users_and_grants,
    accounts::passwords_are_changed_reset_and_accounts_disabled,
    accounts::concurrent_guesses_never_pass_the_limit,
    accounts::cookies_are_host_bound_and_pre_login_tokens_signed,
    api::api_whole_cycle,
    api::api_authorisation_matrix,
    api::api_tokens_and_sessions,
    api::api_errors_name_fields,
    api::public_api_is_rate_limited,
    api::forwarded_addresses_count_only_from_trusted_proxies,
    api::slow_clients_are_disconnected,
    retries::retried_creates_create_once,
    operations::metrics_count_requests_for_allowed_readers,
    documents::documents_come_from_the_records_to_those_allowed,
    imports::registrations_import_checks_every_row_and_writes_once,
    imports::export_imports_into_another_unit_with_the_same_items,
    imports::accounts_import_gives_one_time_passwords,
    documents::pdf_only_where_libreoffice_is,
    documents::provinces_fill_their_own_forms,
    documents::html_certificates_print_on_one_landscape_page,
    exports::entries_export_as_the_list_shows_them,
    exports::summary_figures_add_up_and_open_what_they_count,
);
