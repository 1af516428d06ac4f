//! A flow's run settings: how many steps may work at once, per kind too, whether the first
//! failure stops new work, retry policies by kind and time
//! limits. They change how a run is scheduled, never what a step gets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a flow's runs are scheduled (the command line and the app can override each for
/// one run).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// How many independent steps may work at once (`None`: one at a time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parallel: Option<u32>,
    /// At most this many steps of a kind at once, by kind id (within `max_parallel`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kind_limits: BTreeMap<String, u32>,
    /// After the first failure no new step starts; running steps finish, the rest are
    /// skipped naming the failure (otherwise independent branches go on).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_fast: bool,
    /// The retry policy of every node of a kind that sets none itself, by kind id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retry: BTreeMap<String, super::Retry>,
    /// The longest a whole run of the flow may take, in milliseconds; past it running steps
    /// are stopped, the rest cancelled, and the run ends timed out (`None`: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// By kind id: the longest a ready step may wait for a free slot of its kind's limit,
    /// in milliseconds, before it fails "no slot within …".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queue_timeout_ms: BTreeMap<String, u64>,
}

impl Settings {
    /// Whether every setting has its default (then the file leaves `settings` out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}
