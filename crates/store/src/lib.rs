//! DVK storage and services: one code base over SQLite (embedded default)
//! and PostgreSQL, with the use cases that pages and the API share.

pub mod accounts;
pub mod appraisal;
pub mod audit;
pub mod backup;
pub mod catalog;
pub mod certificates;
pub mod copy;
pub mod credentials;
pub mod db;
pub mod demo;
pub mod dialect;
pub mod documents;
pub mod entries;
pub mod entry_record;
pub mod error;
pub mod exports;
pub mod history;
pub mod idempotency;
pub mod imports;
pub mod issuers;
pub mod listing;
pub mod mail;
pub mod migrate;
pub mod notify;
pub mod proposing;
pub mod public;
pub mod reference;
pub mod reminders;
pub mod review;
pub mod reward_forms;
pub mod rewards;
pub mod round_view;
pub mod search;
pub mod service;
pub mod settings;
pub mod sheet;
pub mod summary;
pub mod tokens;
pub mod tracking;
pub(crate) mod transitions;
pub mod unit_admin;
pub mod units;
pub mod work;

pub use db::{Backend, Db};
pub use error::{ServiceError, StoreError};
