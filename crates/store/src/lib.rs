//! DVK storage and services: one code base over SQLite (embedded default)
//! and PostgreSQL, with the use cases that pages and the API share.

pub mod accounts;
pub mod appraisal;
pub mod audit;
pub mod copy;
pub mod db;
pub mod demo;
pub mod dialect;
pub mod entries;
pub mod error;
pub mod history;
pub mod issuers;
pub mod mail;
pub mod notify;
pub mod reference;
pub mod review;
pub mod reward_forms;
pub mod rewards;
pub mod round_view;
pub mod service;
pub mod settings;
pub mod tokens;
pub(crate) mod transitions;
pub mod units;

pub use db::{Backend, Db};
pub use error::{ServiceError, StoreError};
