//! One file per route.

pub mod centres;
pub mod commissions;
pub mod home;
pub mod inquiry;
pub mod join;
pub mod members;
pub mod network;
pub mod not_found;
pub mod plan;
pub mod tree;
pub mod workshop;
