//! byok: bring your own keys. The library behind the `byok` binary; every part is usable
//! and testable in-process.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod duration;
pub mod error;
pub mod fsio;
pub mod generate;
pub mod guard;
pub mod http;
pub mod keys;
pub mod ledger;
pub mod memory;
pub mod output;
pub mod paths;
pub mod policy;
pub mod prices;
pub mod profile;
pub mod providers;
pub mod secret;
pub mod signals;
pub mod vault;
pub mod vocab;
pub mod voting;
