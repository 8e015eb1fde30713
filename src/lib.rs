//! byok: bring your own keys. The library behind the `byok` binary. Public are only the
//! modules the binary, the tests and the benches use; the rest is the crate's own
//! (docs/architecture.md).

pub mod cli;
pub(crate) mod clock;
pub mod commands;
pub(crate) mod complete;
pub mod duration;
pub mod error;
pub(crate) mod fsio;
pub mod generate;
pub mod guard;
pub(crate) mod http;
pub(crate) mod keys;
pub mod ledger;
pub(crate) mod memory;
pub mod output;
pub mod paths;
pub(crate) mod policy;
pub(crate) mod prices;
pub mod profile;
pub(crate) mod providers;
pub(crate) mod secret;
pub(crate) mod serve;
pub(crate) mod signals;
pub mod vault;
pub mod vocab;
pub(crate) mod voting;
