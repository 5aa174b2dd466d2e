//! DVK domain core: entries, their life as a state machine, authorisation
//! rules and the audit chain, as plain functions over plain types. No I/O.

pub mod appraisal;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod entry;
pub mod evidence;
pub mod issuer;
pub mod lineage;
pub mod money;
pub mod news;
pub mod reminders;
pub mod round_rules;
pub mod search;
pub mod similarity;
pub mod state;
pub mod summary;
pub mod text;
pub mod unit;

pub type UnitId = i64;
pub type UserId = i64;
pub type EntryId = i64;
