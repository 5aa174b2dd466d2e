//! Each document kind: its data, and the [`crate::Document`] it makes.

pub mod certificate;
pub mod common;
pub mod decision;
pub mod fields;
pub mod minutes;
pub mod notice;
pub mod proposal;
pub mod registration;
pub mod report;
pub mod samples;
pub mod score_sheet;
pub mod summary;
