//! Trust for flows from elsewhere (a download, a clone): what a flow would do outside
//! itself (commands, requests, files outside its folder, environment variables), restricted
//! runs that leave the nodes doing it out, and the list of folders the user trusts.
//!
//! A restricted run is planned as usual, then [`restrict`] turns every step that needs trust
//! into a skipped node with the reason (`needs trust: runs a shell command`), and its
//! downstream too; the executor does this for requests marked
//! [`crate::exec::RunRequest::restricted`], and previews call the same function, so what a
//! preview shows is what runs. Reads whose path arrives over a wire are checked as the node
//! runs ([`crate::nodes::NodeContext::check_read`]).

mod folders;
mod restrict;
mod summary;

pub use folders::{TrustList, TRUST_FILE};
pub use restrict::{needs_trust, restrict};
pub use summary::{
    host_of, quote_command, visible_controls, Access, FlowEffects, NodeEffects, OutsidePath,
};
