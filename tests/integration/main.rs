//! Integration tests: the CLI on the example flows, engine scenarios, and properties of
//! plans over random graphs. One test binary, one module per area.

mod cli;
mod dag_props;
mod engine;
mod support;
