//! "My flows": the `.flow` files a flow can use as subflows, listed in the add-node menu:
//! those in the `flows/` folder beside the flow, then those in the library folder
//! (`flows/` in the settings folder).

use std::path::{Path, PathBuf};

/// One flow the add-node menu offers as a subflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyFlow {
    /// What the menu calls it: the file's name without `.flow`.
    pub name: String,
    /// What the new node's `flow` parameter says: relative to the open flow's folder when
    /// beside it (`flows/x.flow`), else the full path.
    pub file: String,
}

/// The folder of the library of flows: `flows/` in the settings folder.
pub fn library_folder() -> Option<PathBuf> {
    crate::settings::config_dir().map(|dir| dir.join("flows"))
}

/// How many flows are listed from one folder.
pub const MAX_LISTED: usize = 200;

/// The flows offered to the flow at `flow_path` (`None`: not saved yet, only the library):
/// its neighbours in `flows/`, by name, then the library's; never the flow itself. At
/// most [`MAX_LISTED`] from each folder.
pub fn my_flows(flow_path: Option<&Path>, library: Option<&Path>) -> Vec<MyFlow> {
    let mut found = Vec::new();
    if let Some(path) = flow_path {
        let folder = crate::fsutil::flow_folder(path);
        for file in flow_files(&folder.join("flows")) {
            if same_file(&file, path) {
                continue;
            }
            if let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned()) {
                found.push(entry(&file, format!("flows/{name}")));
            }
        }
    }
    if let Some(library) = library {
        for file in flow_files(library) {
            if flow_path.is_some_and(|path| same_file(&file, path)) {
                continue;
            }
            found.push(entry(&file, file.display().to_string()));
        }
    }
    found
}

fn entry(file: &Path, written: String) -> MyFlow {
    MyFlow {
        name: file
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
        file: written,
    }
}

/// The `.flow` files directly in `folder`, sorted by name.
fn flow_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "flow") && path.is_file())
        .take(MAX_LISTED)
        .collect();
    files.sort();
    files
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_in_flows_then_the_library_never_the_flow_itself() {
        let dir = tempfile::tempdir().unwrap();
        let flows = dir.path().join("flows");
        std::fs::create_dir_all(&flows).unwrap();
        for name in ["b.flow", "a.flow", "notes.txt"] {
            std::fs::write(flows.join(name), "Flow(version: 1)").unwrap();
        }
        let library = tempfile::tempdir().unwrap();
        std::fs::write(library.path().join("shared.flow"), "Flow(version: 1)").unwrap();
        let main = dir.path().join("main.flow");
        let listed = my_flows(Some(&main), Some(library.path()));
        let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "shared"]);
        assert_eq!(listed[0].file, "flows/a.flow");
        assert!(listed[2].file.ends_with("shared.flow"));
        // A flow kept in the library is not offered to itself.
        let inside = flows.join("a.flow");
        assert_eq!(my_flows(None, Some(&flows)).len(), 2);
        let listed = my_flows(Some(&inside), Some(&flows));
        let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b"]);
    }
}
