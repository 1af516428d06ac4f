//! Scripts that would take the whole process down (all memory, a blown stack) fail their
//! own node with a message naming the limit; `flowcanvas run` goes on and exits 1.

use std::process::Command;

/// Runs a flow of one script node (`bad`) and an independent text node (`ok`) through the
/// real binary; returns its exit code and everything it printed.
fn run_script(script: &str, extra_params: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.flow");
    let flow = format!(
        "Flow(\n    version: 1,\n    nodes: [\n        Node(id: \"bad\", kind: \"script\", params: {{\"script\": r#\"{script}\"#{extra_params}}}),\n        Node(id: \"ok\", kind: \"text\", params: {{\"text\": \"still here\"}}),\n    ],\n)\n"
    );
    std::fs::write(&file, flow).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_flowcanvas"))
        .args(["run", "--no-store"])
        .arg(&file)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), printed)
}

/// The run failed `bad` with a message containing `limit`, and still ran `ok`.
fn assert_node_failed_with(result: (Option<i32>, String), limit: &str) {
    let (code, printed) = result;
    assert_eq!(code, Some(1), "exit 1, not a crash:\n{printed}");
    let failure = printed
        .lines()
        .find(|line| line.contains("✗ bad"))
        .unwrap_or_else(|| panic!("`bad` did not fail:\n{printed}"));
    assert!(failure.contains(limit), "{failure}");
    assert!(printed.contains("✓ ok"), "the run went on:\n{printed}");
}

#[test]
fn rhai_pad_to_two_billion_fails_the_node_not_the_process() {
    assert_node_failed_with(
        run_script("let a = []; a.pad(2000000000, 0); a.len()", ""),
        "an array may hold",
    );
}

#[test]
fn rhai_string_doubling_fails_the_node_not_the_process() {
    assert_node_failed_with(
        run_script("let s = \"x\"; loop { s += s; }", ""),
        "a string may hold 32 MiB",
    );
    assert_node_failed_with(
        run_script("let s = \"x\"; s.pad(2000000000, \"y\"); s.len()", ""),
        "a string may hold 32 MiB",
    );
}

#[test]
fn rhai_ten_gigabyte_blob_fails_the_node_not_the_process() {
    assert_node_failed_with(run_script("blob(1e10.to_int()).len()", ""), "a BLOB 8 MiB");
}

#[test]
fn rhai_array_doubling_fails_the_node_not_the_process() {
    assert_node_failed_with(
        run_script("let a = [1]; loop { a += a; }", ""),
        "an array may hold 8388608 items",
    );
}

#[test]
fn rhai_endless_recursion_fails_the_node_not_the_process() {
    assert_node_failed_with(
        run_script("fn f(n) { f(n + 1) } f(0)", ""),
        "the call depth limit",
    );
}

#[test]
fn rhai_arrays_nested_in_a_loop_fail_the_node_not_the_process() {
    // Each level is one more frame when Rhai measures or drops the value.
    assert_node_failed_with(
        run_script("let a = []; loop { a = [a]; }", ", \"timeout_s\": 3"),
        "stopped after 3 s",
    );
}

#[test]
fn rhai_map_of_large_strings_fails_the_node_not_the_process() {
    // Each value is under the string limit; together they would take all memory.
    assert_node_failed_with(
        run_script(
            "let s = \"x\"; for j in 0..24 { s += s; } let m = #{}; let i = 0; loop { m[i.to_string()] = s + i; i += 1; }",
            ", \"timeout_s\": 600.0",
        ),
        "the process grew by more than 1024 MiB",
    );
}
