//! Typed views and commands over each kind of Juntas document. One Automerge document per
//! aggregate; entries that several people add concurrently live in maps keyed by id.

pub mod centre_plan;
pub mod cycle;
pub mod diff;
pub mod doc;
pub mod example;
pub mod history;
pub mod inquiry;
pub mod lenient;
pub mod mark;
pub mod network;
pub mod plan;
pub mod results;
pub mod review;
pub mod review_summary;
pub mod run_chart;
pub mod text;
pub mod tree;
pub mod tree_layout;
pub mod tree_moves;
pub mod vote;
pub mod workshop;

pub use doc::{DocError, Document};
